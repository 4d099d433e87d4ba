"""Coordinate reference systems of casemap, named in one place, and coordinate sanity checks."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from geo.errors import CRSError

#: Storage and exchange CRS: CGCS2000 geographic, lon/lat degrees.
STORAGE_CRS = CRS.from_epsg(4490)
#: Area CRS: CGCS2000 3-degree Gauss-Krüger zone 38 (CM 114°E), easting with the 38 prefix.
AREA_CRS = CRS.from_epsg(4526)
#: The same projection without the zone prefix on the easting.
AREA_CRS_NO_PREFIX = CRS.from_epsg(4547)
#: Display CRS for web maps (CGCS2000 ≈ WGS84 at map scale).
DISPLAY_CRS = CRS.from_epsg(4326)

#: Square metres in one 亩.
M2_PER_MU = 10000.0 / 15.0
ZONE = 38
CENTRAL_MERIDIAN = 114.0
#: Easting offset with the zone prefix (38 500 000 m at the central meridian).
PREFIX_FALSE_EASTING = ZONE * 1_000_000 + 500_000

#: A generous lon/lat box around 代县 (the county spans about 112.7–113.3°E, 38.9–39.3°N).
COUNTY_BBOX = (112.3, 38.6, 113.7, 39.6)


def m2_to_mu(m2):
    """Convert square metres to 亩 (1 亩 = 10000/15 m²)."""
    return np.asarray(m2, dtype=float) / M2_PER_MU if np.ndim(m2) else float(m2) / M2_PER_MU


def to_area_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries):
    """Return ``frame`` reprojected to the area CRS; refuse data without a CRS."""
    require_crs(frame)
    return frame.to_crs(AREA_CRS)


def to_storage_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries):
    """Return ``frame`` reprojected to CGCS2000 lon/lat; refuse data without a CRS."""
    require_crs(frame)
    return frame.to_crs(STORAGE_CRS)


def require_crs(frame, *, what: str = "数据") -> None:
    """Raise CRSError when ``frame`` declares no CRS."""
    if frame.crs is None:
        raise CRSError(f"{what}未声明坐标系（CRS），无法判断坐标含义；请在 QGIS 中设置为 CGCS2000 (EPSG:4490) 或 EPSG:4526/4547 后再导入。")


def gk_to_lonlat(x_north, y_east):
    """Convert Gauss-Krüger X (northing) / Y (easting, with or without zone prefix) to lon/lat.

    Returns two arrays (lon, lat).  Eastings below 1 000 000 m are taken as without the prefix.
    """
    x = np.asarray(x_north, dtype=float)
    y = np.asarray(y_east, dtype=float)
    y = np.where(y < 1_000_000, y + ZONE * 1_000_000, y)
    tr = Transformer.from_crs(AREA_CRS, STORAGE_CRS, always_xy=True)
    return tr.transform(y, x)


def lonlat_to_gk(lon, lat, *, prefix: bool = True):
    """Convert lon/lat to Gauss-Krüger (X northing, Y easting); Y carries the zone prefix by default."""
    tr = Transformer.from_crs(STORAGE_CRS, AREA_CRS, always_xy=True)
    y, x = tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    if not prefix:
        y = np.asarray(y) - ZONE * 1_000_000
    return x, y


def diagnose_lonlat(lon: float, lat: float) -> str | None:
    """Say why a lon/lat pair cannot be in the county, or None when it fits the county box."""
    x0, y0, x1, y1 = COUNTY_BBOX
    if x0 <= lon <= x1 and y0 <= lat <= y1:
        return None
    if x0 <= lat <= x1 and y0 <= lon <= y1:
        return f"经纬度疑似颠倒（经度 {lon:g}、纬度 {lat:g}）：代县约在东经 112.7°–113.3°、北纬 38.9°–39.3°"
    if abs(lon) > 1000 or abs(lat) > 1000:
        return (f"坐标 ({lon:g}, {lat:g}) 是米制数值却被标为经纬度：疑似高斯-克吕格坐标，"
                "请声明 EPSG:4526（带 38 带号）或 EPSG:4547（不带带号）")
    return f"坐标 (经度 {lon:g}, 纬度 {lat:g}) 不在代县范围内（东经 112.7°–113.3°、北纬 38.9°–39.3°）"


def check_in_county_box(geoms_lonlat: np.ndarray, labels: list[str]) -> list[str]:
    """Return one message per geometry (given in lon/lat) whose extent leaves the county box."""
    bounds = shapely.bounds(np.asarray(geoms_lonlat))
    x0, y0, x1, y1 = COUNTY_BBOX
    bad = ~((bounds[:, 0] >= x0) & (bounds[:, 2] <= x1) & (bounds[:, 1] >= y0) & (bounds[:, 3] <= y1))
    bad &= ~np.isnan(bounds[:, 0])
    out = []
    for i in np.flatnonzero(bad):
        why = diagnose_lonlat(float(bounds[i, 0]), float(bounds[i, 1])) or diagnose_lonlat(
            float(bounds[i, 2]), float(bounds[i, 3])
        ) or "超出代县范围"
        out.append(f"{labels[i]}：{why}")
    return out


def diagnose_projected(bounds: tuple[float, float, float, float], crs: CRS) -> str | None:
    """Say why projected coordinates (x = easting, y = northing as stored) cannot be 代县 in ``crs``.

    Catches X/Y swapped (northing stored as x), a missing or wrong zone prefix, and metres under a
    geographic CRS.  Returns None when nothing is wrong that can be told from the numbers alone.
    """
    x0, y0, x1, y1 = bounds
    if any(v != v for v in bounds):
        return None
    if crs.is_geographic:
        return diagnose_lonlat(x0, y0) if abs(x0) > 1000 or abs(y0) > 1000 else None
    if 4_000_000 < x0 < 5_000_000 and y0 > 1_000_000:
        return (f"X/Y 疑似颠倒：x={x0:.0f} 像北坐标（X），y={y0:.0f} 像东坐标（Y）；"
                "高斯-克吕格坐标中 X 为北坐标（约 43xxxxx），Y 为东坐标（约 38xxxxxx）")
    zone_prefix = int(x0 // 1_000_000)
    if x0 >= 1_000_000 and zone_prefix != ZONE:
        return (f"东坐标 {x0:.0f} 的带号为 {zone_prefix}，不是代县所在的 3 度带第 {ZONE} 带"
                f"（中央经线 {CENTRAL_MERIDIAN:g}°E）；请检查坐标系或换带")
    epsg = crs.to_epsg()
    if epsg == 4526 and x0 < 1_000_000:
        return f"东坐标 {x0:.0f} 没有带号，却声明为 EPSG:4526（带带号）；请改为 EPSG:4547（不带带号）"
    if epsg == 4547 and x0 >= 1_000_000:
        return f"东坐标 {x0:.0f} 带有带号 {zone_prefix}，却声明为 EPSG:4547（不带带号）；请改为 EPSG:4526"
    return None
