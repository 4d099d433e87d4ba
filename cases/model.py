"""Case and permit model: the ledger columns of 附件2/附件3, categories, statuses and validation."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from cases.divisions import county_divisions
from geo.errors import LedgerFormatError, ValidationError

COUNTY = "代县"
#: The campaign start: a case found after it is "顶风作案".
CAMPAIGN_START = dt.date(2019, 6, 4)


LAND, MINING = "land", "mining"
KINDS = {LAND: "用地", MINING: "采矿"}

#: The ten violation categories of 主要任务 1–10; 1–5 are land, 6–10 mining.
CATEGORIES: dict[int, str] = {
    1: "以设施农业为名违法违规建设",
    2: "卫片执法检查发现的违法违规用地",
    3: "卫片执法检查未发现的违法违规用地",
    4: "违反法定程序征地或以临时用地变相支持未批先建",
    5: "违反规划违规建设和销售",
    6: "无证开采、无证勘查、以采代探",
    7: "超出批准矿区范围开采",
    8: "擅自以工程名义开采浅层煤、浅层矿",
    9: "擅自改变开采方式",
    10: "不按批准矿种开采",
}
CATEGORY_SHORT: dict[int, str] = {
    1: "设施农业", 2: "卫片发现", 3: "卫片未发现", 4: "违规征地/临时用地", 5: "违反规划",
    6: "无证开采", 7: "越界开采", 8: "工程名义采矿", 9: "改变开采方式", 10: "不按矿种开采",
}

#: Lifecycle, in order.
STATUSES: tuple[str, ...] = ("排查发现", "已立案", "查处整改中", "乡镇已验收", "县级已验收", "已销号")
#: Statuses that count as 整改到位 (rectified).
RECTIFIED_STATUSES = frozenset(STATUSES[3:])
CLOSED_STATUS = "已销号"


def known_townships(county: str | None = None) -> tuple[str, ...]:
    """Every township name of ``county`` (default 代县) in any of its divisions (data/divisions/), newest first.

    Empty when there is no division data for the county.
    """
    data = county_divisions(county or COUNTY)
    return data.known_names() if data is not None else ()


def township_name(value: str, names: Sequence[str] | None = None) -> str:
    """The township of ``names`` (default: :func:`known_townships`) named by ``value``, also without 镇/乡 or
    with 人民政府 ("峨口" → 峨口镇).

    Raises ValidationError naming the value and the townships allowed, also when a short name fits two
    townships of different divisions ("峪口": 峪口镇 or 峪口乡).
    """
    names = tuple(known_townships() if names is None else names)
    text = re.sub(r"\s+", "", str(value)).replace("人民政府", "")
    if text in names:
        return text
    found = [t for t in names if text == t[:-1]]
    if len(found) == 1:
        return found[0]
    if found:
        raise ValidationError(f"「{value}」可以指{'或'.join(found)}（不同时期的区划），请写全称")
    raise ValidationError(f"「{value}」不是{COUNTY}的乡镇，应为：{'、'.join(names) or '（没有区划数据）'}")


def township_option(value: str) -> str:
    """A ``--township`` option value as a township name; LedgerFormatError (``--township …``) otherwise."""
    try:
        return township_name(value)
    except ValidationError as exc:
        raise LedgerFormatError(f"--township {exc}") from None


def category_kind(category: int) -> str:
    """Return the kind (land or mining) that a category 1–10 belongs to."""
    return LAND if category <= 5 else MINING


@dataclass(frozen=True)
class LedgerField:
    """One column of a ledger: attribute name, Chinese label, type and which kinds have it."""

    name: str
    label: str
    type: str  # text | int | float | date | bool
    kinds: tuple[str, ...] = (LAND, MINING)
    group: str = ""


#: Every ledger column of 附件2/附件3 plus the fields casemap adds, in ledger order.
LEDGER_FIELDS: tuple[LedgerField, ...] = (
    LedgerField("seq", "序号", "int"),
    LedgerField("county", "县（市、区）", "text"),
    LedgerField("summary", "基本情况（摘要）", "text", group="基本情况"),
    LedgerField("party", "违法主体", "text", group="基本情况"),
    LedgerField("violation_time", "违法时间", "text", group="基本情况"),
    LedgerField("location", "地点", "text", group="基本情况"),
    LedgerField("area_mu_declared", "亩数", "float", group="基本情况"),
    LedgerField("mineral", "矿种", "text", (MINING,), group="基本情况"),
    LedgerField("handling", "处理方式", "text", group="查处情况"),
    LedgerField("filing_authority", "立案机关", "text", group="查处情况"),
    LedgerField("filing_date", "立案时间", "date", group="查处情况"),
    LedgerField("penalty", "处罚决定及执行情况", "text", group="查处情况"),
    LedgerField("fine_wan", "罚款（万元）", "float", group="查处情况"),
    LedgerField("mined_value_wan", "开采矿产品价值（万元）", "float", (MINING,), group="查处情况"),
    LedgerField("criminal_persons", "追刑情况（人）", "int", group="查处情况"),
    LedgerField("accountability_persons", "追责情况（人）", "int", group="查处情况"),
    LedgerField("court_referral", "移送法院执行情况", "text", (LAND,), group="查处情况"),
    LedgerField("remarks", "备注", "text", group="查处情况"),
    LedgerField("accept_county", "县级验收", "bool", group="验收情况"),
    LedgerField("accept_city", "市级验收", "bool", group="验收情况"),
    LedgerField("accept_province", "省级验收", "bool", group="验收情况"),
    LedgerField("is_compliant", "是否达标", "bool", (MINING,), group="验收情况"),
    LedgerField("is_accepted", "是否验收", "bool", (MINING,), group="验收情况"),
    LedgerField("is_closed", "是否销号", "bool", (MINING,), group="验收情况"),
)
#: Fields casemap keeps beyond the ledger columns.
EXTRA_FIELDS: tuple[LedgerField, ...] = (
    LedgerField("case_id", "案件编号", "text"),
    LedgerField("kind", "类型", "text"),
    LedgerField("category", "违法类别", "int"),
    LedgerField("township", "责任乡镇", "text"),
    LedgerField("permit_no", "采矿许可证号", "text", (MINING,)),
    LedgerField("found_date", "发现日期", "date"),
    LedgerField("status", "办理状态", "text"),
)
FIELD_LABELS: dict[str, str] = {f.name: f.label for f in EXTRA_FIELDS + LEDGER_FIELDS}
FIELD_LABELS.update(defiant="顶风作案", version="版本", updated_at="更新时间", updated_by="更新人")


@dataclass
class Case:
    """One illegal land parcel (用地) or illegal mine site (采矿), with every ledger column."""

    case_id: str
    kind: str
    category: int
    township: str
    status: str = STATUSES[0]
    found_date: dt.date | None = None
    permit_no: str | None = None
    geometry: BaseGeometry | None = None
    seq: int | None = None
    county: str = COUNTY
    summary: str = ""
    party: str = ""
    violation_time: str = ""
    location: str = ""
    area_mu_declared: float | None = None
    mineral: str = ""
    handling: str = ""
    filing_authority: str = ""
    filing_date: dt.date | None = None
    penalty: str = ""
    fine_wan: float = 0.0
    #: 开采矿产品价值（万元）: the value of the minerals mined (采矿 only), checked against the referral threshold.
    mined_value_wan: float | None = None
    criminal_persons: int = 0
    accountability_persons: int = 0
    court_referral: str = ""
    remarks: str = ""
    accept_county: bool = False
    accept_city: bool = False
    accept_province: bool = False
    is_compliant: bool = False
    is_accepted: bool = False
    is_closed: bool = False
    version: int = 0
    updated_at: str = ""
    updated_by: str = ""

    @property
    def defiant(self) -> bool:
        """顶风作案: found after the campaign started."""
        return self.found_date is not None and self.found_date > CAMPAIGN_START

    def to_record(self) -> dict[str, Any]:
        """Return the case as a flat dict (geometry kept as a shapely object)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def with_changes(self, **changes: Any) -> Case:
        """Return a copy with ``changes`` applied (not validated)."""
        return replace(self, **changes)


