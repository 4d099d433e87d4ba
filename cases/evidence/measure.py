"""Where a photo was taken against its case: the distance from the case geometry, and the flags an inspector reads.

Distances are measured in the store county's Gauss-Krüger zone (``County.area_crs``), from the photo's GPS
point (WGS84 taken as CGCS2000) to the case's geometry: 0 inside or on the edge of a parcel, to the point for
a point case; none for a photo without a usable position or a case without one (未定位).
"""

from __future__ import annotations

import datetime as dt
import os

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from cases.model import ValidationError, parse_date
from geo.crs import STORAGE_CRS

#: Default distance (m) beyond which a photo is flagged as taken far from its case.
MAX_DISTANCE_M = 200.0
#: The store setting and environment variable that change it.
MAX_DISTANCE_META = "photo_max_distance_m"
MAX_DISTANCE_ENV = "CASEMAP_PHOTO_MAX_DISTANCE_M"
#: A generous lon/lat box around China (incl. the South China Sea): a GPS fix outside it is nonsense.
CHINA_BOX = (73.4, 3.3, 135.1, 53.6)

#: Flag codes and their Chinese labels (``FAR_FROM_CASE`` names the distance where shown: :func:`flag_label`).
FLAG_LABELS = {
    "FAR_FROM_CASE": "距案件较远",
    "BEFORE_FOUND": "拍摄早于案件发现日期",
    "NO_GPS": "无位置",
    "BAD_GPS": "定位异常",
    "NO_TIME": "无拍摄时间",
}


def max_distance_m(meta_value: str | None = None) -> float:
    """The far-from-case distance: the store setting ``photo_max_distance_m``, else the environment, else 200 m."""
    for text in (meta_value, os.environ.get(MAX_DISTANCE_ENV)):
        try:
            value = float(str(text).strip()) if text not in (None, "") else None
        except ValueError:
            value = None
        if value is not None and value > 0:
            return value
    return MAX_DISTANCE_M


def flag_label(code: str, *, limit_m: float = MAX_DISTANCE_M) -> str:
    """The Chinese label of a flag (``FAR_FROM_CASE``: 距案件超过200米)."""
    if code == "FAR_FROM_CASE":
        return f"距案件超过{limit_m:g}米"
    return FLAG_LABELS.get(code, code)


def gps_problem(lon: float | None, lat: float | None) -> str | None:
    """Why a GPS position is nonsense (Chinese), or None: 0/0 (no fix), out of range, outside China."""
    if lon is None or lat is None or pd.isna(lon) or pd.isna(lat):
        return None
    if abs(lon) < 1e-6 and abs(lat) < 1e-6:
        return "卫星定位为 0°/0°（手机未定位时写入的空值）"
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return f"卫星定位经纬度超出范围（经度 {lon:g}，纬度 {lat:g}）"
    x0, y0, x1, y1 = CHINA_BOX
    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
        return f"卫星定位（东经 {lon:.5f}°，北纬 {lat:.5f}°）在中国境外"
    return None


def measure(photos: pd.DataFrame, cases: gpd.GeoDataFrame, *, area_crs: CRS,
            limit_m: float = MAX_DISTANCE_M) -> pd.DataFrame:
    """``photos`` (``case_id``, ``lon``, ``lat``, ``taken_at``) with ``distance_m``, ``flags`` and ``flag_labels``.

    ``cases`` holds ``case_id``, ``found_date`` and the geometry (CGCS2000).  A position that is nonsense
    (:func:`gps_problem`) is dropped (``lon``/``lat`` None, ``gps_raw`` keeps what the photo said) and flagged
    ``BAD_GPS``; no position is ``NO_GPS``; farther than ``limit_m`` is ``FAR_FROM_CASE``; a time taken on a
    day before the case's 发现日期 is ``BEFORE_FOUND``.  One projection of all points and all cases.
    """
    out = photos.copy().reset_index(drop=True)
    lon = pd.to_numeric(out["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(out["lat"], errors="coerce").to_numpy(dtype=float)
    has = ~(np.isnan(lon) | np.isnan(lat))
    bad = np.array([bool(h) and gps_problem(x, y) is not None for h, x, y in zip(has, lon, lat)], dtype=bool)
    out["gps_raw"] = [f"{x:.6f}, {y:.6f}" if b else None for b, x, y in zip(bad, lon, lat)]
    good = has & ~bad
    out["lon"] = [float(x) if g else None for g, x in zip(good, lon)]
    out["lat"] = [float(y) if g else None for g, y in zip(good, lat)]

    by_id = cases.drop_duplicates("case_id").set_index("case_id")
    geoms = by_id.geometry.reindex(out["case_id"]).to_numpy()
    case_geom = gpd.GeoSeries(geoms, crs=cases.crs or STORAGE_CRS).to_crs(area_crs).to_numpy()
    points = gpd.GeoSeries(shapely.points(np.where(good, lon, 0.0), np.where(good, lat, 0.0)),
                           crs=STORAGE_CRS).to_crs(area_crs).to_numpy()
    located = good & ~pd.isna(case_geom).astype(bool)
    dist = np.full(len(out), np.nan)
    if located.any():
        dist[located] = shapely.distance(points[located], case_geom[located])
    out["distance_m"] = [round(float(d), 1) if not np.isnan(d) else None for d in dist]

    found = by_id["found_date"].reindex(out["case_id"]).to_numpy() if "found_date" in by_id else [None] * len(out)
    flags = []
    for i in range(len(out)):
        row = []
        if bad[i]:
            row.append("BAD_GPS")
        elif not has[i]:
            row.append("NO_GPS")
        if not np.isnan(dist[i]) and dist[i] > limit_m:
            row.append("FAR_FROM_CASE")
        day = _day(out["taken_at"].iloc[i])
        if day is None:
            row.append("NO_TIME")
        elif _day(found[i]) is not None and day < _day(found[i]):
            row.append("BEFORE_FOUND")
        flags.append(row)
    out["flags"] = flags
    out["flag_labels"] = [[flag_label(f, limit_m=limit_m) for f in row] for row in flags]
    return out


def _day(value: object) -> dt.date | None:
    """The day of a taken-at time or a 发现时间 (as the ledger writes dates); None when blank or unreadable."""
    if isinstance(value, str) and "T" in value:
        value = value[:10]
    try:
        return parse_date(value)
    except ValidationError:
        return None


def nearest_cases(cases: gpd.GeoDataFrame, lon: float, lat: float, *, area_crs: CRS, n: int = 5) -> pd.DataFrame:
    """The ``n`` located cases nearest to a lon/lat point: ``case_id`` and ``distance_m`` (0 inside), nearest first."""
    located = cases[~(cases.geometry.isna() | cases.geometry.is_empty)]
    if located.empty:
        return pd.DataFrame({"case_id": [], "distance_m": []})
    point = gpd.GeoSeries(shapely.points([lon], [lat]), crs=STORAGE_CRS).to_crs(area_crs).iloc[0]
    dist = shapely.distance(located.geometry.to_crs(area_crs).to_numpy(), point)
    out = pd.DataFrame({"case_id": located["case_id"].to_numpy(), "distance_m": np.round(dist, 1)})
    return out.sort_values(["distance_m", "case_id"], kind="stable").head(n).reset_index(drop=True)
