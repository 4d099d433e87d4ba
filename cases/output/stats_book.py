"""The 乡镇统计 workbook: the per-township table as a document a leader can read and print.

A title naming the store's county, 数据截至, the division shown, full category names under a group
header, 合计 in bold, the notes every output carries (示意 townships, 示例 data) and how the columns are
counted, column widths, frozen headers and an A4 landscape print set-up.  Text from the store (township
names) is written as text, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from cases.ledger.writer import print_a4_landscape, text_cell
from cases.model import CATEGORIES, LAND, category_kind
from cases.output.referrals import CASE_COLUMNS, TOWNSHIP_COLUMNS, Referrals
from cases.stats import STAT_COLUMNS, TOTAL
from cases.text import date_text

SHEET = "乡镇统计"
REFERRAL_SHEET = "涉嫌犯罪移送"
#: How the columns are counted (printed under the table).
COUNTING = ("案件按台账填报的责任乡镇统计（区划调整后，按撤并表或所在位置归入所列区划的乡镇）；"
            "整改到位 = 办理状态为乡镇已验收及以后；已销号 = 办理状态为已销号；"
            "面积按图形计算（点位和未定位案件按台账亩数）。")
_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_FONT = "宋体"
_LAND_CATS = [f"cat_{k}" for k in CATEGORIES if category_kind(k) == LAND]
_MINING_CATS = [f"cat_{k}" for k in CATEGORIES if category_kind(k) != LAND]
#: Groups of the header's first row: (label, first column key, last column key).
_GROUPS = (("案件数", "land_cases", "mining_cases"), ("违法违规用地类别", _LAND_CATS[0], _LAND_CATS[-1]),
           ("非法违法采矿类别", _MINING_CATS[0], _MINING_CATS[-1]), ("面积与查处", "area_mu", "accountability_persons"),
           ("整改与销号", "rectified", "closed"))


def _header(key: str) -> str:
    if key.startswith("cat_"):
        k = int(key[4:])
        return f"{k}. {CATEGORIES[k]}"
    return STAT_COLUMNS[key]


def _width(key: str) -> float:
    if key == "township":
        return 12
    if key.startswith("cat_"):
        return 11
    return 10 if key in ("area_mu", "fine_wan") else 8


def stats_workbook(stats: pd.DataFrame, *, county: str, as_of: dt.date, notes: list[str],
                   division: str | None = None, referral: Referrals | None = None,
                   referral_table: pd.DataFrame | None = None) -> bytes:
    """The xlsx bytes of the statistics table ``stats`` (:func:`cases.stats.township_stats`, English keys).

    Parameters
    ----------
    stats
        One row per township plus 合计, columns :data:`cases.stats.STAT_COLUMNS`.
    county
        The store's county name (the title says it).
    as_of
        The day the data are from (数据截至).
    notes
        The notes the store's outputs carry (:func:`cases.service.store_notes`).
    division
        The division shown, when not the current one (e.g. ``2018 年起的区划``).
    referral, referral_table
        The 涉嫌犯罪移送 results (:func:`cases.output.referrals.case_referrals`) and their per-township table
        (:meth:`~cases.output.referrals.Referrals.by_township`): a second sheet 涉嫌犯罪移送 with both.
    """
    keys = list(STAT_COLUMNS)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    last = get_column_letter(len(keys))
    title = f"{county}用地用矿案件分乡镇统计表"
    ws.append([title])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(name=_FONT, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    sub = f"数据截至：{date_text(as_of)}" + (f"　　区划：{division}" if division else "")
    ws.append([sub])
    ws.merge_cells(f"A2:{last}2")
    ws["A2"].font = Font(name=_FONT, size=10)
    ws["A2"].alignment = Alignment(horizontal="right")
    top = 3
    _write_head(ws, keys, top)
    for r, rec in enumerate(stats[keys].itertuples(index=False), start=top + 2):
        bold = rec[0] == TOTAL
        for c, (key, value) in enumerate(zip(keys, rec), start=1):
            cell = ws.cell(r, c, value=str(value) if key == "township" else _number(value))
            if key == "township":
                text_cell(cell)
            cell.border = _BOX
            cell.font = Font(name=_FONT, size=10, bold=bold)
            cell.alignment = _LEFT if key == "township" else Alignment(horizontal="right", vertical="center")
            if key in ("area_mu", "fine_wan"):
                cell.number_format = "0.00"
    end = top + 1 + len(stats)
    row = end + 2
    for text in ["说明：" + COUNTING, *notes]:
        ws.cell(row, 1, value=text).font = Font(name=_FONT, size=10)
        text_cell(ws.cell(row, 1))
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(keys))
        ws.cell(row, 1).alignment = _LEFT
        ws.row_dimensions[row].height = 30
        row += 1
    for c, key in enumerate(keys, start=1):
        ws.column_dimensions[get_column_letter(c)].width = _width(key)
    print_a4_landscape(ws, area=f"A1:{last}{row - 1}", title_rows=f"{top}:{top + 1}")
    if referral is not None and referral_table is not None:
        _referral_sheet(wb, referral, referral_table, county=county, sub=sub)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _number(value):
    v = value.item() if hasattr(value, "item") else value
    return float(v) if isinstance(v, float) else int(v)


def _write_head(ws, keys: list[str], top: int) -> None:
    """Two header rows: the groups, then each column's full name (乡镇 spans both)."""
    col = {k: i for i, k in enumerate(keys, start=1)}
    for c in range(1, len(keys) + 1):
        for r in (top, top + 1):
            cell = ws.cell(r, c)
            cell.border, cell.fill, cell.alignment = _BOX, _HEAD_FILL, _CENTER
            cell.font = Font(name=_FONT, size=10, bold=True)
    ws.cell(top, 1, value=STAT_COLUMNS["township"])
    ws.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)
    for label, first, last in _GROUPS:
        ws.cell(top, col[first], value=label)
        if col[last] > col[first]:
            ws.merge_cells(start_row=top, start_column=col[first], end_row=top, end_column=col[last])
    for key in keys[1:]:
        ws.cell(top + 1, col[key], value=_header(key))
    ws.row_dimensions[top].height = 20
    ws.row_dimensions[top + 1].height = 75
    ws.freeze_panes = ws.cell(top + 2, 2)


