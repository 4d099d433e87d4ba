"""The export writers as they were before the speed work, kept as the benchmark's baseline.

- :func:`write_ledger`: the 附件2/附件3 xlsx styled cell by cell through openpyxl's descriptors (each
  ``cell.font = …`` hashes the style objects) and saved by openpyxl cell by cell;
- :func:`kml_bytes`: the KML built as an ElementTree (about 100 elements a placemark), indented and serialised.

Both write what :func:`cases.ledger.writer.write_ledger` and :func:`cases.io.exchange.export_geodata` write
(``bench_exports`` checks it), only slower.
"""

# ruff: noqa
from __future__ import annotations

import datetime as dt
import html
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import shapely
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from cases.io.exchange import PERMIT_LABELS, _SHOWN_CASE
from cases.io.files import FORMULA_START
from cases.io.kml import KML_NS, _STYLES
from cases.ledger.layout import EXTRA_COLUMNS, EXTRA_GROUP, GEOMETRY_REF, GEOMETRY_SHEET, OFFICIAL_COLUMNS
from cases.ledger.rows import _fine_suffix
from cases.ledger.writer import NOTES, TITLES, _BOOL, _DATE_FMT, _MAX_CELL, _WIDTHS, ledger_selection
from cases.model import CATEGORY_SHORT, FIELD_LABELS, KINDS, LAND, MINING, township_option
from cases.text import date_text, value_text

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_GREY = PatternFill("solid", fgColor="EDEDED")
_FONT = "宋体"


# -- ledger ---------------------------------------------------------------------------------------
def _put(ws, row: int, col: int, value: Any, *, align: Alignment = _CENTER, border: bool = True,
         font: Font | None = None, fmt: str | None = None):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        text_cell(cell)
    cell.alignment = align
    cell.font = font or Font(name=_FONT, size=10)
    if border:
        cell.border = _BOX
    if fmt:
        cell.number_format = fmt
    return cell


def text_cell(cell) -> None:
    """Keep a text cell text, even "=HYPERLINK(…)": stored as a string, not a formula (no formula
    injection), and marked with Excel's quote prefix so that editing the cell does not turn it into one."""
    cell.data_type = "s"
    if cell.value.startswith(FORMULA_START):
        cell.quotePrefix = True


def _value(name: str, rec: dict[str, Any]) -> Any:
    v = rec.get(name)
    if name in _BOOL:
        return "是" if bool(v) else "否"
    if name == "penalty":
        text, fine = str(v or ""), float(rec.get("fine_wan") or 0.0)
        if fine and "万元" not in text:
            text += _fine_suffix(fine)
        return text
    if v is None or (isinstance(v, float) and v != v):
        return None
    if name == "seq":
        return int(v)
    if name == "category":
        return int(v)
    return v


