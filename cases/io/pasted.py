"""Coordinates pasted as text: a parcel given as lon/lat or Gauss-Krüger X/Y pairs, one point a line.

Accepted lines (any separator: spaces, commas, tabs, Chinese commas):

- ``113.012345, 39.054321``              lon, lat (lat, lon is detected and swapped, with a note)
- ``4325678.12  38512345.67``            X (northing), Y (easting with the zone prefix 38)
- ``4325678.12  512345.67``              X, Y without the prefix
- ``J1  4325678.12  38512345.67``        a point number first (kept out)

Y before X is detected and swapped with a note.  One point gives a Point, three or more a Polygon
(closed if needed).  Everything is returned in CGCS2000 lon/lat.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from geo.crs import LONLAT as LONLAT_KIND
from geo.crs import ZONE, classify_pairs, gk_pairs, gk_to_lonlat, in_county_box, zone_of
from geo.errors import CRSError, GeometryError

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
LONLAT, GK_PREFIX, GK_PLAIN = "经纬度（CGCS2000）", f"高斯-克吕格 3 度带（Y 带带号 {ZONE}）", "高斯-克吕格 3 度带（Y 不带带号）"


@dataclass
class ParsedCoordinates:
    """The geometry (lon/lat), which coordinate system the text was in, and notes on what was fixed."""

    geometry: shapely.Geometry
    system: str
    notes: list[str] = field(default_factory=list)


def parse_coordinate_text(text: str) -> ParsedCoordinates:
    """Parse pasted coordinates into a Point or Polygon in CGCS2000 lon/lat.

    Raises GeometryError (too few points, self-intersection, a line without two numbers) or
    CRSError (wrong zone, numbers that fit no coordinate system, outside the county), naming the line.
    """
    pairs, lines = _pairs(text)
    if not pairs:
        raise GeometryError("没有识别到坐标：每行应有一对坐标，如「113.0123, 39.0543」或「4325678.12 38512345.67」")
    a, b = np.array(pairs, dtype=float).T
    kind, swapped = classify_pairs(a, b)
    bad = [f"第 {lines[i]} 行（{a[i]:g}, {b[i]:g}）" for i in np.flatnonzero(kind == "")]
    if bad:
        raise CRSError("以下坐标既不像经纬度也不像高斯-克吕格坐标：" + "、".join(bad)
                       + f"；代县约在东经 112.7°–113.3°、北纬 38.9°–39.3°，X 约 43xxxxx，Y 约 {ZONE}xxxxxx 或 xxxxxx")
    if len(set(kind.tolist())) > 1:
        raise CRSError("同一组坐标中混有经纬度和高斯-克吕格坐标，请统一为一种")
    notes: list[str] = []
    if kind[0] == LONLAT_KIND:
        lon, lat = np.where(swapped, b, a), np.where(swapped, a, b)
        if swapped.any():
            notes.append(f"有 {int(swapped.sum())} 个点按“纬度, 经度”给出，已自动调换为“经度, 纬度”")
        label = LONLAT
    else:
        x, y, _ = gk_pairs(a, b)
        easting = np.where(swapped, a, b)  # as given, before the zone prefix is added
        if swapped.any():
            notes.append(f"有 {int(swapped.sum())} 个点的 X、Y 顺序颠倒（Y 在前），已自动调换；X 为北坐标，Y 为东坐标")
        prefixed = zone_of(easting) != 0
        if prefixed.any() and not prefixed.all():
            raise CRSError("同一组坐标中有的 Y 带带号、有的不带，请统一")
        label = GK_PREFIX if prefixed.all() else GK_PLAIN
        lon, lat = (np.asarray(v) for v in gk_to_lonlat(x, y))
    geom = _geometry(lon, lat, notes)
    b0 = geom.bounds
    if not (in_county_box(b0[0], b0[1]) and in_county_box(b0[2], b0[3])):
        raise CRSError(f"坐标换算后位于东经 {b0[0]:.4f}°、北纬 {b0[1]:.4f}° 附近，不在代县范围内；请检查坐标系和带号")
    return ParsedCoordinates(geom, label, notes)


def _pairs(text: str) -> tuple[list[tuple[float, float]], list[int]]:
    """Coordinate pairs and their line numbers; a one-line run of numbers is paired up."""
    pairs, lines = [], []
    rows = [(i, [float(v) for v in _NUMBER.findall(unicodedata.normalize("NFKC", ln))])
            for i, ln in enumerate(str(text).splitlines(), start=1)]
    rows = [(i, nums) for i, nums in rows if nums]
    if len(rows) == 1 and len(rows[0][1]) > 3 and len(rows[0][1]) % 2 == 0:
        nums = rows[0][1]
        return [(nums[k], nums[k + 1]) for k in range(0, len(nums), 2)], [rows[0][0]] * (len(nums) // 2)
    for i, nums in rows:
        while len(nums) > 2 and abs(nums[0]) < 1000 and float(nums[0]).is_integer():
            nums = nums[1:]  # a point number (J1 → 1)
        if len(nums) < 2:
            raise GeometryError(f"第 {i} 行只有一个数，应为一对坐标")
        pairs.append((nums[0], nums[1]))
        lines.append(i)
    return pairs, lines


def _geometry(lon: np.ndarray, lat: np.ndarray, notes: list[str]) -> shapely.Geometry:
    pts = list(zip(lon.tolist(), lat.tolist()))
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    if len(pts) == 1:
        return Point(pts[0])
    if len(pts) < 3:
        raise GeometryError(f"只有 {len(pts)} 个不同的点：一个点表示点位，三个及以上的点才能围成地块")
    poly = Polygon(pts)
    if not poly.is_valid:
        raise GeometryError(f"这些点围成的多边形无效（{shapely.is_valid_reason(poly)}）：请检查点的顺序是否按边界依次排列")
    if poly.area == 0:
        raise GeometryError("这些点在一条直线上，围不成地块")
    return poly