@dataclass
class Permit:
    """An approved mining permit (采矿许可证) with its licensed area."""

    permit_no: str
    holder: str
    mineral: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    geometry: BaseGeometry | None = None
    mining_method: str = ""
    elev_top: float | None = None
    elev_bottom: float | None = None
    mine_name: str = ""

    def to_record(self) -> dict[str, Any]:
        """Return the permit as a flat dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})[./](\d{1,2})[./](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)


def parse_date(value: Any, *, field_label: str = "日期") -> dt.date | None:
    """Parse a date given as a date, ISO text, 2019.6.4, 2019/6/4 or 2019年6月4日; None for blank.

    Raises ValidationError naming ``field_label`` for anything else.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text or text.lower() in {"nan", "nat", "none"}:
        return None
    text = text.split("T")[0].split(" ")[0]
    for pat in _DATE_PATTERNS:
        m = pat.match(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise ValidationError(f"{field_label}「{value}」不是有效日期，应为 YYYY-MM-DD（如 2019-06-04）")


def validate_case(case: Case, *, require_location: bool = True, townships: Collection[str] | None = None) -> list[str]:
    """Return Chinese messages for every rule ``case`` breaks (empty when valid).

    ``require_location=False`` accepts a case without a position yet (未定位: a ledger row whose
    coordinates are still to be surveyed); a position that is given must still be valid.
    ``townships`` are the allowed 责任乡镇 (default: every township of the case's county in any division,
    so a case keeps the township declared at the time; any non-empty name for a county without data).
    """
    errs: list[str] = []
    cid = case.case_id or "(无编号)"
    if not str(case.case_id or "").strip():
        errs.append("案件编号为空")
    if case.kind not in KINDS:
        errs.append(f"案件 {cid}：类型「{case.kind}」无效，应为 land（用地）或 mining（采矿）")
    if case.category not in CATEGORIES:
        errs.append(f"案件 {cid}：违法类别「{case.category}」无效，应为 1–10")
    elif case.kind in KINDS and category_kind(case.category) != case.kind:
        errs.append(
            f"案件 {cid}：违法类别 {case.category}（{CATEGORY_SHORT[case.category]}）属于"
            f"{KINDS[category_kind(case.category)]}类，与案件类型「{KINDS[case.kind]}」不符"
        )
    allowed = tuple(townships) if townships is not None else known_townships(case.county or COUNTY)
    if not str(case.township or "").strip() or (allowed and case.township not in allowed):
        errs.append(f"案件 {cid}：责任乡镇「{case.township}」不是{case.county or COUNTY}的乡镇，应为：{'、'.join(allowed)}")
    if case.status not in STATUSES:
        errs.append(f"案件 {cid}：办理状态「{case.status}」无效，应为：{' → '.join(STATUSES)}")
    for name in ("area_mu_declared", "fine_wan", "mined_value_wan", "criminal_persons", "accountability_persons"):
        v = getattr(case, name)
        if v is not None and v == v and v < 0:
            errs.append(f"案件 {cid}：{FIELD_LABELS[name]}不能为负数（{v}）")
    for name in ("found_date", "filing_date"):
        v = getattr(case, name)
        if v is not None and not isinstance(v, dt.date):
            errs.append(f"案件 {cid}：{FIELD_LABELS[name]}「{v}」不是日期，应为 YYYY-MM-DD")
    g = case.geometry
    if g is None or g.is_empty:
        if require_location:
            errs.append(f"案件 {cid}：缺少位置（点或面）")
    elif g.geom_type not in ("Point", "Polygon", "MultiPolygon"):
        errs.append(f"案件 {cid}：几何类型 {g.geom_type} 不支持，应为点或面")
    elif not shapely.is_valid(g):
        errs.append(f"案件 {cid}：几何图形无效（{shapely.is_valid_reason(g)}）")
    if case.kind == LAND and case.permit_no:
        errs.append(f"案件 {cid}：用地案件不应填写采矿许可证号")
    if case.kind == LAND and case.mined_value_wan is not None and case.mined_value_wan == case.mined_value_wan:
        errs.append(f"案件 {cid}：用地案件不应填写{FIELD_LABELS['mined_value_wan']}")
    return errs


def consistency_notes(case: Case) -> list[str]:
    """Soft warnings where the status and the 验收/销号 boxes disagree (ledgers may lag, so not errors)."""
    out = []
    stage = STATUSES.index(case.status) if case.status in STATUSES else -1
    county_stage = STATUSES.index("县级已验收")
    if stage >= county_stage and not case.accept_county:
        out.append(f"案件 {case.case_id}：办理状态为「{case.status}」，但“县级验收”未填“是”")
    if case.accept_county and 0 <= stage < county_stage:
        out.append(f"案件 {case.case_id}：“县级验收”为“是”，但办理状态仍为「{case.status}」")
    if case.kind == MINING and case.status == CLOSED_STATUS and not case.is_closed:
        out.append(f"案件 {case.case_id}：办理状态为「已销号」，但“是否销号”未填“是”")
    if case.kind == MINING and case.is_closed and case.status != CLOSED_STATUS:
        out.append(f"案件 {case.case_id}：“是否销号”为“是”，但办理状态为「{case.status}」")
    return out


def check_case(case: Case, *, require_location: bool = True) -> Case:
    """Return ``case`` when valid, else raise ValidationError listing every problem."""
    errs = validate_case(case, require_location=require_location)
    if errs:
        raise ValidationError("；".join(errs))
    return case


#: Bookkeeping fields that a case diff (and so the audit log) leaves out.
BOOKKEEPING_FIELDS = frozenset({"version", "updated_at", "updated_by"})


def case_diff(old: Case | None, new: Case) -> dict[str, tuple[Any, Any]]:
    """The fields that differ between two versions of a case: ``{field: (old, new)}``; the one case diff.

    Bookkeeping fields are left out; None and "" count as the same; geometries are compared exactly
    (1e-9 degrees, same vertex order).  ``old`` None (a new case) compares against an empty case.
    """
    out: dict[str, tuple[Any, Any]] = {}
    for f in fields(Case):
        if f.name in BOOKKEEPING_FIELDS:
            continue
        a, b = (getattr(old, f.name) if old is not None else None), getattr(new, f.name)
        if f.name == "geometry":
            same = (a is None) == (b is None) and (a is None or shapely.equals_exact(a, b, 1e-9))
        else:
            same = a == b or (a in (None, "") and b in (None, ""))
        if not same:
            out[f.name] = (a, b)
    return out
