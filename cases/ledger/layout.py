"""The 附件2/附件3 ledger layout: column labels, and finding title, header, rows and footer in a grid.

Columns are found by their header text, never by position: the header is the first row (within
the first 40) holding at least three known labels including 序号, 基本情况 or 案件编号; the rows
below it that hold only labels (处理方式 … 县级/市级/省级, 是否达标 …) belong to the header too.  A
column's meaning comes from its header path: 是否达标/是否验收/是否销号 anywhere in the path → that
flag (附件3 prints them beneath 县级/市级/省级), else 县级/市级/省级 → 县级/市级/省级验收, otherwise the
lowest label that is known.  Data rows end at the 填表说明 / 填报人 footer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from cases.ledger.read import Grid
from cases.model import LAND, MINING

#: Official columns of 附件2 (land) and 附件3 (mining): (field, level-1 label, level-2 label, level-3 label).
OFFICIAL_COLUMNS: dict[str, list[tuple[str, str, str, str]]] = {
    LAND: [
        ("seq", "序号", "", ""), ("county", "县\n（市、区）", "", ""), ("summary", "基本情况（摘要）", "", ""),
        ("handling", "查处情况", "处理方式", ""), ("filing_authority", "查处情况", "立案机关", ""),
        ("filing_date", "查处情况", "立案时间", ""), ("penalty", "查处情况", "处罚决定及执行情况", ""),
        ("criminal_persons", "查处情况", "追刑情况（人）", ""), ("accountability_persons", "查处情况", "追责情况（人）", ""),
        ("court_referral", "查处情况", "移送法院执行情况", ""), ("remarks", "查处情况", "备注", ""),
        ("accept_county", "验收情况", "县级", ""), ("accept_city", "验收情况", "市级", ""),
        ("accept_province", "验收情况", "省级", ""),
    ],
    MINING: [
        ("seq", "序号", "", ""), ("county", "县（市、区）", "", ""), ("summary", "基本情况（摘要）", "", ""),
        ("handling", "查处情况", "处理方式", ""), ("filing_authority", "查处情况", "立案机关", ""),
        ("filing_date", "查处情况", "立案时间", ""), ("penalty", "查处情况", "处罚决定及执行情况", ""),
        ("criminal_persons", "查处情况", "追刑情况（人）", ""), ("accountability_persons", "查处情况", "追责情况（人）", ""),
        ("remarks", "查处情况", "备注", ""),
        ("is_compliant", "验收情况", "县级", "是否达标"), ("is_accepted", "验收情况", "市级", "是否验收"),
        ("is_closed", "验收情况", "省级", "是否销号"),
    ],
}
#: Group label of the casemap columns written to the right of the official ones.
#: The sheet of a ledger export that holds geometries too long for a cell, and the cell text that points there.
GEOMETRY_SHEET = "几何"
GEOMETRY_REF = "见工作表「几何」"
EXTRA_GROUP = "casemap 管理信息（导入时使用，请勿删除）"
#: casemap columns: (field, label, kinds).  ``wkt`` holds the geometry as WKT in CGCS2000 lon/lat.
EXTRA_COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("case_id", "案件编号", (LAND, MINING)), ("category", "违法类别", (LAND, MINING)),
    ("township", "责任乡镇", (LAND, MINING)), ("permit_no", "采矿许可证号", (MINING,)),
    ("found_date", "发现日期", (LAND, MINING)), ("status", "办理状态", (LAND, MINING)),
    ("party", "违法主体", (LAND, MINING)), ("violation_time", "违法时间", (LAND, MINING)),
    ("location", "地点", (LAND, MINING)), ("area_mu_declared", "亩数", (LAND, MINING)),
    ("mineral", "矿种", (MINING,)), ("fine_wan", "罚款（万元）", (LAND, MINING)),
    ("accept_county", "县级验收", (MINING,)), ("accept_city", "市级验收", (MINING,)),
    ("accept_province", "省级验收", (MINING,)), ("mined_value_wan", "开采矿产品价值（万元）", (MINING,)),
    ("wkt", "坐标（WKT）", (LAND, MINING)),
]

_ALIASES_RAW: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "seq", "编号序号"),
    "county": ("县(市、区)", "县(市,区)", "县(市区)", "县市区", "县", "county"),
    "summary": ("基本情况(摘要)", "基本情况", "摘要", "summary", "案件基本情况"),
    "handling": ("处理方式", "handling"),
    "filing_authority": ("立案机关", "filing_authority"),
    "filing_date": ("立案时间", "立案日期", "filing_date"),
    "penalty": ("处罚决定及执行情况", "处罚决定", "处罚决定及执行", "penalty"),
    "criminal_persons": ("追刑情况(人)", "追刑情况", "追刑人数", "追刑(人)", "criminal_persons"),
    "accountability_persons": ("追责情况(人)", "追责情况", "追责人数", "追责(人)", "accountability_persons"),
    "court_referral": ("移送法院执行情况", "移送法院执行", "court_referral"),
    "remarks": ("备注", "remarks"),
    "accept_county": ("县级", "县级验收", "accept_county"),
    "accept_city": ("市级", "市级验收", "accept_city"),
    "accept_province": ("省级", "省级验收", "accept_province"),
    "is_compliant": ("是否达标", "is_compliant"),
    "is_accepted": ("是否验收", "is_accepted"),
    "is_closed": ("是否销号", "is_closed"),
    "case_id": ("案件编号", "案件号", "case_id"),
    "category": ("违法类别", "类别", "违法类型", "category"),
    "township": ("责任乡镇", "所属乡镇", "乡镇", "township"),
    "permit_no": ("采矿许可证号", "许可证号", "permit_no"),
    "found_date": ("发现日期", "发现时间", "found_date"),
    "status": ("办理状态", "状态", "status"),
    "party": ("违法主体", "当事人", "party"),
    "violation_time": ("违法时间", "violation_time"),
    "location": ("地点", "违法地点", "location"),
    "area_mu_declared": ("亩数", "面积(亩)", "占地面积(亩)", "亩", "area_mu", "area_mu_declared"),
    "mineral": ("矿种", "开采矿种", "mineral"),
    "fine_wan": ("罚款(万元)", "罚款金额(万元)", "罚款", "fine_wan"),
    "mined_value_wan": ("开采矿产品价值(万元)", "矿产品价值(万元)", "开采矿产品价值", "矿产品价值", "mined_value_wan"),
    "wkt": ("坐标(wkt)", "坐标", "wkt", "拐点坐标", "范围坐标", "geometry", "几何"),
    "lon": ("经度", "lon", "longitude", "x经度"),
    "lat": ("纬度", "lat", "latitude", "y纬度"),
    "gk_x": ("x坐标", "x", "x(北坐标)", "北坐标"),
    "gk_y": ("y坐标", "y", "y(东坐标)", "东坐标"),
    "kind": ("类型", "案件类型", "kind"),
}
GROUP_LABELS = {"查处情况", "验收情况", "基本情况", "casemap管理信息(导入时使用,请勿删除)", "casemap管理信息"}
_LEVELS = {"县级": "accept_county", "市级": "accept_city", "省级": "accept_province"}
#: 附件3 prints 是否达标/是否验收/是否销号 beneath 县级/市级/省级: the lowest label is the question asked.
_MINING_FLAGS = {"是否达标": "is_compliant", "是否验收": "is_accepted", "是否销号": "is_closed"}
#: Columns whose value counts something per row: a vertical merge cannot be filled down.
COUNT_FIELDS = {"seq", "case_id", "criminal_persons", "accountability_persons", "area_mu_declared", "fine_wan",
                "mined_value_wan", "wkt", "lon", "lat", "gk_x", "gk_y"}
_FOOTER = re.compile(r"^(填表说明|填报人|审核人|负责人|制表人)")


def normalise_label(value: Any) -> str:
    """Header text compared loosely: NFKC (（→( ), no whitespace, lower case, 、 kept."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"\s+", "", text).replace("，", ",").lower()


ALIASES: dict[str, str] = {normalise_label(a): f for f, names in _ALIASES_RAW.items() for a in names}
LABELS: dict[str, str] = {
    **{f: (l2 or l1).replace("\n", "") for kind in OFFICIAL_COLUMNS for f, l1, l2, _ in OFFICIAL_COLUMNS[kind]},
    **{f: label for f, label, _ in EXTRA_COLUMNS},
    "lon": "经度", "lat": "纬度", "gk_x": "X坐标", "gk_y": "Y坐标", "kind": "类型",
    "accept_county": "县级验收", "accept_city": "市级验收", "accept_province": "省级验收",
}


@dataclass
class Layout:
    """Where a ledger lies in a grid."""

    header_top: int
    header_bottom: int  # last header row (inclusive)
    columns: dict[int, str]  # column index → field
    headers: dict[int, str]  # column index → header text as shown
    title: str = ""
    unit: str = ""
    fill_date: str = ""
    footer_row: int | None = None
    kind_hint: str | None = None
    notes: list[str] = field(default_factory=list)


def _expanded(grid: Grid, rows: range) -> dict[tuple[int, int], Any]:
    """Cell values of ``rows`` with each merged range's value copied over the range."""
    out = {(r, c): grid.cell(r, c) for r in rows for c in range(grid.width)}
    for r0, r1, c0, c1 in grid.merges:
        v = grid.cell(r0, c0)
        for r in range(max(r0, rows.start), min(r1, rows.stop)):
            for c in range(c0, c1):
                out[(r, c)] = v
    return out


def _is_label(v: Any) -> bool:
    n = normalise_label(v)
    return bool(n) and (n in ALIASES or n in GROUP_LABELS or n.startswith("casemap"))


def _is_numbering_row(values: list[Any]) -> bool:
    nums = [v for v in values if v not in (None, "")]
    try:
        ints = [int(float(str(v))) for v in nums]
    except ValueError:
        return False
    return len(ints) >= 5 and ints == list(range(ints[0], ints[0] + len(ints)))


def find_layout(grid: Grid) -> Layout | None:
    """Find title, 填报单位/填报时间, header rows, column fields and footer of a ledger; None if absent."""
    n = len(grid.rows)
    scan = _expanded(grid, range(0, min(n, 40)))
    top = None
    for r in range(min(n, 40)):
        labels = {normalise_label(scan[(r, c)]) for c in range(grid.width)}
        known = {ALIASES[x] for x in labels if x in ALIASES}
        if len(known | (labels & GROUP_LABELS)) >= 3 and known & {"seq", "summary", "case_id"}:
            top = r
            break
    if top is None:
        return None
    bottom = top
    cells = _expanded(grid, range(top, min(n, top + 5)))
    for r in range(top + 1, min(n, top + 4)):
        vals = [cells.get((r, c)) for c in range(grid.width)]
        filled = [v for v in vals if v not in (None, "")]
        if filled and all(_is_label(v) for v in filled):
            bottom = r
        else:
            break
    columns, headers = {}, {}
    for c in range(grid.width):
        path: list[str] = []
        for r in range(top, bottom + 1):
            t = normalise_label(cells.get((r, c)))
            if t and (not path or path[-1] != t):
                path.append(t)
        level = next((_MINING_FLAGS[p] for p in path if p in _MINING_FLAGS), None)
        level = level or next((_LEVELS[p] for p in path if p in _LEVELS), None)
        fname = level or next((ALIASES[p] for p in reversed(path) if p in ALIASES), None)
        if fname and fname not in columns.values():
            columns[c] = fname
            headers[c] = "/".join(str(cells.get((r, c)) or "").replace("\n", "") for r in range(top, bottom + 1)
                                  if cells.get((r, c)) not in (None, "")) or fname
    lay = Layout(top, bottom, columns, headers)
    _read_heading(grid, lay)
    _find_footer(grid, lay)
    if lay.footer_row is None or lay.footer_row > bottom + 1:
        first = [grid.cell(bottom + 1, c) for c in range(grid.width)]
        if _is_numbering_row(first):
            lay.header_bottom = bottom + 1
    return lay


def _read_heading(grid: Grid, lay: Layout) -> None:
    for r in range(lay.header_top):
        for c in range(grid.width):
            v = grid.cell(r, c)
            if v in (None, ""):
                continue
            text = str(v).strip()
            if "清单" in text or "台账" in text:
                lay.title = lay.title or re.sub(r"\s+", "", text)
            m = re.search(r"填报单位[:：]\s*(.*?)\s*(?:填报时间|$)", text)
            if m:
                lay.unit = m[1].strip()
            m = re.search(r"填报时间[:：]\s*(.*)$", text)
            if m:
                lay.fill_date = m[1].strip()
            if re.fullmatch(r"附件\s*2", text):
                lay.kind_hint = LAND
            elif re.fullmatch(r"附件\s*3", text):
                lay.kind_hint = MINING
    if "用地" in lay.title:
        lay.kind_hint = LAND
    elif "采矿" in lay.title or "矿" in lay.title:
        lay.kind_hint = MINING
    elif lay.kind_hint is None:
        fields = set(lay.columns.values())
        if "court_referral" in fields:
            lay.kind_hint = LAND
        elif fields & {"is_compliant", "permit_no", "mineral"}:
            lay.kind_hint = MINING


def _find_footer(grid: Grid, lay: Layout) -> None:
    for r in range(lay.header_bottom + 1, len(grid.rows)):
        first = next((v for v in grid.rows[r] if v not in (None, "")), None)
        if first is not None and _FOOTER.match(normalise_label(first)):
            lay.footer_row = r
            return


def column_letter(c: int) -> str:
    """0-based column index → Excel letter (0 → A)."""
    return get_column_letter(c + 1)
