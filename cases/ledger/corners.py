"""拐点坐标: mining-permit boundaries given as numbered corner points in CGCS2000 3° Gauss-Krüger.

A permit's area is published as lines ``点号, X, Y`` (X = northing, 7 digits; Y = easting, 8 digits
with the county's zone prefix — 38 for 代县 — or 6 digits without), one run of lines per ring, rings
separated by a ``*,上限标高,下限标高,,1`` line, a text line or a point number starting again at 1.
The ministry's 报盘 layout is read as written: values with trailing commas (``1,4695000.00,41518000.00,``)
and a ``*,起标高,止标高,名称,1,`` line after each ring.  Heading lines carry 采矿许可证号, 采矿权人,
矿山名称, 开采矿种, 开采方式, 有效期限, 开采标高 and sometimes 带号, 坐标系 and 投影带.  Swapped X/Y are detected
and fixed (with a note); a zone other than the county's (``division``, default 代县) or a datum other
than CGCS2000 (西安80, 北京54, WGS84) is refused with a message that names what was found.

Text that labels its coordinates as 6-degree Gauss-Krüger (a heading such as ``6度带``, ``投影带：6度带``
or ``坐标系：2000国家大地坐标系 6度带 第19带``; :func:`geo.crs.zone_width_label`) is read in the county's
6-degree zone instead (代县: zone 19, central meridian 111°E) and converted to its 3-degree zone, so that
rings are always in the county's 3-degree zone; another 6-degree zone is refused naming both.  Unlabelled
numbers are the county's 3-degree zone, as always.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from cases.county import DAIXIAN, County
from geo.crs import (
    central_meridian_of,
    county_zone,
    datum_problem,
    gk_pairs,
    gk_to_lonlat,
    lonlat_to_gk,
    zone_problem,
    zone_width_label,
)
from geo.errors import CRSError, GeometryError
from geo.repair import make_valid_polygon

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_ELEV = re.compile(
    r"(?:标高|深度|高程)[^0-9\-]*?(-?\d+(?:\.\d+)?)\s*(?:米|m|M)?\s*(?:至|到|~|～|-|—|－|—)\s*(?:由)?\s*"
    r"(-?\d+(?:\.\d+)?)"
)
_DATE = r"(\d{4})\s*(?:年|\.|-|/)\s*(\d{1,2})\s*(?:月|\.|-|/)\s*(\d{1,2})\s*日?"
_VALIDITY = re.compile(_DATE + r"\s*(?:至|到|~|～|-|—|－)\s*" + _DATE)
_META_KEYS = {
    "permit_no": ("采矿许可证号", "许可证号", "采矿证号", "证号", "permit_no"),
    "holder": ("采矿权人", "权利人", "holder"),
    "mine_name": ("矿山名称", "mine_name"),
    "mineral": ("开采矿种", "矿种", "mineral"),
    "mining_method": ("开采方式", "mining_method"),
    "validity": ("有效期限", "有效期", "validity"),
    "zone": ("带号", "投影带号"),
    "datum": ("坐标系", "坐标系统", "大地坐标系"),
    "projection": ("投影带", "投影", "投影方式", "分带", "分带方式"),
}
#: A zone number written in a heading: ``第19带``.
_ZONE_NUMBER = re.compile(r"第\s*(\d{1,2})\s*带")
_SPLIT = re.compile(r"\s*[:：=,，\t]\s*|\s{2,}")


@dataclass
class CornerPermit:
    """One permit read from 拐点坐标 text: heading values, rings in Gauss-Krüger, elevations, notes."""

    meta: dict[str, str] = field(default_factory=dict)
    #: (Y easting with prefix, X northing) in the county's 3-degree zone, also when the text was 6-degree
    rings: list[list[tuple[float, float]]] = field(default_factory=list)
    elevations: list[tuple[float, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    first_line: int = 0


def _norm(line: str) -> str:
    return unicodedata.normalize("NFKC", line).strip()


def _meta_of(line: str) -> tuple[str, str] | None:
    parts = [p for p in _SPLIT.split(line, maxsplit=1) if p is not None]
    key = re.sub(r"\s+", "", parts[0]) if parts else ""
    for name, keys in _META_KEYS.items():
        if key in keys:
            return name, (parts[1].strip().strip(",，") if len(parts) > 1 else "")
    return None


def _int_digits(v: float) -> int:
    return len(str(int(abs(v))))


def _point_of(line: str, *, where: str, division: County = DAIXIAN,
              width: int = 3) -> tuple[str, float, float, bool] | None:
    """(点号, Y, X, swapped) when ``line`` is a corner point (in the county's zone of ``width``), else None."""
    nums = _NUMBER.findall(line)
    big = [float(n) for n in nums if _int_digits(float(n)) >= 6]
    if len(big) != 2 or re.search(r"[\u4e00-\u9fa5]{3,}", line):
        return None
    first = re.split(r"[\s,，;；、\t]+", line.strip(), maxsplit=1)[0]
    pid = first if first and not (_NUMBER.fullmatch(first) and _int_digits(float(first)) >= 6) else ""
    zone = county_zone(zone=division.zone, bbox=division.bbox, width=width)
    x, y, swapped = gk_pairs(big[0], big[1], where=where, zone=zone, bbox=division.bbox, place=division.name,
                             width=width)
    return pid, float(y), float(x), bool(swapped)


def parse_corner_text(text: str, *, source: str = "拐点坐标", division: County = DAIXIAN) -> list[CornerPermit]:
    """Parse 拐点坐标 text into permits (one per 采矿许可证号 heading, or one when there is none).

    Coordinates are in the zone of ``division`` (the store's county, default 代县), or in its 6-degree
    zone when the text labels them so (converted to the 3-degree zone, with a note).  Raises CRSError
    for a foreign zone or datum, GeometryError for a ring with fewer than 3 points.
    """
    width = zone_width_label(text, where=f"{source}：") or 3
    permits: list[CornerPermit] = []
    cur = CornerPermit()
    ring: list[tuple[float, float]] = []
    ring_ids: list[str] = []
    swapped_any = False

    def close_ring() -> None:
        nonlocal ring, ring_ids
        if ring:
            if len(ring) > 3 and ring[0] == ring[-1]:
                ring = ring[:-1]
            if len(set(ring)) < 3:
                raise GeometryError(
                    f"{source}：第 {len(cur.rings) + 1} 个范围（点号 {'、'.join(ring_ids) or '无'}）只有 "
                    f"{len(set(ring))} 个不同的点，至少需要 3 个点才能构成面"
                )
            cur.rings.append(ring)
        ring, ring_ids = [], []

    for n, raw in enumerate(text.splitlines(), start=1):
        line = _norm(raw)
        if not line or not line.strip(",，;； \t"):
            continue
        where = f"{source} 第 {n} 行"
        meta = _meta_of(line)
        if meta:
            name, value = meta
            if name == "permit_no" and (cur.rings or ring or cur.meta.get("permit_no")):
                close_ring()
                permits.append(cur)
                cur = CornerPermit(first_line=n)
            _check_meta(name, value, where=where, division=division, width=width)
            if value:
                cur.meta[name] = value
            if name == "validity" or not cur.first_line:
                cur.first_line = cur.first_line or n
            continue
        if _zone_heading(line):
            _check_meta("projection", line, where=where, division=division, width=width)
            close_ring()
            continue
        m = _ELEV.search(line)
        if m and not line.startswith("*"):
            a, b = float(m[1]), float(m[2])
            cur.elevations.append((max(a, b), min(a, b)))
            continue
        if line.startswith("*"):
            close_ring()
            nums = [float(v) for v in _NUMBER.findall(line)]
            if len(nums) >= 2:
                cur.elevations.append((max(nums[0], nums[1]), min(nums[0], nums[1])))
            continue
        pt = _point_of(line, where=where, division=division, width=width)
        if pt is None:
            close_ring()  # any other text ends a ring
            continue
        pid, y, x, swapped = pt
        swapped_any |= swapped
        if ring and pid and ring_ids and _restarts(pid, ring_ids):
            close_ring()
        if len(ring) >= 3 and (y, x) == ring[0]:
            ring.append((y, x))
            ring_ids.append(pid)
            close_ring()
            continue
        ring.append((y, x))
        ring_ids.append(pid)
    close_ring()
    permits.append(cur)
    permits = [p for p in permits if p.rings or p.meta]
    if width == 6:
        _six_to_three(permits, source=source, division=division)
    if swapped_any:
        for p in permits:
            p.notes.append(f"{source}：坐标列顺序为 Y、X（X 应为 7 位北坐标），已自动交换为 X、Y")
    if not any(p.rings for p in permits):
        raise GeometryError(f"{source}：没有找到拐点坐标（应为“点号, X, Y”每行一个点）")
    return permits


def _zone_heading(line: str) -> bool:
    """True when ``line`` is a heading naming a zone width or number (``6度带``, ``6度带 第19带``), no coordinates."""
    if any(_int_digits(float(n)) >= 6 for n in _NUMBER.findall(line)):
        return False
    return bool(_ZONE_NUMBER.search(line)) or zone_width_label(line) is not None


def _restarts(pid: str, ids: list[str]) -> bool:
    """True when point numbering starts again (…, 7, 8, 1) — the start of a new ring."""
    a, b = re.sub(r"\D", "", pid), re.sub(r"\D", "", ids[-1])
    return bool(a and b and int(a) == 1 and int(b) >= 3)


def _check_meta(name: str, value: str, *, where: str, division: County, width: int = 3) -> None:
    zones: list[int] = []
    if name == "zone":
        nums = _NUMBER.findall(value)
        zones = [int(float(nums[0]))] if nums else []
    elif name in ("datum", "projection"):
        zones = [int(m[1]) for m in _ZONE_NUMBER.finditer(value)]
    if zones:
        why = zone_problem(zone=zones, where=f"{where}：", place=division.name, width=width,
                           county_zone=county_zone(zone=division.zone, bbox=division.bbox, width=width))
        if why:
            raise CRSError(why)
    why = datum_problem(value, where=f"{where}：") if name == "datum" else None
    if why:
        raise CRSError(why)


def _six_to_three(permits: list[CornerPermit], *, source: str, division: County) -> None:
    """Convert rings read in the county's 6-degree zone to its 3-degree zone, in place, with a note."""
    six = county_zone(zone=division.zone, bbox=division.bbox, width=6)
    for p in permits:
        rings = []
        for ring in p.rings:
            ys, xs = np.asarray(ring, dtype=float).T
            lon, lat = gk_to_lonlat(xs, ys, zone=six, width=6)
            x3, y3 = lonlat_to_gk(lon, lat, zone=division.zone)
            rings.append(list(zip(np.asarray(y3, dtype=float).tolist(), np.asarray(x3, dtype=float).tolist())))
        p.rings = rings
        if rings:
            p.notes.append(f"{source}：坐标标为 CGCS2000 6 度带第 {six} 带（中央经线 "
                           f"{central_meridian_of(six, width=6):g}°E），已换算为 3 度带第 {division.zone} 带")


def rings_to_polygon(rings: list[list[tuple[float, float]]], *, label: str,
                     division: County = DAIXIAN) -> tuple[shapely.Geometry, list[str]]:
    """Build a lon/lat (Multi)Polygon from Gauss-Krüger rings (zone of ``division``): rings inside another become holes.

    Invalid shapes (a bow-tie from points in the wrong order) are repaired with make_valid and noted.
    """
    notes: list[str] = []
    polys = sorted((Polygon(r) for r in rings), key=lambda p: -abs(p.area))
    outers: list[list] = []  # [shell polygon, holes]
    for p in polys:
        host = next((o for o in outers if o[0].contains(p.representative_point())), None)
        if host is not None and len(polys) > 1:
            host[1].append(p.exterior.coords)
        else:
            outers.append([p, []])
    parts = [Polygon(o[0].exterior.coords, o[1]) for o in outers]
    geom: shapely.Geometry = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    if not geom.is_valid:
        notes.append(f"{label}：范围图形自相交（{shapely.is_valid_reason(geom)}，常见于拐点顺序错误），已自动修复")
        geom = make_valid_polygon(geom)
    lonlat = shapely.transform(geom, lambda c: np.column_stack(gk_to_lonlat(c[:, 1], c[:, 0], zone=division.zone)))
    return lonlat, notes



def parse_corner_list(text: str, *, label: str, division: County = DAIXIAN) -> tuple[shapely.Geometry, list[str]]:
    """A ledger cell holding 拐点 as ``1,X,Y;2,X,Y;…`` (or one point per line) → lon/lat polygon, notes."""
    lines = re.split(r"[;；\n]+", str(text))
    permits = parse_corner_text("\n".join(lines), source=label, division=division)
    rings = [r for p in permits for r in p.rings]
    geom, notes = rings_to_polygon(rings, label=label, division=division)
    return geom, [n for p in permits for n in p.notes] + notes


def parse_validity(value: str):
    """(valid_from, valid_to) dates from "2015年1月1日至2025年1月1日" or "2015.1.1-2025.1.1"; (None, None) if absent."""
    import datetime as dt

    m = _VALIDITY.search(_norm(value or ""))
    if not m:
        return None, None
    g = [int(v) for v in m.groups()]
    return dt.date(g[0], g[1], g[2]), dt.date(g[3], g[4], g[5])


def looks_like_corners(text: str) -> bool:
    """True when ``text`` has at least three lines that read as corner points."""
    count = 0
    for line in text.splitlines():
        try:
            if _point_of(_norm(line), where="") is not None:
                count += 1
        except (CRSError, GeometryError):
            count += 1
    return count >= 3
