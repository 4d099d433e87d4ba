"""Coordinate reference systems of casemap, named in one place, and coordinate sanity checks.

The zones are named here only: 代县's (:data:`ZONE`, :data:`CENTRAL_MERIDIAN`, :data:`AREA_CRS`,
:data:`COUNTY_BBOX`) are the defaults, and every function that depends on the zone or on the county's
lon/lat box takes them as keywords (``zone=``, ``bbox=``; ``place=`` names the county in messages), so
that any county in any 3-degree zone (:func:`zone_of_longitude`, :func:`gk_epsg`, :func:`county_box`)
works the same way.  Coordinates *labelled* as 6-degree Gauss-Krüger (``6度带``, :func:`zone_width_label`)
are read with the same helpers given ``width=6`` (zones 13–23, central meridian 6n − 3; the county's
6-degree zone is :func:`county_zone`); everything is still stored in lon/lat and measured in the 3-degree zone.  :func:`classify_pairs` is the one rule telling Gauss-Krüger metres from lon/lat
(and a swapped pair); :func:`zone_problem` is the one zone check, :func:`datum_problem` the one datum
check; :func:`require_crs` holds the one "no CRS" message.  Everything else here (pasted text, 拐点,
ledger cells, files read) is built on these.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS, Transformer

from geo.errors import CRSError, GeometryError

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

#: A lon/lat box ``(min lon, min lat, max lon, max lat)``.
Box = tuple[float, float, float, float]
#: A generous lon/lat box around 代县 (the county spans about 112.7–113.3°E, 38.9–39.3°N).
COUNTY_BBOX: Box = (112.3, 38.6, 113.7, 39.6)
_DAIXIAN_EXTENT = "东经 112.7°–113.3°、北纬 38.9°–39.3°"
#: The CGCS2000 3-degree Gauss-Krüger zones of China (central meridians 75°E–135°E).
ZONES = range(25, 46)
#: The CGCS2000 6-degree Gauss-Krüger zones of China (central meridians 75°E–135°E).
SIX_DEGREE_ZONES = range(13, 24)
#: The zone widths (degrees) casemap reads: 3 (every store's) and 6 (coordinates labelled so).
WIDTHS = (3, 6)
#: Degrees added on every side of a county's outline to make its generous lon/lat box (:func:`county_box`).
BOX_MARGIN_DEG = 0.3


def _width(width: int) -> int:
    if int(width) not in WIDTHS:
        raise ValueError(f"zone width must be 3 or 6 degrees, not {width!r}")
    return int(width)


def zone_of_longitude(lon: float, *, width: int = 3) -> int:
    """The zone holding longitude ``lon`` (an edge goes east).

    3-degree (default): n = round(lon / 3), central meridian 3n°E.  6-degree (``width=6``):
    n = floor(lon / 6) + 1, central meridian 6n − 3 °E (112.9°E is 3° zone 38 and 6° zone 19).
    """
    if _width(width) == 6:
        return int(math.floor(float(lon) / 6.0)) + 1
    return int(math.floor(float(lon) / 3.0 + 0.5))


def central_meridian_of(zone: int, *, width: int = 3) -> float:
    """The central meridian (°E) of ``zone``: 3 × zone (3-degree) or 6 × zone − 3 (``width=6``)."""
    return 6.0 * int(zone) - 3.0 if _width(width) == 6 else 3.0 * int(zone)


def zone_of_meridian(meridian: float, *, width: int = 3) -> int | None:
    """The zone whose central meridian is ``meridian`` °E, or None when no zone of ``width`` has it."""
    m = float(meridian)
    if _width(width) == 6:
        return int((m + 3.0) // 6.0) if (m + 3.0) % 6.0 == 0 else None
    return int(m // 3.0) if m % 3.0 == 0 else None


def gk_epsg(zone: int, *, prefix: bool = True, width: int = 3) -> int:
    """The EPSG code of CGCS2000 Gauss-Krüger zone ``zone`` (3-degree unless ``width=6``).

    3-degree: EPSG:4513–4533 (zones 25–45) carry the zone prefix on the easting, EPSG:4534–4554
    (CM 75°E–135°E) do not; zone 38 is EPSG:4526 / EPSG:4547.  6-degree: EPSG:4491–4501 (zones 13–23)
    with the prefix, EPSG:4502–4512 (CM 75°E–135°E) without; zone 19 is EPSG:4497 / EPSG:4508.
    Raises CRSError for a zone outside those ranges.
    """
    zones, first = (SIX_DEGREE_ZONES, 4491 if prefix else 4502) if _width(width) == 6 else \
        (ZONES, 4513 if prefix else 4534)
    if int(zone) not in zones:
        raise CRSError(f"带号 {zone} 不在 CGCS2000 {width} 度带第 {zones.start}–{zones.stop - 1} 带"
                       "（中央经线 75°E–135°E）之内")
    return first + int(zone) - zones.start


def zone_crs(zone: int = ZONE, *, prefix: bool = True, width: int = 3) -> CRS:
    """The CGCS2000 Gauss-Krüger CRS of ``zone`` (3-degree unless ``width=6``; :data:`AREA_CRS` for 3° zone 38)."""
    if int(zone) == ZONE and _width(width) == 3:
        return AREA_CRS if prefix else AREA_CRS_NO_PREFIX
    return CRS.from_epsg(gk_epsg(zone, prefix=prefix, width=width))


def county_zone(*, zone: int = ZONE, bbox: Box = COUNTY_BBOX, width: int = 3) -> int:
    """The county's zone of ``width``: its 3-degree ``zone`` as recorded, or the 6-degree zone of its box's centre.

    代县 (3° zone 38, box centre 113.0°E) is 6° zone 19 (central meridian 111°E).
    """
    if _width(width) == 3:
        return int(zone)
    return zone_of_longitude((float(bbox[0]) + float(bbox[2])) / 2.0, width=6)


#: A label naming the zone width of coordinates: ``6度带``, ``六度带``, ``6°分带``, ``3度带``, ``三度带``.
_WIDTH_LABEL = re.compile(r"(?<![\d.])([36])\s*(?:度|°|º)\s*分?\s*带|([六三])\s*度\s*分?\s*带")


def zone_width_label(text: str, *, where: str = "") -> int | None:
    """The zone width (3 or 6) that ``text`` (heading lines) labels its coordinates with, or None when unlabelled.

    Raises CRSError when ``text`` names both widths.
    """
    found = {6 if (m[1] or m[2]) in ("6", "六") else 3
             for m in _WIDTH_LABEL.finditer(unicodedata.normalize("NFKC", str(text)))}
    if len(found) > 1:
        raise CRSError(f"{where}同时标有 3 度带和 6 度带，无法判断坐标所在的投影带；请只保留一种")
    return found.pop() if found else None


def county_box(bounds: Box) -> Box:
    """The generous lon/lat box of a county whose outline has ``bounds``: :data:`BOX_MARGIN_DEG` on every side."""
    x0, y0, x1, y1 = (float(v) for v in bounds)
    m = BOX_MARGIN_DEG
    return (round(x0 - m, 4), round(y0 - m, 4), round(x1 + m, 4), round(y1 + m, 4))


def box_text(bbox: Box = COUNTY_BBOX) -> str:
    """Where the county of ``bbox`` lies, for messages: ``东经 112.7°–113.3°、北纬 38.9°–39.3°`` (without the margin)."""
    if tuple(bbox) == COUNTY_BBOX:
        return _DAIXIAN_EXTENT
    x0, y0, x1, y1 = bbox
    m = BOX_MARGIN_DEG
    return f"东经 {x0 + m:.1f}°–{x1 - m:.1f}°、北纬 {y0 + m:.1f}°–{y1 - m:.1f}°"


def m2_to_mu(m2):
    """Convert square metres to 亩 (1 亩 = 10000/15 m²)."""
    return np.asarray(m2, dtype=float) / M2_PER_MU if np.ndim(m2) else float(m2) / M2_PER_MU


def to_area_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, *, zone: int = ZONE):
    """Return ``frame`` reprojected to the area CRS (zone ``zone``, with the prefix); refuse data without a CRS."""
    require_crs(frame)
    return frame.to_crs(zone_crs(zone))


def to_storage_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries):
    """Return ``frame`` reprojected to CGCS2000 lon/lat; refuse data without a CRS."""
    require_crs(frame)
    return frame.to_crs(STORAGE_CRS)


def require_crs(frame, *, what: str = "数据") -> None:
    """Raise CRSError when ``frame`` declares no CRS: the one "no CRS" message of casemap.

    ``what`` names the data (``"案件文件 a.shp"``); the message reads ``"{what}：未声明坐标系（CRS）…"``.
    """
    if frame.crs is None:
        raise CRSError(f"{what}：未声明坐标系（CRS），无法判断坐标含义；"
                       "请在 QGIS 中设置为 CGCS2000 (EPSG:4490) 或 EPSG:4526/4547 后再导入。")


def gk_to_lonlat(x_north, y_east, *, zone: int = ZONE, width: int = 3):
    """Convert Gauss-Krüger X (northing) / Y (easting, with or without zone prefix) in ``zone`` to lon/lat.

    Returns two arrays (lon, lat).  Eastings below 1 000 000 m are taken as without the prefix.
    ``width=6`` reads them in 6-degree zone ``zone``.
    """
    x = np.asarray(x_north, dtype=float)
    y = np.asarray(y_east, dtype=float)
    y = np.where(y < 1_000_000, y + zone * 1_000_000, y)
    tr = Transformer.from_crs(zone_crs(zone, width=width), STORAGE_CRS, always_xy=True)
    return tr.transform(y, x)


def lonlat_to_gk(lon, lat, *, prefix: bool = True, zone: int = ZONE, width: int = 3):
    """Convert lon/lat to Gauss-Krüger of ``zone`` (X northing, Y easting); Y carries the zone prefix by default.

    ``width=6`` gives 6-degree zone ``zone``.
    """
    tr = Transformer.from_crs(STORAGE_CRS, zone_crs(zone, width=width), always_xy=True)
    y, x = tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    if not prefix:
        y = np.asarray(y) - zone * 1_000_000
    return x, y


#: The kinds :func:`classify_pairs` tells apart ("" = fits neither).
LONLAT, GK = "lonlat", "gk"
#: Integer-digit ranges of Gauss-Krüger values: X (northing) has 7 digits; Y (easting) 8 with the zone
#: prefix or 6 without.
_NORTH = (1_000_000.0, 10_000_000.0)
_EAST_PLAIN = (100_000.0, 1_000_000.0)
_EAST_PREFIX = (10_000_000.0, 100_000_000.0)
_SIX_DEGREE_BELOW = 24  # 3° zones in China are 25–45, 6° zones 13–23


class PairKind(NamedTuple):
    """Per pair: ``kind`` (:data:`LONLAT`, :data:`GK` or ``""``) and ``swapped`` (given in the other order)."""

    kind: np.ndarray
    swapped: np.ndarray


class GKPairs(NamedTuple):
    """Gauss-Krüger pairs in surveyors' order: ``x`` northing, ``y`` easting with the zone prefix."""

    x: np.ndarray
    y: np.ndarray
    swapped: np.ndarray


