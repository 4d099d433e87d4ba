"""案件核查单: one A4 page per case — map, corner coordinates, measures, flags, ledger row, signatures.

:func:`sheet_data` gathers what a sheet shows from the store (checks run once for all sheets);
:func:`sheet_page` lays one sheet out on a :class:`geo.printmap.page.Page`.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from cases.county import DAIXIAN, County, county_of
from cases.evidence.sheet import SheetPhotos, photo_page, sheet_photos
from cases.io.files import atomic_output
from cases.model import CATEGORIES, FIELD_LABELS, KINDS, LEDGER_FIELDS
from cases.output.figures import check_suffix, pdf_fonts, producing_unit
from cases.output.fonts import font_family
from cases.output.referrals import UNREADABLE, Referrals, case_referrals
from cases.service import assign_townships, check_store, row_names, store_cases, store_divisions, store_notes
from cases.store import CaseStore
from cases.text import date_text, is_missing, value_text
from cases.triage.referral import FLAG_LABEL
from geo.checks import FLAGS, outside_of
from geo.crs import M2_PER_MU, ZONE, lonlat_to_gk, to_area_crs
from geo.errors import ValidationError
from geo.printmap.page import Page
from geo.printmap.sheetmap import draw_case_map

#: Corner rows listed on the sheet; a parcel with more vertices gets a note.
MAX_CORNERS = 8
#: Ledger fields printed full width (long text).
LONG_FIELDS = ("summary", "handling", "penalty", "court_referral", "remarks")
SHEET_TITLE = "案件核查单"
#: The campaign named at the head of a sheet; ``{county}`` is the store's county.
CAMPAIGN_NAME = "{county}严厉打击非法违法用地用矿专项行动"


@dataclass
class SheetData:
    """Everything one check sheet shows."""

    case: dict
    geometry: gpd.GeoSeries
    check: dict
    townships: gpd.GeoDataFrame
    permit: gpd.GeoSeries | None
    permit_info: dict | None
    unit: str
    date_text: str
    notes: list[str] = field(default_factory=list)
    #: The store's county: its zone for the corner coordinates, its CRS for areas and the map.
    division: County = DAIXIAN
    #: 现场照片 (cases.evidence): up to four, printed on a page following the sheet.
    photos: SheetPhotos | None = None
    #: The criminal-referral rules the case reaches, with the numbers and the rule file ("" when none).
    referral: str = ""


def sheet_data(store: CaseStore, case_ids: list[str], *, unit: str, day: dt.date | None = None) -> list[SheetData]:
    """The sheets of ``case_ids`` (in that order); ValidationError names an unknown id."""
    all_cases = store.cases()
    known = set(all_cases["case_id"])
    missing = [c for c in case_ids if c not in known]
    if missing:
        raise ValidationError(f"案件库中没有编号为「{'、'.join(missing)}」的案件")
    sel = all_cases.set_index("case_id", drop=False).loc[case_ids]
    unlocated = sel.loc[sel.geometry.isna() | sel.geometry.is_empty, "case_id"].tolist()
    if unlocated:
        raise ValidationError(f"案件「{'、'.join(unlocated)}」尚未定位（没有坐标），无法生成核查单；"
                              "请先在“案件管理”或台账中补充位置")
    sel = gpd.GeoDataFrame(sel.reset_index(drop=True), geometry="geometry", crs=all_cases.crs)
    checks = check_store(store, cases=sel).set_index("case_id")
    permits = store.permits().set_index("permit_no", drop=False)
    towns = store.townships()
    current = assign_townships(sel, towns, store_divisions(store)) if len(towns) else sel["township"].to_numpy()
    notes = store_notes(store)
    county = county_of(store)
    ref = case_referrals(store, sel)  # 涉嫌犯罪移送: the rule that fired and the numbers
    notes = notes + ([UNREADABLE] if ref is None else ref.notes)
    out = []
    for i, rec in enumerate(sel.drop(columns="geometry").to_dict("records")):
        rec["current_township"] = current[i]
        chk = checks.loc[rec["case_id"]].to_dict()
        pno = chk.get("permit_no") or rec.get("permit_no")
        has_permit = bool(pno) and pno in permits.index
        out.append(SheetData(
            case=rec, geometry=sel.geometry.iloc[[i]], check=chk, townships=towns,
            permit=permits.loc[[pno]].geometry if has_permit else None,
            permit_info=permits.loc[pno].drop("geometry").to_dict() if has_permit else None,
            unit=unit, date_text=date_text(day or dt.date.today()), notes=notes, division=county,
            photos=sheet_photos(store, rec["case_id"]),
            referral=_referral(ref, str(rec["case_id"])),
        ))
    return out


def corner_rows(geometry: gpd.GeoSeries, *, zone: int = ZONE) -> tuple[list[list[str]], int]:
    """Rows 点号, 经度, 纬度, X, Y for the case's corners (at most MAX_CORNERS) and the corner count.

    Lon/lat are CGCS2000 degrees (6 decimals); X (northing) and Y (easting with the zone prefix, 38 for
    代县) are Gauss-Krüger metres of ``zone`` (2 decimals).
    """
    g = geometry.to_crs(4490).iloc[0]
    if shapely.get_type_id(g) == 0:
        coords = np.array([[g.x, g.y]])
    else:
        coords = np.concatenate([np.asarray(p.exterior.coords)[:-1] for p in shapely.get_parts(g)])
    x, y = lonlat_to_gk(coords[:, 0], coords[:, 1], zone=zone)
    rows = [[str(i + 1), f"{lon:.6f}", f"{lat:.6f}", f"{xn:.2f}", f"{ye:.2f}"]
            for i, (lon, lat, xn, ye) in enumerate(zip(coords[:, 0], coords[:, 1], x, y))]
    return rows[:MAX_CORNERS], len(rows)


def _fmt(value: object, kind: str) -> str:
    """A ledger value of field type ``kind`` (text/int/float/date/bool) as 核查单 text; missing → ``""``."""
    if kind == "bool" and not is_missing(value):
        value = bool(value)
    if kind == "int" and not is_missing(value):
        value = int(value)  # 序号 4, not 4.0 (a column with gaps comes back from the store as floats)
    return value_text(value, floats="g" if kind == "float" else "plain")


def measure_rows(data: SheetData) -> list[list[str]]:
    """Label/value rows: areas (亩 and m²), outside area, largest distance outside, townships, permit, flags."""
    chk = data.check
    is_point = shapely.get_type_id(data.geometry.iloc[0]) == 0
    rows = []
    if is_point:
        declared = data.case.get("area_mu_declared")
        rows.append(["面积", f"点位案件，台账亩数 {_fmt(declared, 'float') or '未填'} 亩"])
    else:
        m2 = float(to_area_crs(data.geometry).to_crs(data.division.area_crs).area.iloc[0])
        rows.append(["面积", f"{m2 / M2_PER_MU:.2f} 亩（{m2:,.1f} m²）"])
    if data.case["kind"] == "mining":
        out_m2 = chk.get("outside_area_m2")
        dist = chk.get("max_outside_distance_m")
        if out_m2 is None or np.isnan(out_m2):
            rows.append(["界外面积", "无对应采矿许可证，不计算"])
        else:
            rows.append(["界外面积", f"{out_m2 / M2_PER_MU:.2f} 亩（{out_m2:,.1f} m²）"])
            rows.append(["最远越界距离", f"{dist:.1f} m"])
    towns = chk.get("townships") or []
    rows.append(["所在乡镇（核查）", "；".join(f"{t['name']} {t['area_mu']:.2f}亩" if not is_point else t["name"]
                                        for t in towns) or "不在任何乡镇内"])
    if data.permit_info:
        p = data.permit_info
        valid = f"有效期 {_fmt(p.get('valid_from'), 'date')} 至 {_fmt(p.get('valid_to'), 'date')}"
        rows.append(["采矿许可证", f"{p['permit_no']}（{p.get('holder', '')}，{p.get('mineral', '')}，{valid}）"])
    flags = [FLAGS[f] for f in chk.get("flags") or []] + ([FLAG_LABEL] * bool(data.referral))
    rows.append(["核查标记", "、".join(flags) if flags else "无异常"])
    if data.referral:
        rows.append(["移送标准", data.referral])
    return rows


def _referral(ref: Referrals | None, case_id: str) -> str:
    """``非法占用永久基本农田 20.56 亩（标准 ≥ 5 亩）（规则文件：default.json）`` — "" when no rule fired."""
    text = ref.text.get(case_id, "") if ref is not None else ""
    return f"{text.split('：', 1)[1]}（规则文件：{ref.source}）" if text else ""


def ledger_rows(case: dict) -> tuple[list[list[str]], list[list[str]]]:
    """The case's ledger row: short fields two to a row, long text fields one to a row."""
    short, long_ = [], []
    for f in LEDGER_FIELDS:
        if case["kind"] not in f.kinds:
            continue
        value = _fmt(case.get(f.name), f.type)
        (long_ if f.name in LONG_FIELDS else short).append([f.label, value])
    pairs = [short[i] + (short[i + 1] if i + 1 < len(short) else ["", ""]) for i in range(0, len(short), 2)]
    return pairs, long_


