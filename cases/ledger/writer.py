"""Ledger export: the seed's 附件2/附件3 tables as xlsx, ready to print on A4 landscape and to sign.

The official columns are laid out exactly as in the seed (附件 label, title, 填报单位/填报时间 line,
merged two-level header — three levels for 附件3 — rows, 填表说明 and 填报人/审核人/负责人).  To the
right of them, outside the print area, a grey block "casemap 管理信息" holds what casemap needs to read
the file back unchanged (案件编号, 违法类别, 责任乡镇, … and the geometry as WKT in CGCS2000 lon/lat);
a WKT longer than an Excel cell holds goes to the sheet 几何.  验收情况 is written as 是/否; a fine not
already named in 处罚决定及执行情况 is appended there as "（罚款X万元）".
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
from copy import copy
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from cases.io.files import FORMULA_START, atomic_output
from cases.ledger._xlsxrows import SheetRows
from cases.ledger.layout import EXTRA_COLUMNS, EXTRA_GROUP, GEOMETRY_REF, GEOMETRY_SHEET, OFFICIAL_COLUMNS
from cases.ledger.rows import _fine_suffix
from cases.model import LAND, MINING, township_option
from cases.text import date_text
from geo.errors import LedgerFormatError

#: (attachment, table title) of each ledger; ``{county}`` is the store's county.
TITLES = {LAND: ("附件2", "{county}违法违规用地清单"), MINING: ("附件3", "{county}非法违法采矿清单")}
NOTES = {
    LAND: "1、“基本情况”简要说明违法主体、时间、地点、亩数等情况；2、“查处情况”说明地上违法违规建筑物是否符合规划、"
          "是否强拆、是否复垦复绿等，追刑、追责写明人数，罚款金额以“万”为单位；3、“验收情况”只填写“是”与“否”。",
    MINING: "1、“基本情况”简要说明违法主体、时间、地点、矿种、亩数等情况；2、“查处情况”说明矿产品是否收缴、设备是否没收等情况，"
            "追刑、追责写明人数，罚款金额以“万”为单位；3、“验收情况”只填写“是”与“否”。",
}
_WIDTHS = {"seq": 5, "county": 8, "summary": 38, "handling": 14, "filing_authority": 12, "filing_date": 12,
           "penalty": 24, "criminal_persons": 7, "accountability_persons": 7, "court_referral": 12, "remarks": 10,
           "accept_county": 6, "accept_city": 6, "accept_province": 6}
_BOOL = {"accept_county", "accept_city", "accept_province", "is_compliant", "is_accepted", "is_closed"}
_DATE_FMT = 'yyyy"年"m"月"d"日"'
_MAX_CELL = 32000
_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_GREY = PatternFill("solid", fgColor="EDEDED")
_FONT = "宋体"


_BODY_FONT = Font(name=_FONT, size=10)


class _Sheet:
    """A worksheet and the style arrays made for it once: each cell gets a copy of a ready array, because
    setting ``cell.font``, ``cell.border``… one by one hashes the style objects every time (a 6,000-row
    ledger took 17 s, almost all of it there)."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self._arrays: dict[tuple, tuple] = {}

    def _array(self, align: Alignment, font: Font, border: bool, fmt: str | None, fill: PatternFill | None,
               quote: bool) -> tuple:
        """(style array, its index in the workbook) of a combination, made the first time it is asked for."""
        key = (id(align), id(font), border, fmt, id(fill), quote)
        got = self._arrays.get(key)
        if got is None:  # style a scratch cell once through openpyxl's own descriptors and keep its array
            probe = Cell(self.ws)
            probe.alignment, probe.font = align, font
            if border:
                probe.border = _BOX
            if fmt:
                probe.number_format = fmt
            if fill is not None:
                probe.fill = fill
            if quote:
                probe.quotePrefix = True
            index = self.ws.parent._cell_styles.add(probe._style)  # what openpyxl's cell.style_id does
            got = self._arrays[key] = (probe._style, index, align, font, fill)  # objects kept alive: ids stay theirs
        return got

    def style(self, value: Any, *, align: Alignment = _CENTER, fmt: str | None = None,
              fill: PatternFill | None = None) -> tuple[Any, int]:
        """(value, style index) of a bordered body cell for :class:`SheetRows`; text cleaned as in :meth:`put`."""
        quote = False
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            quote = value.startswith(FORMULA_START)
        return value, self._array(align, _BODY_FONT, True, fmt, fill, quote)[1]

    def put(self, row: int, col: int, value: Any, *, align: Alignment = _CENTER, border: bool = True,
            font: Font | None = None, fmt: str | None = None, fill: PatternFill | None = None) -> Cell:
        """Write ``value`` styled into (row, col); text stays text (see :func:`text_cell`)."""
        text = isinstance(value, str)
        if text:
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        style = self._array(align, font or _BODY_FONT, border, fmt, fill, text and value.startswith(FORMULA_START))[0]
        cell = Cell(self.ws, row=row, column=col, value=value, style_array=copy(style))
        if text:
            cell.data_type = "s"
        self.ws._cells[(row, col)] = cell
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