def in_county_box(lon: ArrayLike, lat: ArrayLike, *, bbox: Box = COUNTY_BBOX) -> np.ndarray:
    """Whether each lon/lat lies in the county's box ``bbox`` (default :data:`COUNTY_BBOX`, around 代县).

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes in degrees (broadcast together).
    bbox : tuple, optional
        ``(min lon, min lat, max lon, max lat)`` of the county's generous box (:func:`county_box`).

    Returns
    -------
    numpy.ndarray of bool
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x0, y0, x1, y1 = bbox
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def _between(v: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    return (v >= bounds[0]) & (v < bounds[1])


def classify_pairs(a: ArrayLike, b: ArrayLike, *, bbox: Box = COUNTY_BBOX) -> PairKind:
    """The one rule telling lon/lat from Gauss-Krüger metres, for coordinate pairs ``(a, b)``.

    A pair is lon/lat when ``(a, b)`` (or, swapped, ``(b, a)``) lies in the county's box ``bbox``
    (default :data:`COUNTY_BBOX`; China's longitudes never overlap its latitudes, so a swap is told).  It is
    Gauss-Krüger when one value is a northing X of 7 integer digits and the other an easting Y of
    8 digits (with the zone prefix) or 6 digits (without); not swapped means X first, as surveyors
    write it.  Anything else fits neither and has kind ``""``.

    Parameters
    ----------
    a, b : array_like
        First and second value of each pair (broadcast together).

    Returns
    -------
    PairKind
        ``kind`` (str array of :data:`LONLAT`, :data:`GK` or ``""``) and ``swapped`` (bool array).

    Examples
    --------
    >>> classify_pairs(4_330_000.0, 38_400_000.0)
    PairKind(kind=array('gk', dtype='<U6'), swapped=array(False))
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    lonlat, lonlat_swapped = in_county_box(a, b, bbox=bbox), in_county_box(b, a, bbox=bbox)
    north_a, north_b = _between(a, _NORTH), _between(b, _NORTH)
    east_a = _between(a, _EAST_PLAIN) | _between(a, _EAST_PREFIX)
    east_b = _between(b, _EAST_PLAIN) | _between(b, _EAST_PREFIX)
    gk, gk_swapped = north_a & east_b, east_a & north_b
    kind = np.where(lonlat | lonlat_swapped, LONLAT, np.where(gk | gk_swapped, GK, ""))
    swapped = np.where(lonlat | lonlat_swapped, ~lonlat & lonlat_swapped, ~gk & gk_swapped)
    return PairKind(kind, swapped)


def zone_of(easting: ArrayLike) -> np.ndarray:
    """The zone prefix of each Gauss-Krüger easting (``38`` for 38 512 345 m); 0 for an easting without one."""
    y = np.asarray(easting, dtype=float)
    return np.where(y >= _EAST_PREFIX[0], np.floor(y / 1_000_000), 0).astype(int)


def zone_problem(*, easting: ArrayLike = (), zone: ArrayLike = (), where: str = "", county_zone: int = ZONE,
                 place: str = "代县", width: int = 3) -> str | None:
    """The one zone check: None when every zone is the county's (``county_zone``), else the Chinese message.

    Parameters
    ----------
    easting : array_like, optional
        Gauss-Krüger eastings; those with a zone prefix are checked, those without are accepted.
    zone : array_like, optional
        Declared zone numbers (a ``带号`` heading).
    where : str, optional
        Text put before ``带号为 …`` (e.g. ``"第 3 行：Y 坐标 37413372.67 的"``).
    county_zone : int, optional
        The county's 3-degree zone (default :data:`ZONE`, 代县's), or its 6-degree zone with ``width=6``.
    place : str, optional
        The county's name, for the message.
    width : int, optional
        3 (default) or 6: the zone width the coordinates are labelled with.

    Returns
    -------
    str or None
        ``"{where}带号为 37，不是代县所在的 3 度带第 38 带（中央经线 114°E）；…"``, naming the zone found and
        the county's; a zone below 24 is named as a probable 6-degree zone (with ``width=6``: a zone
        above 23 as a probable 3-degree zone).
    """
    prefixed = zone_of(easting).ravel()
    zones = np.concatenate([prefixed[prefixed != 0], np.asarray(zone, dtype=int).ravel()])
    wrong = np.unique(zones[zones != county_zone]).tolist()
    if not wrong:
        return None
    cm = central_meridian_of(county_zone, width=width)
    if _width(width) == 6:
        hint = "（疑似 3 度带）" if any(z > _SIX_DEGREE_BELOW for z in wrong) else ""
        return (f"{where}带号为 {'、'.join(map(str, wrong))}{hint}，不是{place}所在的 6 度带第 {county_zone} 带"
                f"（中央经线 {cm:g}°E）；坐标标为 6 度带时应为 CGCS2000 6 度带第 {county_zone} 带坐标，请检查带号")
    hint = "（疑似 6 度带）" if any(z < _SIX_DEGREE_BELOW for z in wrong) else ""
    return (f"{where}带号为 {'、'.join(map(str, wrong))}{hint}，不是{place}所在的 3 度带第 {county_zone} 带"
            f"（中央经线 {cm:g}°E）；请转换为 CGCS2000 3 度带第 {county_zone} 带坐标后再导入")


#: Datums other than CGCS2000 that a 坐标系 heading may name, each with the name the refusal gives it.
_OTHER_DATUMS = (
    (re.compile(r"西安|xi'?an|1980|(?<!\d)80(?!\d)", re.I), "1980 西安坐标系"),
    (re.compile(r"北京|beijing|1954|(?<!\d)54(?!\d)", re.I), "1954 北京坐标系"),
    (re.compile(r"WGS", re.I), "WGS84"),
)


def datum_problem(text: str, *, where: str = "") -> str | None:
    """The one datum check: None when ``text`` (a 坐标系 heading) names CGCS2000 or no datum, else the refusal.

    Only CGCS2000 (2000 国家大地坐标系) is accepted; 1980 西安, 1954 北京 and WGS84 (also as Gauss-Krüger
    or UTM) are refused by name: ``"{where}坐标系为「西安80」（1980 西安坐标系），本程序只接受 CGCS2000…"``.
    """
    value = str(text).strip()
    if re.search(r"2000|CGCS", value, re.I):
        return None
    found = next((name for pattern, name in _OTHER_DATUMS if pattern.search(value)), None)
    if found is None:
        return None
    return (f"{where}坐标系为「{value}」（{found}），本程序只接受 CGCS2000（2000 国家大地坐标系）3 度带坐标；"
            f"请先转换为 CGCS2000 再导入")


def gk_pairs(a: ArrayLike, b: ArrayLike, *, where: str = "", zone: int = ZONE, bbox: Box = COUNTY_BBOX,
             place: str = "代县", width: int = 3) -> GKPairs:
    """Gauss-Krüger pairs given as X, Y (or swapped) → northing, easting with the zone prefix, swapped.

    Parameters
    ----------
    a, b : array_like
        First and second value of each pair, as written.
    where : str, optional
        Where the pairs come from, put before messages (``"第 3 行"``).
    zone, bbox, place : optional
        The county's zone, lon/lat box and name (default 代县: :data:`ZONE`, :data:`COUNTY_BBOX`).
    width : int, optional
        3 (default) or 6: ``zone`` is a 6-degree zone for coordinates labelled 6-degree (:func:`county_zone`).

    Returns
    -------
    GKPairs
        ``x`` northing, ``y`` easting with the ``zone`` prefix added where missing, ``swapped``.

    Raises
    ------
    GeometryError
        Naming the first pair that is no Gauss-Krüger pair by :func:`classify_pairs`.
    CRSError
        When an easting carries a zone prefix other than ``zone`` (message of :func:`zone_problem`).
    """
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    kind, swapped = classify_pairs(a, b, bbox=bbox)
    head = f"{where}：" if where else ""
    bad = np.flatnonzero(kind.ravel() != GK)
    if bad.size:
        i = bad[0]
        raise GeometryError(
            f"{head}坐标 ({a.ravel()[i]:g}, {b.ravel()[i]:g}) 不是 CGCS2000 高斯-克吕格坐标"
            f"（应为 X 北坐标 7 位、Y 东坐标 8 位含带号 {zone} 或 6 位不含带号）"
        )
    x, y = np.where(swapped, b, a), np.where(swapped, a, b)
    zones = zone_of(y)
    wrong = np.flatnonzero((zones.ravel() != zone) & (zones.ravel() != 0))
    if wrong.size:
        raise CRSError(zone_problem(easting=y, where=f"{head}Y 坐标 {y.ravel()[wrong[0]]:.2f} 的",
                                    county_zone=zone, place=place, width=width))
    return GKPairs(x, np.where(zones == 0, y + zone * 1_000_000, y), swapped)


def north_hint(bbox: Box = COUNTY_BBOX, *, zone: int = ZONE) -> str:
    """The northing X of the county of ``bbox`` as surveyors would recognise it: ``43xxxxx`` for 代县."""
    x, _ = lonlat_to_gk((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2, zone=zone)
    return f"{int(x) // 100_000}xxxxx"


def diagnose_lonlat(lon: float, lat: float, *, bbox: Box = COUNTY_BBOX, zone: int = ZONE,
                    place: str = "代县") -> str | None:
    """Say why a lon/lat pair cannot be in the county (by :func:`classify_pairs`), or None when it fits.

    ``bbox``, ``zone`` and ``place`` are the county's lon/lat box, 3-degree zone and name (default 代县).
    """
    kind, swapped = (v.item() for v in classify_pairs(lon, lat, bbox=bbox))
    if kind == LONLAT and not swapped:
        return None
    if kind == LONLAT:
        return f"经纬度疑似颠倒（经度 {lon:g}、纬度 {lat:g}）：{place}约在{box_text(bbox)}"
    if kind == GK:
        return (f"坐标 ({lon:g}, {lat:g}) 是米制数值却被标为经纬度：疑似高斯-克吕格坐标，"
                f"请声明 EPSG:{gk_epsg(zone)}（带 {zone} 带号）或 EPSG:{gk_epsg(zone, prefix=False)}（不带带号）")
    return f"坐标 (经度 {lon:g}, 纬度 {lat:g}) 不在{place}范围内（{box_text(bbox)}）"


def diagnose_extent(bounds: Box, *, bbox: Box = COUNTY_BBOX, zone: int = ZONE, place: str = "代县") -> str | None:
    """Say why a lon/lat extent ``(minx, miny, maxx, maxy)`` leaves the county, or None when it fits."""
    x0, y0, x1, y1 = (float(v) for v in bounds)
    where = {"bbox": bbox, "zone": zone, "place": place}
    return diagnose_lonlat(x0, y0, **where) or diagnose_lonlat(x1, y1, **where)


def check_in_county_box(geoms_lonlat: np.ndarray, labels: list[str], *, bbox: Box = COUNTY_BBOX, zone: int = ZONE,
                        place: str = "代县") -> list[str]:
    """Return one message per geometry (given in lon/lat) whose extent leaves the county box ``bbox``."""
    bounds = shapely.bounds(np.asarray(geoms_lonlat))
    inside = in_county_box(bounds[:, 0], bounds[:, 1], bbox=bbox) & in_county_box(bounds[:, 2], bounds[:, 3], bbox=bbox)
    bad = ~inside & ~np.isnan(bounds[:, 0])
    where = {"bbox": bbox, "zone": zone, "place": place}
    return [f"{labels[i]}：{diagnose_extent(bounds[i], **where) or f'超出{place}范围'}" for i in np.flatnonzero(bad)]


def diagnose_projected(bounds: Box, crs: CRS, *, zone: int = ZONE, bbox: Box = COUNTY_BBOX,
                       place: str = "代县") -> str | None:
    """Say why projected coordinates (x = easting, y = northing as stored) cannot be the county in ``crs``.

    Catches X/Y swapped (northing stored as x), a missing or wrong zone prefix, and metres under a
    geographic CRS.  Returns None when nothing is wrong that can be told from the numbers alone.
    ``zone``, ``bbox`` and ``place`` are the county's (default 代县).
    """
    x0, y0, x1, y1 = bounds
    if any(v != v for v in bounds):
        return None
    where = {"bbox": bbox, "zone": zone, "place": place}
    if crs.is_geographic:
        return diagnose_lonlat(x0, y0, **where) if classify_pairs(x0, y0, bbox=bbox).kind == GK else None
    kind, swapped = classify_pairs(y0, x0, bbox=bbox)  # surveyors' order: X northing first
    if kind == GK and swapped:
        return (f"X/Y 疑似颠倒：x={x0:.0f} 像北坐标（X），y={y0:.0f} 像东坐标（Y）；"
                f"高斯-克吕格坐标中 X 为北坐标（约 {north_hint(bbox, zone=zone)}），Y 为东坐标（约 {zone}xxxxxx）")
    why = zone_problem(easting=x0, where=f"东坐标 {x0:.0f} 的", county_zone=zone, place=place)
    if why:
        return why
    epsg, prefix = crs.to_epsg(), int(zone_of(x0))
    with_prefix, without = gk_epsg(zone), gk_epsg(zone, prefix=False)
    if epsg == with_prefix and not prefix:
        return f"东坐标 {x0:.0f} 没有带号，却声明为 EPSG:{with_prefix}（带带号）；请改为 EPSG:{without}（不带带号）"
    if epsg == without and prefix:
        return f"东坐标 {x0:.0f} 带有带号 {prefix}，却声明为 EPSG:{without}（不带带号）；请改为 EPSG:{with_prefix}"
    return None