def sheet_page(data: SheetData, *, font: str, dpi: float = 150, page_no: int | None = None,
               page_count: int | None = None) -> Page:
    """Lay out one check sheet on an A4 portrait page."""
    page = Page(font=font, size="A4", landscape=False, dpi=dpi)
    c = data.case
    left, width = 12.0, 186.0
    page.text(105, 9, CAMPAIGN_NAME.format(county=data.division.name), size=10, ha="center")
    page.text(105, 15, SHEET_TITLE, size=18, weight="bold", ha="center")
    head = (f"案件编号：{c['case_id']}　　类型：{KINDS.get(c['kind'], c['kind'])}　　违法类别：{c['category']} "
            f"{CATEGORIES.get(int(c['category']), '')}\n责任乡镇：{c['township']}{_now_in(c)}　　办理状态：{c['status']}　　"
            f"发现日期：{_fmt(c.get('found_date'), 'date')}　　{FIELD_LABELS['permit_no']}：{_fmt(c.get('permit_no'), 'text') or '无'}")
    page.text(left, 25, head, size=8.5)
    ax = page.axes(left, 37, width, 92, label="map")
    draw_case_map(ax, data.geometry, kind=c["kind"], case_id=str(c["case_id"]), townships=data.townships,
                  permit=data.permit, permit_no=(data.permit_info or {}).get("permit_no"),
                  outside=_outside(data), font=font, crs=data.division.area_crs)
    y = 133.0
    page.text(left, y, "一、位置与核查结果", size=10, weight="bold")
    corners, n = corner_rows(data.geometry, zone=data.division.zone)
    y_tab = y + 6
    bottom_l, _ = page.table(left, y_tab, [9, 20, 18, 23, 24],
                             [["点号", "经度（°）", "纬度（°）", "X（北，m）", "Y（东，m）"]] + corners, size=6.8)
    note = (f"共 {n} 个拐点，仅列前 {MAX_CORNERS} 个。" if n > MAX_CORNERS else "") + \
        "经纬度为 CGCS2000；X、Y 为高斯-克吕格 3度带 38带坐标（Y 含带号）。"
    bottom_l += 1 + page.text(left, bottom_l + 1, note, size=6, width=94, color="#333333")
    bottom_r, _ = page.table(left + 98, y_tab, [24, 64], measure_rows(data), size=7, header=False, shade=(0,))
    y = max(bottom_l, bottom_r) + 4
    page.text(left, y, "二、台账信息", size=10, weight="bold")
    pairs, long_ = ledger_rows(c)
    y, _ = page.table(left, y + 6, [28, 65, 28, 65], pairs, size=7, header=False, shade=(0, 2))
    y, _ = page.table(left, y, [28, 158], long_, size=7, header=False, shade=(0,), max_y=268)
    y = max(y + 7, 255.0)
    page.text(left, y, "核查人：＿＿＿＿＿＿＿＿　　　审核人：＿＿＿＿＿＿＿＿　　　日期：＿＿＿＿年＿＿月＿＿日", size=10)
    y += 8
    for note in data.notes:
        y += page.text(left, y, note, size=6.5, width=width, color="#b00000")
    foot = f"制表单位：{data.unit}　　生成日期：{data.date_text}"
    if page_no is not None:
        foot += f"　　第 {page_no} 页" + (f"，共 {page_count} 页" if page_count else "")
    page.footer(foot)
    return page