def ledger_selection(cases: gpd.GeoDataFrame, *, kind: str, township: str | None = None,
                     current: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """The rows a ledger of ``kind`` (and of one township, if given) prints, in 序号 order.

    ``current`` (one per row of ``cases``) is each case's township in the current division
    (:func:`cases.assignment.current_townships`); with it a case belongs to ``township`` by that, else by
    the township declared.  The rows keep the declared township either way.
    """
    of_kind = (cases["kind"] == kind).to_numpy(dtype=bool)
    sel = cases[of_kind]
    if township:
        where = sel["township"].to_numpy(dtype=object) if current is None else np.asarray(current, dtype=object)[of_kind]
        sel = sel[where == township_option(township)]
    return sel.assign(_s=sel["seq"].fillna(10**9)).sort_values(["_s", "case_id"]).drop(columns="_s")


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
    sh = _Sheet(ws)
    geo_ws = None
    # Heading: 附件 label, title, 填报单位/填报时间.
    sh.put(1, 1, TITLES[kind][0], align=_LEFT, border=False, font=Font(name="黑体", size=12))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n_off)
    sh.put(2, 1, TITLES[kind][1].format(county=county), border=False, font=Font(name="方正小标宋简体", size=18, bold=True))
    ws.row_dimensions[2].height = 36
    unit = unit if unit is not None else (f"{township}人民政府" if township else "")
    when = fill_date or dt.date.today()
    half = n_off // 2 + 1
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=half)
    ws.merge_cells(start_row=3, start_column=half + 1, end_row=3, end_column=n_off)
    sh.put(3, 1, f"填报单位：{unit}", align=_LEFT, border=False, font=Font(name=_FONT, size=11))
    sh.put(3, half + 1, f"填报时间：{date_text(when)}",
           align=Alignment(horizontal="right", vertical="center"), border=False, font=Font(name=_FONT, size=11))
    top = 4
    _header(sh, official, extras, top, depth)
    first = top + depth
    rows = SheetRows(epoch=wb.epoch)
    left = {"summary", "penalty", "handling", "remarks", "court_referral"}
    wkts = shapely.to_wkt(np.asarray(sel.geometry.values, dtype=object), rounding_precision=-1)
    for r, (rec, wkt) in enumerate(zip(sel.to_dict("records"), wkts, strict=True), start=first):
        values = [_value(name, rec) for name, *_rest in official]
        cells = [sh.style(v, align=_LEFT if name in left else _CENTER, fmt=_DATE_FMT if name == "filing_date" and v else None)
                 for (name, *_rest), v in zip(official, values, strict=True)]
        for name, _label in extras:
            if name == "wkt":
                v = wkt
                if v and len(v) > _MAX_CELL:
                    geo_ws = geo_ws or _geometry_sheet(wb)
                    geo_ws.append([rec["case_id"], *[v[i:i + _MAX_CELL] for i in range(0, len(v), _MAX_CELL)]])
                    for cell in geo_ws[geo_ws.max_row]:
                        text_cell(cell)
                    v = GEOMETRY_REF
            else:
                v = _value(name, rec)
            cells.append(sh.style(v, align=_LEFT if name == "wkt" else _CENTER, fill=_GREY,
                                  fmt=_DATE_FMT if name == "found_date" and v else None))
        rows.add(r, cells, height=_row_height([(v, _WIDTHS.get(n, 10)) for (n, *_), v in zip(official, values)]))
    footer = first + len(sel)
    _footer(sh, kind, footer, n_off)
    _print_setup(ws, official, extras, top, depth, footer + 2, n_off)
    ws.freeze_panes = f"D{first}"  # a string: ws.cell() would add an empty cell where the spliced rows go
    buf = io.BytesIO()
    wb.save(buf)
    with atomic_output(path) as tmp:  # a failed or killed save never leaves a half-written workbook
        rows.splice(buf.getvalue(), tmp, before_row=footer)
    return path


