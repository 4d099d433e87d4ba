"""One ledger row → one Case: typed values, defaults, summary facts, geometry; every problem named by row and column.

Defaults when a column is absent (documented in the README, 台账导入导出):

- 案件编号: ``YD-<责任乡镇>-<序号:03d>`` (用地) or ``CK-<责任乡镇>-<序号:03d>`` (采矿); the same file always
  gives the same ids, so importing it again updates instead of duplicating.
- 责任乡镇: the column, else the township named in 填报单位, else the one township named in 基本情况.
- 违法类别: the column, else inferred from keywords of 基本情况 (设施农业 → 1, 卫片 → 2, 征地/临时用地 → 4,
  规划 → 5; 越界/超出 → 7, 浅层/工程名义 → 8, 开采方式 → 9, 矿种 → 10, 无证 → 6), else 3 (用地) or 6 (采矿).
- 办理状态: the column, else from the row (是否销号 → 已销号; 县/市/省级验收 → 县级已验收; 是否验收 → 乡镇已验收;
  处罚决定 → 查处整改中; 立案 → 已立案; otherwise 排查发现), never earlier than the stored status.
- 违法主体/违法时间/地点/亩数/矿种: the column, else found in 基本情况.  罚款（万元）: the column, else the sum of
  "罚款X万元" in 处罚决定.  Geometry: 坐标 (WKT or 拐点), 经度/纬度, X/Y, the GEOFILE, else the stored one.
- For a case already in the store, a column missing from the file keeps the stored value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import shapely

from cases.county import DAIXIAN, County
from cases.ledger.geometry import check_geometry, parse_geometry_cell
from cases.ledger.layout import LABELS
from cases.ledger.summary import extract_facts, extract_fine_wan
from cases.ledger.values import (
    blank,
    lonlat_point,
    lonlat_points_in,
    to_area,
    to_bool,
    to_category,
    to_count,
    to_date,
    to_fine,
    to_int,
    to_kind,
    to_mined_value,
    to_status,
    to_text,
    to_township,
    township_in,
)
from cases.model import COUNTY, LAND, MINING, STATUSES, Case, consistency_notes
from geo.crs import gk_pairs, gk_to_lonlat
from geo.errors import CRSError, GeometryError, LedgerCellError

_CONVERT: dict[str, Callable[[Any], Any]] = {
    "seq": to_int, "filing_date": to_date, "found_date": to_date, "criminal_persons": to_count,
    "accountability_persons": to_count, "area_mu_declared": to_area, "fine_wan": to_fine, "category": to_category,
    "mined_value_wan": to_mined_value,
    "township": to_township, "status": to_status, "kind": to_kind,
    **{f: to_bool for f in ("accept_county", "accept_city", "accept_province", "is_compliant", "is_accepted", "is_closed")},
}
_TEXT = ("county", "summary", "party", "violation_time", "location", "mineral", "handling", "filing_authority",
         "penalty", "court_referral", "remarks", "case_id", "permit_no")
_KEYWORDS = [(1, "设施农业"), (2, "卫片"), (4, "临时用地"), (4, "征地"), (4, "征收"), (5, "规划"),
             (7, "越界"), (7, "超出批准"), (7, "超层"), (8, "浅层"), (8, "工程名义"), (9, "开采方式"),
             (10, "矿种"), (6, "无证"), (6, "以采代探"), (6, "盗采")]
_ROW_PREFIX = re.compile(r"^第 \d+ 行[：:]?\s*")
_FACT_FIELDS = {"party": "party", "violation_time": "time", "location": "location", "area_mu_declared": "area_mu",
                "mineral": "mineral"}


@dataclass
class LedgerRow:
    """One data row: its sheet, Excel row number, kind and raw values by field (with column letters)."""

    sheet: str
    row: int
    kind: str
    values: dict[str, Any]
    cols: dict[str, str]
    township_hint: str | None = None
    key_geometry: shapely.Geometry | None = None

    def where(self, name: str) -> str:
        """``第 7 行 F 列（立案时间）`` for messages."""
        col = self.cols.get(name, "")
        return f"第 {self.row} 行 {col + ' 列' if col else ''}（{LABELS.get(name, name)}）"


@dataclass
class RowResult:
    """The case built from a row (None when the row has errors), its errors, notes and missing facts."""

    case: Case | None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: tuple[str, ...] = ()


def _infer_category(kind: str, summary: str) -> tuple[int, bool]:
    for cat, word in _KEYWORDS:
        if word in summary and (cat <= 5) == (kind == LAND):
            return cat, True
    return (3 if kind == LAND else 6), False


def _infer_status(v: dict[str, Any]) -> str:
    if v.get("is_closed"):
        return "已销号"
    if v.get("accept_county") or v.get("accept_city") or v.get("accept_province"):
        return "县级已验收"
    if v.get("is_accepted"):
        return "乡镇已验收"
    if v.get("penalty") or v.get("handling"):
        return "查处整改中"
    if v.get("filing_date") or v.get("filing_authority"):
        return "已立案"
    return STATUSES[0]


def _fine_suffix(fine: float) -> str:
    return f"（罚款{fine:g}万元）"


def case_id_for(kind: str, township: str, seq: int) -> str:
    """The generated 案件编号 of a row without one: ``YD-峨口镇-007`` / ``CK-峨口镇-007``."""
    return f"{'YD' if kind == LAND else 'CK'}-{township}-{seq:03d}"


def next_seq(cases: pd.DataFrame, *, kind: str, township: str) -> int:
    """The 序号 a new case takes in its township's ledger: one more than the largest 序号 of the cases of
    ``kind`` declared in ``township`` (1 for the first).

    Given when a case is added without one (案件管理), stored and audited with the case, so the exported
    ledger prints it and a re-import of that ledger finds the case unchanged.
    """
    if cases.empty:
        return 1
    mine = (cases["kind"] == kind) & (cases["township"].astype(str) == township)
    seqs = pd.to_numeric(cases.loc[mine, "seq"], errors="coerce").dropna()
    return int(seqs.max()) + 1 if len(seqs) else 1


def lonlat_points(rows: list[LedgerRow], *, county: shapely.Geometry | None,
                  division: County = DAIXIAN) -> list[shapely.Geometry | None]:
    """Each row located by 经度/纬度 (no 坐标 cell): its point, checked for the whole sheet at once where it passes
    every check (:func:`cases.ledger.values.lonlat_points_in`); None for every other row (checked one by one)."""
    out: list[shapely.Geometry | None] = [None] * len(rows)
    at = [i for i, r in enumerate(rows)
          if blank(r.values.get("wkt")) and not (blank(r.values.get("lon")) and blank(r.values.get("lat")))]
    points = lonlat_points_in([rows[i].values.get("lon") for i in at], [rows[i].values.get("lat") for i in at],
                              county=county, division=division)
    for i, point in zip(at, points):
        out[i] = point
    return out


def row_to_case(row: LedgerRow, *, existing: Callable[[str], Case | None], county: shapely.Geometry | None,
                division: County = DAIXIAN, point: shapely.Geometry | None = None) -> RowResult:
    """Build the Case of one ledger row; collect every error of the row instead of stopping at the first.

    Coordinates are read in the zone and box of ``division`` (the store's county, default 代县).  ``point``: the
    row's 经度/纬度 point already checked with its sheet (:func:`lonlat_points`), else None.
    """
    res = RowResult(None)
    v: dict[str, Any] = {}
    present = set(row.values)
    for name, raw in row.values.items():
        if name in _CONVERT:
            try:
                v[name] = to_township(raw, division=division) if name == "township" else _CONVERT[name](raw)
            except LedgerCellError as exc:
                res.errors.append(f"{row.where(name)}：{exc.reason}")
        elif name in _TEXT:
            v[name] = to_text(raw)
    kind = v.get("kind") or row.kind
    if kind == LAND and v.get("permit_no"):
        res.errors.append(f"{row.where('permit_no')}：用地案件不应填写采矿许可证号")
    summary = v.get("summary", "")
    township = v.get("township") or row.township_hint or township_in(summary) or township_in(v.get("location", ""))
    case_id = v.get("case_id", "")
    if not case_id:
        if township is None or v.get("seq") is None:
            need = "责任乡镇" if township is None else "序号"
            res.errors.append(f"第 {row.row} 行：未填写案件编号，且缺少{need}，无法生成案件编号（规则：YD/CK-乡镇-序号）")
        else:
            case_id = case_id_for(kind, township, v["seq"])
    old = existing(case_id) if case_id else None
    if township is None and old is not None:
        township = old.township
    if township is None:
        res.errors.append(f"{row.where('township')}：无法确定责任乡镇；请填写“责任乡镇”列，或在填报单位中写明乡镇")
    geom, gnotes = _geometry(row, res, old, county, division, point)
    if old is not None and same_geometry(old.geometry, geom):
        geom = old.geometry  # vertex order or 1e-7° rounding of an exchange format is no change
    if res.errors:
        return res
    facts = extract_facts(summary, kind=kind)
    fields: dict[str, Any] = {}
    for name, fact in _FACT_FIELDS.items():
        if name in present and not blank(row.values.get(name)):
            fields[name] = v[name]
        elif old is not None and summary == old.summary:
            # a blank (or missing) cell beside an unchanged 基本情况 keeps the stored value, even a blank one: the
            # facts are read from the summary only for a new case or a changed summary (so an unchanged
            # export re-imports with no change)
            fields[name] = getattr(old, name)
        else:
            fields[name] = getattr(facts, fact) if (name != "mineral" or kind == MINING) else ""
    res.missing = tuple(m for m in facts.missing if _missing_field(m) not in present or blank(row.values.get(_missing_field(m))))
    penalty = v.get("penalty", old.penalty if old and "penalty" not in present else "")
    if "fine_wan" in present:
        fine = v["fine_wan"]
        if fine and penalty.endswith(_fine_suffix(fine)):
            penalty = penalty[: -len(_fine_suffix(fine))]
    elif old is not None and "penalty" not in present:
        fine = old.fine_wan
    else:
        fine = extract_fine_wan(penalty) or 0.0
    category = v.get("category")
    if category is None:
        if old is not None:
            category = old.category
        else:
            category, inferred = _infer_category(kind, summary)
            res.notes.append(f"第 {row.row} 行：未填写违法类别，{'按基本情况推断' if inferred else '默认'}为 {category} 类")
    base = old.to_record() if old is not None else {}
    rec = {k: base[k] for k in base if k not in ("version", "updated_at", "updated_by")}
    rec.update({k: v[k] for k in v if k in Case.__dataclass_fields__ and k in present})
    rec.update(fields)
    rec.update(case_id=case_id, kind=kind, category=category, township=township, penalty=penalty, fine_wan=fine,
               geometry=geom)
    home = COUNTY if division.adcode == DAIXIAN.adcode else division.name
    rec.setdefault("county", home)
    if not rec.get("county"):
        rec["county"] = home
    status = v.get("status")
    if status is None:
        inferred = _infer_status({**rec, **v})
        prev = old.status if old is not None else STATUSES[0]
        status = max(inferred, prev, key=STATUSES.index)
    rec["status"] = status
    res.notes += gnotes
    res.case = Case(**{k: rec[k] for k in rec if k in Case.__dataclass_fields__})
    res.notes += [f"第 {row.row} 行：{n.split('：', 1)[1]}" for n in consistency_notes(res.case)]
    return res


def same_geometry(a: shapely.Geometry | None, b: shapely.Geometry | None, *, tolerance: float = 1e-7) -> bool:
    """True when ``a`` and ``b`` are the same shape up to vertex order, ring orientation and ``tolerance`` degrees."""
    if a is None or b is None:
        return a is b
    return bool(shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance))


def _missing_field(label: str) -> str:
    return {"违法主体": "party", "时间": "violation_time", "地点": "location", "亩数": "area_mu_declared",
            "矿种": "mineral"}[label]


def _number(value, axis: str) -> float:
    try:
        return float(to_text(value))
    except ValueError:
        raise LedgerCellError(f"{axis} 坐标「{to_text(value)}」不是数字", value=value) from None


def _geometry(row: LedgerRow, res: RowResult, old: Case | None, county,
              division: County = DAIXIAN, point: shapely.Geometry | None = None) -> tuple[shapely.Geometry | None, list[str]]:
    vals = row.values
    geom, notes, src = None, [], ""
    try:
        if not blank(vals.get("wkt")):
            src = "wkt"
            geom, notes = parse_geometry_cell(vals["wkt"], label=f"第 {row.row} 行", division=division)
        elif not blank(vals.get("lon")) or not blank(vals.get("lat")):
            src = "lon"
            if point is not None:  # checked with its sheet: in the box and touching the outline, no note
                return point, []
            geom = lonlat_point(vals.get("lon"), vals.get("lat"), division=division)
        elif not blank(vals.get("gk_x")) and not blank(vals.get("gk_y")):
            src = "gk_x"
            x, y, swapped = gk_pairs(_number(vals["gk_x"], "X"), _number(vals["gk_y"], "Y"), where=f"第 {row.row} 行",
                                     **division.keywords)
            lon, lat = gk_to_lonlat(x, y, zone=division.zone)
            geom = shapely.Point(float(lon), float(lat))
            if swapped:
                notes.append("X/Y 坐标颠倒，已自动交换")
        elif row.key_geometry is not None:
            src, geom = "geofile", row.key_geometry
        elif old is not None and old.geometry is not None:
            return old.geometry, []
        else:
            return None, [
                f"第 {row.row} 行：没有位置，作为“未定位”案件导入（不参与空间核查）；可稍后填写“坐标（WKT）”或"
                "“经度/纬度”列重新导入，或用 --geometry 指定几何文件并以 --key 关联"
            ]
        geom, more = check_geometry(geom, county=county, division=division)
        notes += more
    except (LedgerCellError, GeometryError, CRSError) as exc:
        # GeometryError/CRSError come from the shared 拐点 and CRS rules, which name the row themselves
        where = row.where(src) if src in row.cols else f"第 {row.row} 行（{'几何文件' if src == 'geofile' else '坐标'}）"
        reason = exc.reason if isinstance(exc, LedgerCellError) else _ROW_PREFIX.sub("", str(exc))
        res.errors.append(f"{where}：{reason}")
        return None, []
    where = row.where(src) if src in row.cols else f"第 {row.row} 行"
    return geom, [f"{where}：{_ROW_PREFIX.sub('', n)}" for n in notes]
