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

from geo.crs import COUNTY_BBOX, ZONE, gk_to_lonlat
from geo.errors import CRSError, GeometryError

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
LONLAT, GK_PREFIX, GK_PLAIN = "经纬度（CGCS2000）", "高斯-克吕格 3 度带（Y 带带号 38）", "高斯-克吕格 3 度带（Y 不带带号）"


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
    kinds = [_kind(a, b) for a, b in pairs]
    bad = [f"第 {ln} 行（{a:g}, {b:g}）" for (a, b), k, ln in zip(pairs, kinds, lines) if k is None]
    if bad:
        raise CRSError("以下坐标既不像经纬度也不像高斯-克吕格坐标：" + "、".join(bad)
                       + "；代县约在东经 112.7°–113.3°、北纬 38.9°–39.3°，X 约 43xxxxx，Y 约 38xxxxxx 或 xxxxxx")
    systems = {k[0] for k in kinds}
    if len(systems) > 1:
        raise CRSError("同一组坐标中混有经纬度和高斯-克吕格坐标，请统一为一种")
    notes: list[str] = []
    system = systems.pop()
    if system == "lonlat":
        swapped = [k[1] for k in kinds]
        lon = np.array([b if s else a for (a, b), s in zip(pairs, swapped)])
        lat = np.array([a if s else b for (a, b), s in zip(pairs, swapped)])
        if any(swapped):
            notes.append(f"有 {sum(swapped)} 个点按“纬度, 经度”给出，已自动调换为“经度, 纬度”")
        label = LONLAT
    else:
        swapped = [k[1] for k in kinds]
        x = np.array([b if s else a for (a, b), s in zip(pairs, swapped)])  # northing
        y = np.array([a if s else b for (a, b), s in zip(pairs, swapped)])  # easting
        if any(swapped):
            notes.append(f"有 {sum(swapped)} 个点的 X、Y 顺序颠倒（Y 在前），已自动调换；X 为北坐标，Y 为东坐标")
        _check_zone(y, lines)
        label = GK_PREFIX if (y >= 1_000_000).all() else GK_PLAIN
        lon, lat = gk_to_lonlat(x, y)
        lon, lat = np.asarray(lon), np.asarray(lat)
    geom = _geometry(lon, lat, notes)
    x0, y0, x1, y1 = COUNTY_BBOX
    b = geom.bounds
    if not (x0 <= b[0] and b[2] <= x1 and y0 <= b[1] and b[3] <= y1):
        raise CRSError(f"坐标换算后位于东经 {b[0]:.4f}°、北纬 {b[1]:.4f}° 附近，不在代县范围内；请检查坐标系和带号")
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


def _kind(a: float, b: float) -> tuple[str, bool] | None:
    """("lonlat" | "gk", swapped) for one pair, or None when it fits nothing near the county."""
    x0, y0, x1, y1 = COUNTY_BBOX
    if x0 <= a <= x1 and y0 <= b <= y1:
        return ("lonlat", False)
    if x0 <= b <= x1 and y0 <= a <= y1:
        return ("lonlat", True)
    north = lambda v: 4_000_000 <= v <= 5_000_000  # noqa: E731
    east = lambda v: v >= 10_000_000 or 100_000 <= v < 1_000_000  # noqa: E731
    if north(a) and east(b):
        return ("gk", False)
    if east(a) and north(b):
        return ("gk", True)
    return None


def _check_zone(y: np.ndarray, lines: list[int]) -> None:
    zones = {int(v // 1_000_000) for v in y if v >= 1_000_000}
    wrong = sorted(zones - {ZONE})
    if wrong:
        raise CRSError(f"Y 坐标的带号为 {'、'.join(map(str, wrong))}，代县位于 3 度带第 {ZONE} 带（中央经线 114°E）；"
                       "若为 6 度带第 19/20 带坐标，请先换算为 3 度带")
    if zones and (y < 1_000_000).any():
        raise CRSError("同一组坐标中有的 Y 带带号、有的不带，请统一")


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