def _now_in(case: dict) -> str:
    """``（现属峪口镇）`` when the case's township in the current division differs from the declared one."""
    now = case.get("current_township")
    return f"（现属{now}）" if isinstance(now, str) and now and now != case.get("township") else ""


def _outside(data: SheetData) -> gpd.GeoSeries | None:
    if data.permit is None or data.case["kind"] != "mining":
        return None
    g = to_area_crs(data.geometry).to_crs(data.division.area_crs)
    return gpd.GeoSeries(outside_of(g.values, data.permit.to_crs(g.crs).values), crs=g.crs)


# -- writing ------------------------------------------------------------------------------------
def township_case_ids(store: CaseStore, township: str) -> list[str]:
    """Ids of the cases of ``township`` in the current division (:func:`cases.service.in_division`), sorted;
    ValidationError for a township not in the current township layer."""
    cases, towns = store_cases(store)
    names = row_names(cases, towns)
    if township not in names:
        raise ValidationError(f"乡镇「{township}」无效，应为：{'、'.join(names)}")
    located = ~(cases.geometry.isna() | cases.geometry.is_empty)  # 未定位 cases have no map to print
    ids = sorted(cases.loc[(cases["township"] == township) & located, "case_id"].astype(str))
    if not ids:
        raise ValidationError(f"{township}在案件库中没有案件，无法生成核查单图册")
    return ids


