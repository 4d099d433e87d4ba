"""Coordinates pasted as text: a parcel given as lon/lat or Gauss-Krüger X/Y pairs, one point a line.

Accepted lines (any separator: spaces, commas, tabs, Chinese commas):

- ``113.012345, 39.054321``              lon, lat (lat, lon is detected and swapped, with a note)
- ``4325678.12  38512345.67``            X (northing), Y (easting with the county's zone prefix, 38 for 代县)
- ``4325678.12  512345.67``              X, Y without the prefix
- ``J1  4325678.12  38512345.67``        a point number first (kept out)
- ``112°57′18″, 39°03′01″`` / ``112度57分18秒 39度3分1秒`` / ``E112°57'18.5" N39°3'1"`` / ``北纬39°3′1″ 东经112°57′18″``
  degrees, minutes, seconds (minutes or seconds may be left out; a labelled pair is read by its labels)
- ``带号：41`` / ``第 41 带`` / ``中央经线 123°``, ``坐标系：2000国家大地坐标系``   heading lines, checked and kept out

Y before X is detected and swapped with a note.  Coordinates are read in the zone of the county
(``division``, default 代县): a zone prefix or 带号 line naming another zone is refused naming both, and
a 坐标系 line naming another datum (西安80, 北京54, WGS84) is refused by name.  A heading labelling the
coordinates as 6-degree Gauss-Krüger (``6度带``, ``6度带 第19带``, ``坐标系：2000国家大地坐标系 6度带``) has them
read in the county's 6-degree zone (代县: zone 19, central meridian 111°E; :func:`geo.crs.county_zone`), and
its 带号 / 中央经线 lines checked against that zone; unlabelled numbers are the county's 3-degree zone.  One
point gives a Point, three or more a Polygon (closed if needed).  Everything is returned in CGCS2000 lon/lat.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from cases.county import DAIXIAN, County
from geo.crs import LONLAT as LONLAT_KIND
from geo.crs import (
    ZONE,
    box_text,
    central_meridian_of,
    classify_pairs,
    county_zone,
    datum_problem,
    gk_pairs,
    gk_to_lonlat,
    in_county_box,
    north_hint,
    zone_of,
    zone_of_meridian,
    zone_problem,
    zone_width_label,
)
from geo.errors import CRSError, GeometryError

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
#: A heading line (带号, 坐标系, 中央经线, a datum's name): checked, never read as coordinates.
_HEADING = re.compile(r"带号|第\s*\d{1,2}\s*带|坐标系|中央(?:经线|子午线)|度带|国家大地|CGCS|西安|北京|WGS", re.I)
_DATUM_KEY = re.compile(r"^\s*(?:大地)?坐标系(?:统)?\s*[:=]?\s*")
_ZONE_HEADING = re.compile(r"带号\D{0,3}?(\d{1,2})(?!\d)|第\s*(\d{1,2})\s*带")
_MERIDIAN_HEADING = re.compile(r"中央(?:经线|子午线)\D{0,3}?(\d{2,3}(?:\.\d+)?)")
#: An angle in degrees (and minutes, seconds), after NFKC (where ″ becomes ′′).
_ANGLE = (r"(?P<d>\d{1,3}(?:\.\d+)?)\s*(?:°|º|度)\s*"
          r"(?:(?P<m>\d{1,2}(?:\.\d+)?)\s*(?:′(?!′)|'(?!')|’|分)\s*)?"
          r"(?:(?P<s>\d{1,2}(?:\.\d+)?)\s*(?:′′|″|''|\"|”|秒)\s*)?")
_HEMISPHERE = r"北纬|南纬|东经|西经|[NSEWnsew](?![A-Za-z])"
#: The angles of a line whose hemisphere labels come first (北纬39°…, N39°…), and of one where they follow.
_DMS_LABEL_FIRST = re.compile(rf"(?P<label>{_HEMISPHERE})\s*{_ANGLE}")
_DMS_LABEL_AFTER = re.compile(rf"{_ANGLE}(?P<label>{_HEMISPHERE})?")
#: Labels come first when they are Chinese (北纬, 东经) or the line (after a point number) opens with N/E.
_LABEL_FIRST = re.compile(r"北纬|南纬|东经|西经|^\s*(?:[A-Za-z]*\d+[\s,，]+)?[NSEWnsew]\s*\d")
_DEGREE_SIGN = re.compile(r"°|º|度(?!带)|′|″|秒")
_AXIS = {"北纬": "lat", "N": "lat", "东经": "lon", "E": "lon", "南纬": "S", "S": "S", "西经": "W", "W": "W"}


def gk_label(zone: int, *, width: int = 3) -> str:
    """The name of pasted Gauss-Krüger coordinates whose Y carries the prefix of ``zone`` (of ``width`` degrees)."""
    return f"高斯-克吕格 {width} 度带（Y 带带号 {zone}）"


LONLAT, GK_PREFIX, GK_PLAIN = "经纬度（CGCS2000）", gk_label(ZONE), "高斯-克吕格 3 度带（Y 不带带号）"
#: Gauss-Krüger coordinates labelled 6-degree, Y without the zone prefix.
GK6_PLAIN = "高斯-克吕格 6 度带（Y 不带带号）"


@dataclass
class ParsedCoordinates:
    """The geometry (lon/lat), which coordinate system the text was in, and notes on what was fixed."""

    geometry: shapely.Geometry
    system: str
    notes: list[str] = field(default_factory=list)


def parse_coordinate_text(text: str, *, division: County = DAIXIAN) -> ParsedCoordinates:
    """Parse pasted coordinates into a Point or Polygon in CGCS2000 lon/lat.

    ``division`` is the store's county (default 代县): its zone is the one Gauss-Krüger coordinates
    must be in, its box the one lon/lat must fall in.  Raises GeometryError (too few points,
    self-intersection, a line without two numbers) or CRSError (another zone or datum, numbers that
    fit no coordinate system, outside the county), naming the line.
    """
    body, width = _check_headings(str(text), division)
    pairs, lines = _pairs(body)
    if not pairs:
        raise GeometryError("没有识别到坐标：每行应有一对坐标，如「113.0123, 39.0543」或「4325678.12 38512345.67」")
    a, b = np.array(pairs, dtype=float).T
    zone, bbox, place = division.zone, division.bbox, division.name
    gk_zone = county_zone(zone=zone, bbox=bbox, width=width)  # the zone Gauss-Krüger values are read in
    kind, swapped = classify_pairs(a, b, bbox=bbox)
    written = str(text).splitlines()
    bad = [f"第 {n} 行「{written[n - 1].strip()}」" for n in dict.fromkeys(lines[i] for i in np.flatnonzero(kind == ""))]
    if bad:
        raise CRSError("以下坐标既不像经纬度也不像高斯-克吕格坐标：" + "、".join(bad)
                       + f"；{place}约在{box_text(bbox)}，X 约 {north_hint(bbox, zone=zone)}，Y 约 {gk_zone}xxxxxx 或 xxxxxx")
    if len(set(kind.tolist())) > 1:
        raise CRSError("同一组坐标中混有经纬度和高斯-克吕格坐标，请统一为一种")
    notes: list[str] = []
    if kind[0] == LONLAT_KIND:
        lon, lat = np.where(swapped, b, a), np.where(swapped, a, b)
        if swapped.any():
            notes.append(f"有 {int(swapped.sum())} 个点按“纬度, 经度”给出，已自动调换为“经度, 纬度”")
        label = LONLAT
    else:
        x, y, _ = gk_pairs(a, b, zone=gk_zone, bbox=bbox, place=place, width=width)
        easting = np.where(swapped, a, b)  # as given, before the zone prefix is added
        if swapped.any():
            notes.append(f"有 {int(swapped.sum())} 个点的 X、Y 顺序颠倒（Y 在前），已自动调换；X 为北坐标，Y 为东坐标")
        prefixed = zone_of(easting) != 0
        if prefixed.any() and not prefixed.all():
            raise CRSError("同一组坐标中有的 Y 带带号、有的不带，请统一")
        label = gk_label(gk_zone, width=width) if prefixed.all() else GK_PLAIN if width == 3 else GK6_PLAIN
        lon, lat = (np.asarray(v) for v in gk_to_lonlat(x, y, zone=gk_zone, width=width))
    geom = _geometry(lon, lat, notes)
    b0 = geom.bounds
    if not (in_county_box(b0[0], b0[1], bbox=bbox) and in_county_box(b0[2], b0[3], bbox=bbox)):
        raise CRSError(f"坐标换算后位于东经 {b0[0]:.4f}°、北纬 {b0[1]:.4f}° 附近，不在{place}范围内；请检查坐标系和带号")
    return ParsedCoordinates(geom, label, notes)


def _check_headings(text: str, division: County) -> tuple[str, int]:
    """``text`` with its heading lines blanked (line numbers kept), and the zone width (3 or 6) they label.

    A 带号 (``带号：41``, ``第 41 带``) or 中央经线 (``中央经线 123°``) other than the county's is refused
    naming both; a 坐标系 other than CGCS2000 is refused by name.  With a 6-degree label (``6度带``) the
    county's zone is its 6-degree zone.
    """
    headings = [unicodedata.normalize("NFKC", ln) for ln in text.splitlines()]
    width = zone_width_label("\n".join(ln for ln in headings if _HEADING.search(ln))) or 3
    county = county_zone(zone=division.zone, bbox=division.bbox, width=width)
    out = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFKC", raw)
        if not _HEADING.search(line):
            out.append(raw)
            continue
        where = f"第 {n} 行："
        if sum(abs(float(v)) >= 100_000 for v in _NUMBER.findall(line)) >= 2:
            raise GeometryError(f"{where}同一行既有坐标又有带号、坐标系等说明，请把说明写在单独一行")
        why = datum_problem(_DATUM_KEY.sub("", line), where=where)
        zones = [int(next(g for g in m.groups() if g)) for m in _ZONE_HEADING.finditer(line)]
        for m in _MERIDIAN_HEADING.finditer(line):
            cm = float(m[1])
            cm_zone = zone_of_meridian(cm, width=width)
            if cm_zone is None:
                rule = "3 的倍数" if width == 3 else "6 的倍数减 3"
                raise CRSError(f"{where}中央经线 {cm:g}°E 不是 {width} 度带的中央经线（应为 {rule}，{division.name}为 "
                               f"{central_meridian_of(county, width=width):g}°E）")
            zones.append(cm_zone)
        why = why or zone_problem(zone=zones, where=where, county_zone=county, place=division.name, width=width)
        if why:
            raise CRSError(why)
        out.append("")
    return "\n".join(out), width


def _pairs(text: str) -> tuple[list[tuple[float, float]], list[int]]:
    """Coordinate pairs and their line numbers; a one-line run of numbers is paired up; 度分秒 become degrees."""
    pairs, lines = [], []
    rows = [(i, _numbers(unicodedata.normalize("NFKC", ln), i)) for i, ln in enumerate(str(text).splitlines(), start=1)]
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


def _numbers(line: str, n: int) -> list[float]:
    """The numbers of one (NFKC) line, each 度分秒 angle as decimal degrees; a pair labelled 北纬/东经 (N/E) is
    put in the order longitude, latitude.  GeometryError names the line for minutes or seconds of 60 or
    more, a southern or western label, or a degree sign that is not part of an angle."""
    if not _DEGREE_SIGN.search(line):
        return [float(v) for v in _NUMBER.findall(line)]
    angles: list[tuple[float, str | None]] = []

    def degrees(m: re.Match) -> str:
        d, mins, secs = float(m["d"]), float(m["m"] or 0), float(m["s"] or 0)
        if mins >= 60 or secs >= 60:
            raise GeometryError(f"第 {n} 行：「{_shown(m[0])}」的分、秒应小于 60")
        label = m["label"]
        axis = _AXIS.get(label.upper() if label and label.isascii() else label) if label else None
        if axis in ("S", "W"):
            raise GeometryError(f"第 {n} 行：「{_shown(m[0])}」是南纬或西经，应为北纬、东经")
        angles.append((d + mins / 60 + secs / 3600, axis))
        return f" \x00{len(angles) - 1}\x00 "

    rest = (_DMS_LABEL_FIRST if _LABEL_FIRST.search(line) else _DMS_LABEL_AFTER).sub(degrees, line)
    if _DEGREE_SIGN.search(rest):
        raise GeometryError(f"第 {n} 行：度分秒写法无法识别（{_shown(line)}），应如 112°57′18″ 或 112度57分18秒")
    nums: list[float] = []
    for token in re.split(r"(\x00\d+\x00)", rest):
        if token.startswith("\x00"):
            nums.append(angles[int(token.strip("\x00"))][0])
        else:
            nums.extend(float(v) for v in _NUMBER.findall(token))
    axes = [a for _, a in angles]
    if len(angles) == 2 and axes == ["lat", "lon"] and nums[-2:] == [angles[0][0], angles[1][0]]:
        nums[-2:] = [angles[1][0], angles[0][0]]  # 北纬 … 东经 …: read by the labels, not by position
    return nums


def _shown(text: str) -> str:
    """Text of a line as the user wrote it (NFKC turns ″ into ′′)."""
    return text.strip().replace("′′", "″")


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