def _referral_sheet(wb: Workbook, referral: Referrals, table: pd.DataFrame, *, county: str, sub: str) -> None:
    """Sheet 涉嫌犯罪移送: per township the cases over a threshold against the 追刑 recorded, then the cases
    with the rule that fired and the numbers."""
    ws = wb.create_sheet(REFERRAL_SHEET)
    width = len(CASE_COLUMNS)
    last = get_column_letter(width)
    rows: list[tuple[list, str]] = [([f"{county}涉嫌犯罪移送情况（分乡镇）"], "title"), ([sub], "sub"),
                                    ([referral.summary()], "text"), (list(TOWNSHIP_COLUMNS.values()), "head")]
    rows += [(list(rec), "total" if rec[0] == TOTAL else "body") for rec in table[list(TOWNSHIP_COLUMNS)].itertuples(index=False)]
    rows += [([], "gap"), ([f"达到移送标准的案件（{len(referral.cases)} 起）"], "text"), (list(CASE_COLUMNS.values()), "head")]
    rows += [(list(rec), "body") for rec in referral.cases[list(CASE_COLUMNS)].itertuples(index=False)]
    rows += [([], "gap"), *[([n], "text") for n in [*referral.notes, "移送标准由规则文件设定（set-rules 可修改）；"
                                                    "追刑人数取自台账“追刑情况（人）”。"]]]
    for r, (values, style) in enumerate(rows, start=1):
        for c, v in enumerate(values, start=1):
            cell = ws.cell(r, c, value=_number(v) if isinstance(v, int | float) or hasattr(v, "item") else str(v))
            if isinstance(cell.value, str):
                text_cell(cell)
            cell.font = Font(name=_FONT, size=16 if style == "title" else 10, bold=style in ("title", "head", "total"))
            if style in ("head", "body", "total"):
                cell.border = _BOX
                cell.alignment = _CENTER if style == "head" else _LEFT
                if style == "head":
                    cell.fill = _HEAD_FILL
        if style in ("title", "sub", "text") and values:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
            ws.cell(r, 1).alignment = Alignment(horizontal="right") if style == "sub" else _LEFT
            ws.row_dimensions[r].height = 30 if style != "sub" else None
    for c, w in enumerate((12, 14, 8, 12, 48, 9), start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    print_a4_landscape(ws, area=f"A1:{last}{len(rows)}", footer=False)