def write_ledger(cases: gpd.GeoDataFrame, path: str | os.PathLike, *, kind: str, township: str | None = None,
                 unit: str | None = None, fill_date: dt.date | None = None,
                 current: np.ndarray | None = None, county: str = "代县") -> Path:
    """Write the cases of ``kind`` (optionally of one township; ``current``: see :func:`ledger_selection`) as the
    seed's 附件2/附件3 xlsx; return the path."""
    if kind not in (LAND, MINING):
        raise LedgerFormatError(f"--kind 应为 land（用地）或 mining（采矿），而不是「{kind}」")
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise LedgerFormatError(f"输出文件应以 .xlsx 结尾：{path.name}")
    township = township_option(township) if township else None
    sel = ledger_selection(cases, kind=kind, township=township, current=current)
    official = OFFICIAL_COLUMNS[kind]
    extras = [(f, label) for f, label, kinds in EXTRA_COLUMNS if kind in kinds]
    n_off, depth = len(official), (3 if kind == MINING else 2)
    wb = Workbook()
    ws = wb.active
    ws.title = TITLES[kind][1].format(county="")
    geo_ws = None
    # Heading: 附件 label, title, 填报单位/填报时间.
    _put(ws, 1, 1, TITLES[kind][0], align=_LEFT, border=False, font=Font(name="黑体", size=12))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n_off)
    _put(ws, 2, 1, TITLES[kind][1].format(county=county), border=False, font=Font(name="方正小标宋简体", size=18, bold=True))
    ws.row_dimensions[2].height = 36
    unit = unit if unit is not None else (f"{township}人民政府" if township else "")
    when = fill_date or dt.date.today()
    half = n_off // 2 + 1
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=half)
    ws.merge_cells(start_row=3, start_column=half + 1, end_row=3, end_column=n_off)
    _put(ws, 3, 1, f"填报单位：{unit}", align=_LEFT, border=False, font=Font(name=_FONT, size=11))
    _put(ws, 3, half + 1, f"填报时间：{date_text(when)}",
         align=Alignment(horizontal="right", vertical="center"), border=False, font=Font(name=_FONT, size=11))
    top = 4
    _header(ws, official, extras, top, depth)
    first = top + depth
    r = first
    for rec in sel.to_dict("records"):
        for c, (name, *_rest) in enumerate(official, start=1):
            v = _value(name, rec)
            align = _LEFT if name in ("summary", "penalty", "handling", "remarks", "court_referral") else _CENTER
            _put(ws, r, c, v, align=align, fmt=_DATE_FMT if name == "filing_date" and v else None)
        for c, (name, _label) in enumerate(extras, start=n_off + 1):
            if name == "wkt":
                g = rec.get("geometry")
                v = shapely.to_wkt(g, rounding_precision=-1) if g is not None else None
                if v and len(v) > _MAX_CELL:
                    geo_ws = geo_ws or _geometry_sheet(wb)
                    geo_ws.append([rec["case_id"], *[v[i:i + _MAX_CELL] for i in range(0, len(v), _MAX_CELL)]])
                    for cell in geo_ws[geo_ws.max_row]:
                        text_cell(cell)
                    v = GEOMETRY_REF
            else:
                v = _value(name, rec)
            cell = _put(ws, r, c, v, align=_LEFT if name == "wkt" else _CENTER,
                        fmt=_DATE_FMT if name == "found_date" and v else None)
            cell.fill = _GREY
        ws.row_dimensions[r].height = _row_height([(_value(n, rec), _WIDTHS.get(n, 10)) for n, *_ in official])
        r += 1
    last = r - 1
    _footer(ws, kind, r + 0, n_off)
    _print_setup(ws, official, extras, top, depth, last + 3, n_off)
    ws.freeze_panes = ws.cell(row=first, column=4)
    wb.save(path)
    return path