def write_sheets(store: CaseStore, out: str | os.PathLike | io.BytesIO, case_ids: list[str], *, unit: str | None = None,
                 day: dt.date | None = None, dpi: float = 150) -> int:
    """Write one A4 check sheet per case into one PDF (an atlas when several); return the page count."""
    if not isinstance(out, io.BytesIO):
        out = check_suffix(out, (".pdf",))
    sheets = sheet_data(store, case_ids, unit=producing_unit(store, unit), day=day)
    if isinstance(out, io.BytesIO):
        _write_pages(sheets, out, dpi=dpi)
    else:
        with atomic_output(out) as tmp:  # a failed or killed atlas never leaves a half-written PDF
            _write_pages(sheets, tmp, dpi=dpi)
    return len(sheets)


def _write_pages(sheets: list[SheetData], out: Path | io.BytesIO, *, dpi: float) -> None:
    from matplotlib.backends.backend_pdf import PdfPages

    font = font_family()
    with pdf_fonts(), PdfPages(out, metadata={"Title": "案件核查单", "Creator": "casemap"}) as pdf:
        for i, data in enumerate(sheets, start=1):
            page = sheet_page(data, font=font, dpi=dpi, page_no=i if len(sheets) > 1 else None,
                              page_count=len(sheets) if len(sheets) > 1 else None)
            pdf.savefig(page.fig)
            if data.photos is not None and data.photos.total:  # 现场照片 follow the case's sheet
                pdf.savefig(photo_page(str(data.case["case_id"]), data.photos, font=font, dpi=dpi,
                                       title=f"{SHEET_TITLE}（续）：现场照片",
                                       footer=f"制表单位：{data.unit}　　生成日期：{data.date_text}").fig)