def _text_width(value: Any) -> int:
    """Display width in column units: a CJK or full-width character counts two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in str(value))


def _row_height(cells: list[tuple[Any, float]]) -> float:
    """Row height (points) that shows every wrapped official cell whole: Excel and WPS do not
    fit row heights to wrapped text when a file is opened, so a printed ledger would cut it off."""
    lines = max((math.ceil(_text_width(v) / max(w - 1.5, 1)) for v, w in cells if v not in (None, "")), default=1)
    return max(18.0, 13.5 * lines + 4)


def _header(sh: _Sheet, official, extras, top: int, depth: int) -> None:
    ws = sh.ws
    bold = Font(name=_FONT, size=10, bold=True)
    c = 1
    while c <= len(official):
        name, l1, l2, l3 = official[c - 1]
        if not l2:
            ws.merge_cells(start_row=top, start_column=c, end_row=top + depth - 1, end_column=c)
            sh.put(top, c, l1, font=bold)
            c += 1
            continue
        span = sum(1 for o in official if o[1] == l1)
        ws.merge_cells(start_row=top, start_column=c, end_row=top, end_column=c + span - 1)
        sh.put(top, c, l1, font=bold)
        for k in range(span):
            _, _, s2, s3 = official[c - 1 + k]
            if s3 or depth == 2:
                sh.put(top + 1, c + k, s2, font=bold)
                if s3:
                    sh.put(top + 2, c + k, s3, font=bold)
            else:
                ws.merge_cells(start_row=top + 1, start_column=c + k, end_row=top + depth - 1, end_column=c + k)
                sh.put(top + 1, c + k, s2, font=bold)
        c += span
    n_off = len(official)
    ws.merge_cells(start_row=top, start_column=n_off + 1, end_row=top, end_column=n_off + len(extras))
    sh.put(top, n_off + 1, EXTRA_GROUP, font=bold, fill=_GREY)
    for k, (_name, label) in enumerate(extras):
        col = n_off + 1 + k
        if depth > 2:
            ws.merge_cells(start_row=top + 1, start_column=col, end_row=top + depth - 1, end_column=col)
        sh.put(top + 1, col, label, font=bold, fill=_GREY)
    for r in range(top, top + depth):
        for col in range(1, n_off + len(extras) + 1):
            ws.cell(row=r, column=col).border = _BOX
        ws.row_dimensions[r].height = 30


def _footer(sh: _Sheet, kind: str, r: int, n_off: int) -> None:
    ws = sh.ws
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
    sh.put(r, 1, "填表说明", font=Font(name=_FONT, size=10, bold=True))
    ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=n_off)
    sh.put(r, 3, NOTES[kind], align=_LEFT)
    for col in range(1, n_off + 1):
        ws.cell(row=r, column=col).border = _BOX
    ws.row_dimensions[r].height = 48
    sign = r + 2
    font = Font(name=_FONT, size=11)
    for col, text in ((1, "填报人："), (n_off // 2 - 1, "审核人："), (n_off - 3, "负责人：")):
        sh.put(sign, col, text, align=_LEFT, border=False, font=font)


def _print_setup(ws, official, extras, top: int, depth: int, last_row: int, n_off: int) -> None:
    for c, (name, *_r) in enumerate(official, start=1):
        ws.column_dimensions[get_column_letter(c)].width = _WIDTHS.get(name, 10)
    for k, (name, _label) in enumerate(extras):
        ws.column_dimensions[get_column_letter(n_off + 1 + k)].width = 40 if name == "wkt" else 12
    print_a4_landscape(ws, area=f"A1:{get_column_letter(n_off)}{last_row}", title_rows=f"{top}:{top + depth - 1}")


def print_a4_landscape(ws, *, area: str, title_rows: str | None = None, footer: bool = True) -> None:
    """Print ``area`` of ``ws`` on A4 landscape, one page wide, centred, ``title_rows`` on every page and a
    「第 N 页，共 M 页」 footer: the print set-up of every workbook casemap writes for signing."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_area = area
    if footer:
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _geometry_sheet(wb: Workbook):
    ws = wb.create_sheet(GEOMETRY_SHEET)
    ws.append(["案件编号", "坐标（WKT，CGCS2000 经纬度，按顺序拼接）"])
    ws.sheet_state = "hidden"
    return ws