def _text_width(value: Any) -> int:
    """Display width in column units: a CJK or full-width character counts two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in str(value))


def _row_height(cells: list[tuple[Any, float]]) -> float:
    """Row height (points) that shows every wrapped official cell whole: Excel and WPS do not
    fit row heights to wrapped text when a file is opened, so a printed ledger would cut it off."""
    lines = max((math.ceil(_text_width(v) / max(w - 1.5, 1)) for v, w in cells if v not in (None, "")), default=1)
    return max(18.0, 13.5 * lines + 4)


def _header(ws, official, extras, top: int, depth: int) -> None:
    bold = Font(name=_FONT, size=10, bold=True)
    c = 1
    while c <= len(official):
        name, l1, l2, l3 = official[c - 1]
        if not l2:
            ws.merge_cells(start_row=top, start_column=c, end_row=top + depth - 1, end_column=c)
            _put(ws, top, c, l1, font=bold)
            c += 1
            continue
        span = sum(1 for o in official if o[1] == l1)
        ws.merge_cells(start_row=top, start_column=c, end_row=top, end_column=c + span - 1)
        _put(ws, top, c, l1, font=bold)
        for k in range(span):
            _, _, s2, s3 = official[c - 1 + k]
            if s3 or depth == 2:
                _put(ws, top + 1, c + k, s2, font=bold)
                if s3:
                    _put(ws, top + 2, c + k, s3, font=bold)
            else:
                ws.merge_cells(start_row=top + 1, start_column=c + k, end_row=top + depth - 1, end_column=c + k)
                _put(ws, top + 1, c + k, s2, font=bold)
        c += span
    n_off = len(official)
    ws.merge_cells(start_row=top, start_column=n_off + 1, end_row=top, end_column=n_off + len(extras))
    _put(ws, top, n_off + 1, EXTRA_GROUP, font=bold).fill = _GREY
    for k, (_name, label) in enumerate(extras):
        col = n_off + 1 + k
        if depth > 2:
            ws.merge_cells(start_row=top + 1, start_column=col, end_row=top + depth - 1, end_column=col)
        _put(ws, top + 1, col, label, font=bold).fill = _GREY
    for r in range(top, top + depth):
        for col in range(1, n_off + len(extras) + 1):
            ws.cell(row=r, column=col).border = _BOX
        ws.row_dimensions[r].height = 30


def _footer(ws, kind: str, r: int, n_off: int) -> None:
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
    _put(ws, r, 1, "填表说明", font=Font(name=_FONT, size=10, bold=True))
    ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=n_off)
    _put(ws, r, 3, NOTES[kind], align=_LEFT)
    for col in range(1, n_off + 1):
        ws.cell(row=r, column=col).border = _BOX
    ws.row_dimensions[r].height = 48
    sign = r + 2
    font = Font(name=_FONT, size=11)
    for col, text in ((1, "填报人："), (n_off // 2 - 1, "审核人："), (n_off - 3, "负责人：")):
        _put(ws, sign, col, text, align=_LEFT, border=False, font=font)


def _print_setup(ws, official, extras, top: int, depth: int, last_row: int, n_off: int) -> None:
    for c, (name, *_r) in enumerate(official, start=1):
        ws.column_dimensions[get_column_letter(c)].width = _WIDTHS.get(name, 10)
    for k, (name, _label) in enumerate(extras):
        ws.column_dimensions[get_column_letter(n_off + 1 + k)].width = 40 if name == "wkt" else 12
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = f"{top}:{top + depth - 1}"
    ws.print_area = f"A1:{get_column_letter(n_off)}{last_row}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _geometry_sheet(wb: Workbook):
    ws = wb.create_sheet(GEOMETRY_SHEET)
    ws.append(["案件编号", "坐标（WKT，CGCS2000 经纬度，按顺序拼接）"])
    ws.sheet_state = "hidden"
    return ws


# -- KML ----------------------------------------------------------------------------------------
def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


def _coords(seq: Iterable) -> str:
    return " ".join(f"{x:.8f},{y:.8f},0" for x, y, *_ in seq)


def _geometry(parent: ET.Element, g: shapely.Geometry) -> None:
    if g.geom_type == "Point":
        _sub(_sub(parent, "Point"), "coordinates", _coords([g.coords[0]]))
    elif g.geom_type == "Polygon":
        poly = _sub(parent, "Polygon")
        _sub(_sub(_sub(poly, "outerBoundaryIs"), "LinearRing"), "coordinates", _coords(g.exterior.coords))
        for ring in g.interiors:
            _sub(_sub(_sub(poly, "innerBoundaryIs"), "LinearRing"), "coordinates", _coords(ring.coords))
    else:
        multi = _sub(parent, "MultiGeometry")
        for part in g.geoms:
            _geometry(multi, part)


def placemark(folder: ET.Element, *, name: str, style: str, geom: shapely.Geometry,
              shown: list[tuple[str, Any]], data: dict[str, tuple[str, Any]]) -> None:
    """Add one placemark: ``shown`` (label, value) lines in the description, ``data`` in ExtendedData.

    Hand-made, not GDAL's KML drivers, because they cannot write ExtendedData ``<Data>`` with a
    Chinese ``displayName`` beside the casemap field name, nor a ``styleUrl`` to a shared style of the
    kind; the description is plain text (HTML-free, ``<``/``&`` escaped) so that 奥维 shows it as is.
    """
    pm = _sub(folder, "Placemark")
    _sub(pm, "name", name)
    lines = []
    for label, value in shown:
        t = value_text(value)  # a missing date (NaT) or number is shown as nothing, not as "NaT"
        if t:
            lines.append(f"{label}：{html.escape(t, quote=False) if ('<' in t or '&' in t) else t}")
    _sub(pm, "description", "\n".join(lines))
    _sub(pm, "styleUrl", f"#{style}")
    ext = _sub(pm, "ExtendedData")
    for key, (label, value) in data.items():
        d = _sub(ext, "Data", name=key)
        _sub(d, "displayName", label)
        _sub(d, "value", value_text(value))
    _geometry(pm, geom)


def new_document(title: str) -> tuple[ET.Element, ET.Element]:
    """A KML root and its Document, with the land / mining / permit styles.

    Hand-made because through pyogrio GDAL's KML drivers cannot declare the shared ``<Style id=…>``
    elements that :func:`placemark` points at (no style table can be passed; see the module docstring).
    """
    ET.register_namespace("", KML_NS)
    root = ET.Element("kml", xmlns=KML_NS)
    doc = _sub(root, "Document")
    _sub(doc, "name", title)
    for sid, (line, fill, icon) in _STYLES.items():
        st = _sub(doc, "Style", id=sid)
        ic = _sub(st, "IconStyle")
        _sub(ic, "color", icon)
        _sub(ic, "scale", "1.0")
        _sub(_sub(ic, "Icon"), "href", "http://maps.google.com/mapfiles/kml/pushpin/red-pushpin.png")
        ls = _sub(st, "LineStyle")
        _sub(ls, "color", line)
        _sub(ls, "width", "2")
        _sub(_sub(st, "PolyStyle"), "color", fill)
    return root, doc


def to_bytes(root: ET.Element) -> bytes:
    """The KML document as UTF-8 bytes with an XML declaration."""
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")




def kml_bytes(cases: gpd.GeoDataFrame, permits: gpd.GeoDataFrame, *, title: str) -> bytes:
    """The KML of ``cases`` and ``permits`` as the ElementTree writer made it."""
    root, doc = new_document(title)
    names = {LAND: "违法违规用地", MINING: "非法违法采矿"}

    def folder_of(name: str) -> ET.Element:
        folder = ET.SubElement(doc, "Folder")
        ET.SubElement(folder, "name").text = name
        return folder

    for kind in (LAND, MINING):
        sel = cases[cases["kind"] == kind]
        folder = folder_of(f"{names[kind]}（{len(sel)}）")
        for rec in sel.to_dict("records"):
            shown = [(FIELD_LABELS[k], KINDS.get(rec[k], rec[k]) if k == "kind" else rec.get(k)) for k in _SHOWN_CASE
                     if k in rec and (k != "mineral" or kind == MINING)]
            data = {k: (FIELD_LABELS.get(k, k), v) for k, v in rec.items() if k != "geometry"}
            placemark(folder, name=f"{rec['case_id']} {CATEGORY_SHORT.get(int(rec['category']), '')}", style=kind,
                      geom=rec["geometry"], shown=shown, data=data)
    folder = folder_of(f"采矿许可证（{len(permits)}）")
    for rec in permits.to_dict("records"):
        shown = [(PERMIT_LABELS[k], rec.get(k)) for k in PERMIT_LABELS]
        data = {k: (PERMIT_LABELS.get(k, k), v) for k, v in rec.items() if k != "geometry"}
        placemark(folder, name=f"{rec['permit_no']} {rec.get('mine_name') or rec.get('holder') or ''}".strip(),
                  style="permit", geom=rec["geometry"], shown=shown, data=data)
    return to_bytes(root)
