"""Triage outputs: the signable xlsx ledger (卫片图斑核查台账) and a GeoPackage of the judged patches.

Both are written through :func:`cases.io.files.atomic_output` (whole or not at all); text from the patch
file stays text (never a formula).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from cases.io.files import atomic_output
from cases.triage.layers import KINDS
from cases.triage.patches import flat_table
from geo.errors import ValidationError

_FONT = "宋体"
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FORMULA_START = ("=", "+", "-", "@")
OUT_SUFFIXES = (".xlsx", ".gpkg")


def _headers(kinds: list[str]) -> list[tuple[str, str, int]]:
    """(result column, Chinese header, width) of the ledger, in order."""
    layer_cols = [(f"{k}_mu", f"{KINDS.get(k, '采矿许可证')}（亩）", 10) for k in kinds]
    return [("seq", "序号", 6), ("patch_id", "图斑编号", 18), ("township", "所在乡镇", 10), ("area_mu", "面积（亩）", 10),
            *layer_cols, ("covered_share", "批地/备案/许可覆盖比例", 11), ("covered_by", "覆盖依据", 24),
            ("suggestion", "系统建议", 9), ("reason", "理由", 46), ("handled", "已处理情况", 18),
            ("confirmed", "核实结论（合法/违法/伪变化）", 14), ("remarks", "核实说明", 18)]


def write_triage_xlsx(results: pd.DataFrame, path: str | Path, *, kinds: list[str], county: str, year: int | None,
                      as_of: dt.date, rules_source: str) -> Path:
    """The ledger: title, 数据截至, one row per patch (numbers, suggestion, reason), an empty 核实结论 column
    and 核查人/审核人/负责人 lines; A4 landscape, one page wide, header repeated."""
    flat = flat_table(results, kinds)
    flat.insert(0, "seq", range(1, len(flat) + 1))
    for col in ("handled", "confirmed", "remarks"):
        if col not in flat:
            flat[col] = ""
    cols = _headers(kinds)
    wb = Workbook()
    ws = wb.active
    ws.title = "卫片图斑核查台账"
    title = f"{county}{f'{year} 年度' if year else ''}土地卫片执法检查图斑核查台账"
    ws.cell(row=1, column=1, value=title).font = Font(name="黑体", size=16, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cols))
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    info = f"数据截至：{as_of.isoformat()}    图斑 {len(flat)} 个    研判规则：{rules_source}    系统建议仅供参考，以核实结论为准"
    ws.cell(row=2, column=1, value=info).font = Font(name=_FONT, size=10)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(cols))
    for j, (_, label, width) in enumerate(cols, start=1):
        c = ws.cell(row=3, column=j, value=label)
        c.font, c.border = Font(name=_FONT, size=10, bold=True), _BOX
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = width
    pct = {"covered_share"}
    for i, row in enumerate(flat[[c for c, _, _ in cols]].itertuples(index=False, name=None), start=4):
        for j, value in enumerate(row, start=1):
            value = None if value is None or (isinstance(value, float) and value != value) else value
            c = ws.cell(row=i, column=j, value=value)
            if isinstance(value, str):
                c.data_type = "s"
                c.quotePrefix = value.startswith(_FORMULA_START)
            c.font, c.border = Font(name=_FONT, size=10), _BOX
            c.alignment = Alignment(vertical="center", wrap_text=True)
            if cols[j - 1][0] in pct:
                c.number_format = "0.0%"
    end = 4 + len(flat) + 1
    ws.cell(row=end, column=1, value="核查人：                    审核人：                    负责人：                    "
            "日期：      年   月   日").font = Font(name=_FONT, size=11)
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:{get_column_letter(len(cols))}{end}"
    ws.freeze_panes = "C4"
    with atomic_output(path) as tmp:
        wb.save(tmp)
    return Path(path)


def write_triage_gpkg(results: pd.DataFrame, patches: gpd.GeoDataFrame, path: str | Path, *, kinds: list[str]) -> Path:
    """The judged patches (CGCS2000) with the numbers, suggestion and reason, layer ``patches``."""
    flat = flat_table(results, kinds)
    extra = patches.drop(columns=[c for c in patches.columns if c in flat.columns or c == patches.geometry.name])
    frame = gpd.GeoDataFrame(pd.concat([flat, extra.reset_index(drop=True)], axis=1),
                             geometry=patches.geometry.values, crs=patches.crs)
    with atomic_output(path) as tmp:
        frame.to_file(tmp, driver="GPKG", layer="patches", engine="pyogrio")
    return Path(path)


def write_triage_file(results: pd.DataFrame, patches: gpd.GeoDataFrame, path: str | Path, *, kinds: list[str],
                      county: str, year: int | None, as_of: dt.date, rules_source: str) -> Path:
    """Write ``path`` by its suffix (.xlsx ledger or .gpkg); ValidationError for another suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return write_triage_xlsx(results, path, kinds=kinds, county=county, year=year, as_of=as_of,
                                 rules_source=rules_source)
    if suffix == ".gpkg":
        return write_triage_gpkg(results, patches, path, kinds=kinds)
    raise ValidationError(f"--out 文件「{Path(path).name}」的类型不支持，应为 .xlsx（核查台账）或 .gpkg（图斑图层）")
