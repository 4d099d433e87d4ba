"""Permit import: 拐点坐标 text/xlsx, or GeoPackage/Shapefile/GeoJSON/KML with permit attributes, all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

import shapely

from cases.county import DAIXIAN, County, county_of
from cases.io.exchange import read_geo_table
from cases.io.files import read_text_file
from cases.ledger.corners import parse_corner_text, parse_validity, rings_to_polygon
from cases.ledger.geometry import check_geometry
from cases.ledger.read import read_workbook
from cases.ledger.values import blank, to_date, to_text
from cases.model import Permit
from geo.errors import CasemapError, LedgerCellError, LedgerFormatError, RowErrors

_GEO = (".gpkg", ".geojson", ".json", ".shp", ".zip", ".kml", ".kmz")
_ATTR_ALIASES = {
    "permit_no": ("permit_no", "采矿许可证号", "许可证号", "证号"), "holder": ("holder", "采矿权人"),
    "mineral": ("mineral", "矿种", "开采矿种"), "valid_from": ("valid_from", "有效期起"), "valid_to": ("valid_to", "有效期止"),
    "mining_method": ("mining_method", "开采方式"), "elev_top": ("elev_top", "开采标高上限（米）"),
    "elev_bottom": ("elev_bottom", "开采标高下限（米）"), "mine_name": ("mine_name", "矿山名称"),
}


def read_permits(path: str | os.PathLike, *, county: shapely.Geometry | None = None,
                 max_bytes: int | None = None, division: County = DAIXIAN) -> tuple[list[Permit], list[str]]:
    """Permits of a file; raises RowErrors naming every bad permit (nothing is returned half).

    ``county`` is the outline (lon/lat) a permit must touch; ``division`` the county whose zone the 拐点
    coordinates are in and whose box they must fall in (default 代县).
    """
    path = Path(path)
    if path.suffix.lower() in _GEO:
        return _from_geodata(path, county=county, max_bytes=max_bytes, division=division)
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        wb = read_workbook(path, max_bytes=max_bytes)
        lines = [",".join(to_text(v) for v in row if not blank(v)) for g in wb.sheets for row in g.rows]
        text, notes = "\n".join(lines), list(wb.notes)
    else:
        text, enc = read_text_file(path, max_bytes=max_bytes)
        notes = [f"{path.name} 按 {enc} 编码读取"]
    blocks = parse_corner_text(text, source=path.name, division=division)
    permits, errors = [], []
    for n, block in enumerate(blocks, start=1):
        label = f"{path.name} 第 {n} 个许可证（第 {block.first_line} 行起）"
        no = block.meta.get("permit_no", "")
        if not no:
            errors.append(f"{label}：缺少“采矿许可证号”行")
            continue
        if not block.rings:
            errors.append(f"{label}（{no}）：没有拐点坐标")
            continue
        try:
            geom, gnotes = rings_to_polygon(block.rings, label=f"许可证 {no}", division=division)
            geom, more = check_geometry(geom, county=county, division=division)
        except CasemapError as exc:
            errors.append(f"{label}（{no}）：{exc}")
            continue
        start, end = parse_validity(block.meta.get("validity", ""))
        top = max((e[0] for e in block.elevations), default=None)
        bottom = min((e[1] for e in block.elevations), default=None)
        notes += block.notes + gnotes + [f"许可证 {no}：{m}" for m in more]
        permits.append(Permit(permit_no=no, holder=block.meta.get("holder", ""), mineral=block.meta.get("mineral", ""),
                              valid_from=start, valid_to=end, geometry=geom,
                              mining_method=block.meta.get("mining_method", ""), elev_top=top, elev_bottom=bottom,
                              mine_name=block.meta.get("mine_name", "")))
    if errors:
        raise RowErrors(errors, source=path.name)
    return permits, sorted(set(notes), key=notes.index)


def _from_geodata(path: Path, *, county, max_bytes, division: County) -> tuple[list[Permit], list[str]]:
    frame, notes = read_geo_table(path, max_bytes=max_bytes, division=division)
    if "layer" in frame.columns:
        frame = frame[frame["layer"].fillna("permit") == "permit"]
    cols = {}
    for name, aliases in _ATTR_ALIASES.items():
        cols[name] = next((a for a in aliases if a in frame.columns), None)
    if cols["permit_no"] is None:
        have = "、".join(str(c) for c in frame.columns if c != "geometry")
        raise LedgerFormatError(f"{path.name} 中没有许可证号字段（permit_no 或 采矿许可证号）；现有字段：{have}")
    permits, errors = [], []
    for n, rec in enumerate(frame.to_dict("records"), start=1):
        get = lambda k, rec=rec: rec.get(cols[k]) if cols[k] else None
        no = to_text(get("permit_no"))
        label = f"{path.name} 第 {n} 个要素（{no or '无许可证号'}）"
        if not no:
            errors.append(f"{label}：许可证号为空")
            continue
        try:
            geom, more = check_geometry(rec["geometry"], county=county, division=division)
            if geom.geom_type == "Point":
                raise LedgerCellError("许可证范围应为面，而不是点")
            valid_from, valid_to = to_date(get("valid_from")), to_date(get("valid_to"))
        except CasemapError as exc:
            errors.append(f"{label}：{exc}")
            continue
        notes += [f"{label}：{m}" for m in more]
        elev = [get("elev_top"), get("elev_bottom")]
        permits.append(Permit(permit_no=no, holder=to_text(get("holder")), mineral=to_text(get("mineral")),
                              valid_from=valid_from, valid_to=valid_to, geometry=geom,
                              mining_method=to_text(get("mining_method")),
                              elev_top=None if blank(elev[0]) else float(elev[0]),
                              elev_bottom=None if blank(elev[1]) else float(elev[1]),
                              mine_name=to_text(get("mine_name"))))
    if errors:
        raise RowErrors(errors, source=path.name)
    if not permits:
        raise LedgerFormatError(f"{path.name} 中没有采矿许可证要素")
    return permits, notes


def import_permits(store, path: str | os.PathLike, *, user: str = "许可证导入", dry_run: bool = False,
                   max_bytes: int | None = None) -> dict:
    """Read permits from ``path`` and upsert them (all or nothing); return added/changed ids and notes.

    拐点 coordinates are read in the store's county's zone (:func:`cases.county.county_of`).
    """
    county = store.county()
    outline = shapely.union_all(county.geometry.values) if not county.empty else None
    permits, notes = read_permits(path, county=outline, max_bytes=max_bytes, division=county_of(store))
    if dry_run:
        have = set(store.permits()["permit_no"])
        report = {"added": [p.permit_no for p in permits if p.permit_no not in have],
                  "changed": [p.permit_no for p in permits if p.permit_no in have]}
    else:
        report = store.upsert_permits(permits, user=user)
    return {**report, "notes": notes, "permits": permits}
