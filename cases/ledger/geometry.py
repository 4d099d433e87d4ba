"""Geometry of one ledger row: WKT or 拐点 cells, unclosed rings, bow-ties, and position in the county.

WKT in a ledger is CGCS2000 lon/lat (as casemap exports it).  An unclosed ring is closed and a
self-intersecting polygon (bow-tie) repaired, each with a note; a ring of fewer than 3 points, lon/lat
swapped, Gauss-Krüger metres given as degrees and a position outside the county are errors.
"""

from __future__ import annotations

import re

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from cases.county import DAIXIAN, County
from cases.ledger.corners import looks_like_corners, parse_corner_list
from geo.crs import diagnose_extent
from geo.errors import CasemapError, LedgerCellError
from geo.repair import make_valid_polygon

_TYPE = re.compile(r"^\s*(POINT|POLYGON|MULTIPOLYGON|MULTIPOINT|LINESTRING|MULTILINESTRING|GEOMETRYCOLLECTION)\b", re.I)
_RING = re.compile(r"\(([^()]+)\)")
#: A cell of numbers only (``1,X,Y;2,X,Y``) is read as 拐点 even with fewer than 3 points, to say what is wrong.
_NUMBERS_ONLY = re.compile(r"[\d\s.,，;；:：、\-]*\d[\d\s.,，;；:：、\-]*")


def parse_geometry_cell(text: str, *, label: str, division: County = DAIXIAN) -> tuple[shapely.Geometry, list[str]]:
    """A 坐标 cell as WKT (lon/lat) or a 拐点 list (``1,X,Y;2,X,Y;…``, in the zone of ``division``) → geometry and notes.

    Raises LedgerCellError with a Chinese reason (without the row, which the caller names).
    """
    text = str(text).strip()
    if _TYPE.match(text):
        return _parse_wkt(text, label=label)
    if looks_like_corners(text.replace(";", "\n").replace("；", "\n")) or _NUMBERS_ONLY.fullmatch(text):
        try:
            return parse_corner_list(text, label=label, division=division)
        except CasemapError as exc:
            raise LedgerCellError(str(exc).removeprefix(f"{label}：").removeprefix(f"{label} ")) from None
    raise LedgerCellError(f"「{text[:60]}」不是 WKT（如 POLYGON((113.0 39.0, …))）也不是拐点坐标（点号,X,Y;…）")


def _parse_wkt(text: str, *, label: str) -> tuple[shapely.Geometry, list[str]]:
    try:
        return shapely.from_wkt(text), []
    except shapely.errors.GEOSException as exc:
        if "closed" not in str(exc).lower():
            raise LedgerCellError(f"WKT 无法解析（{exc}）") from None
    kind = _TYPE.match(text)[1].upper()
    if kind not in ("POLYGON", "MULTIPOLYGON"):
        raise LedgerCellError("WKT 无法解析")
    body = text[text.index("(") + 1: text.rindex(")")]
    chunks = re.split(r"\)\s*\)\s*,\s*\(\s*\(", body) if kind == "MULTIPOLYGON" else [body]
    polys, notes = [], []
    for chunk in chunks:
        rings = []
        for m in _RING.finditer("(" + chunk.strip().strip("()") + ")" if kind == "MULTIPOLYGON" else chunk):
            pts = [tuple(float(v) for v in p.split()[:2]) for p in m[1].split(",") if p.strip()]
            if len(set(pts)) < 3:
                raise LedgerCellError(f"面的一个环只有 {len(set(pts))} 个不同的点，至少需要 3 个点")
            if pts[0] != pts[-1]:
                pts.append(pts[0])
                notes.append("面的环未闭合（首尾点不同），已自动闭合")
            rings.append(pts)
        if rings:
            polys.append(Polygon(rings[0], rings[1:]))
    if not polys:
        raise LedgerCellError("WKT 中没有坐标")
    return (polys[0] if len(polys) == 1 else MultiPolygon(polys)), sorted(set(notes))



def check_geometry(geom: shapely.Geometry, *, county: shapely.Geometry | None,
                   division: County = DAIXIAN) -> tuple[shapely.Geometry, list[str]]:
    """Check a lon/lat geometry for a case; return it (repaired if needed) with notes.

    Raises LedgerCellError for: empty, wrong type, rings of < 3 points, swapped lon/lat, metres given
    as degrees, a position outside the county box of ``division`` (default 代县) or (when ``county``,
    the outline, is given) wholly outside it.
    """
    if geom is None or geom.is_empty:
        raise LedgerCellError("几何为空")
    if geom.geom_type == "MultiPoint" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if geom.geom_type not in ("Point", "Polygon", "MultiPolygon"):
        raise LedgerCellError(f"几何类型 {geom.geom_type} 不支持，应为点或面")
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type == "Polygon":
            for ring in [poly.exterior, *poly.interiors]:
                n = len(set(map(tuple, np.asarray(ring.coords))))
                if n < 3:
                    raise LedgerCellError(f"面的一个环只有 {n} 个不同的点，至少需要 3 个点")
    x0, y0, _, _ = geom.bounds
    why = diagnose_extent(geom.bounds, **division.keywords)
    if why:
        raise LedgerCellError(why)
    notes = []
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        geom = make_valid_polygon(geom)
        notes.append(f"面自相交或无效（{reason}，如“8”字形），已自动修复为有效面")
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            raise LedgerCellError(f"面无效（{reason}），无法自动修复")
    if county is not None and not shapely.intersects(geom, county):
        raise LedgerCellError(f"位置（{x0:.5f}, {y0:.5f}）在{division.name}县界以外")
    return geom, notes
