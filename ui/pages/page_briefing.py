"""Page: 简报输出 — map snapshots, case check sheets (and township atlases), the semimonthly bulletin.

Files are produced only when a download button is clicked (deferred downloads), from a fresh
connection to the store, so drawing this page stays fast.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import streamlit as st

from cases.filters import CaseFilter, filter_mask
from cases.history import HistoryError, first_record_day
from cases.model import CATEGORIES, CATEGORY_SHORT, KINDS, STATUSES
from cases.output.bulletin import build_bulletin, previous_bulletin_day
from cases.output.sheets import write_sheets
from cases.output.snapshots import SnapshotRequest, snapshot_bytes
from cases.permissions import GuardedStore
from cases.store import open_store
from geo.checks import FLAGS
from geo.errors import CasemapError
from ui import common

WHOLE_COUNTY = "全县"
PREVIEW_DPI = 60
#: The filter widgets of the map snapshot tab, left to right (the order the map's 筛选 text names them).
WIDGET_ORDER = ("kind", "status", "flag", "category")


def render() -> None:
    """Draw the page."""
    st.header("简报输出")
    common.show_notes()
    county = common.county()
    st.caption(f"全部离线生成（不需要浏览器或在线底图）。地图按 CGCS2000 高斯-克吕格 3 度带第 {county.zone} 带"
               f"（EPSG:{county.epsg_with_prefix}）绘制，比例尺真实。")
    snap, sheet, bulletin = st.tabs(["地图快照", "案件核查单", "半月通报"])
    try:
        with snap:
            _snapshot_tab()
        with sheet:
            _sheet_tab()
        with bulletin:
            _bulletin_tab()
    except CasemapError as exc:
        common.show_error(exc)


# -- map snapshot ---------------------------------------------------------------------------------
def _snapshot_tab() -> None:
    path, ver = common.db_path(), common.version()
    c1, c2 = st.columns(2)
    town = c1.selectbox("范围", _scopes(path, ver), key="brf_town")
    title = c2.text_input("图名（留空则自动生成）", key="brf_title")
    f1, f2, f3, f4 = st.columns(4)
    kinds = f1.multiselect("类型", list(KINDS), format_func=KINDS.get, key="brf_kind", placeholder="全部")
    statuses = f2.multiselect("办理状态", STATUSES, key="brf_status", placeholder="全部")
    flags = f3.multiselect("核查标记", list(FLAGS), format_func=FLAGS.get, key="brf_flag", placeholder="不限")
    cats = f4.multiselect("违法类别", list(CATEGORIES), key="brf_cat", placeholder="全部",
                          format_func=lambda k: f"{k}. {CATEGORY_SHORT[k]}")
    o1, o2, o3 = st.columns(3)
    size = o1.radio("纸张", ("A4", "A3"), key="brf_size", horizontal=True)
    landscape = o2.radio("方向", ("横向", "纵向"), key="brf_orient", horizontal=True) == "横向"
    dpi = o3.select_slider("分辨率（dpi，PNG）", (100, 150, 200, 300), value=150, key="brf_dpi")
    # the map names the filters in the order of the widgets above
    f = CaseFilter(kinds=tuple(kinds), statuses=tuple(statuses), flags=tuple(flags), categories=tuple(cats),
                   key_order=WIDGET_ORDER)
    request = SnapshotRequest(township=None if town == WHOLE_COUNTY else town, case_filter=f,
                              title=title.strip() or None)
    cases = common.load_division(path, ver)[0]
    shown = cases[filter_mask(cases, common.load_checks(path, ver) if f.flags else None, f)]
    if request.township:
        shown = shown[shown["township"] == request.township]
    st.markdown(f"**将导出 {len(shown)} 个案件**（{town}）")
    county = common.county().name
    name = request.title or (f"{county}{town}案件分布图" if request.township else f"{county}案件分布图")
    b1, b2 = st.columns(2)
    for col, fmt in ((b1, "png"), (b2, "pdf")):
        col.download_button(f"下载地图 {fmt.upper()}", data=_snapshot_maker(path, request, fmt, size, landscape, dpi),
                            file_name=f"{name}.{fmt}", mime="image/png" if fmt == "png" else "application/pdf",
                            key=f"brf_dl_{fmt}", width="stretch")
    if st.toggle("显示预览", value=True, key="brf_preview"):
        st.image(_preview(path, ver, request, size, landscape, common.account_key()), caption="预览（低分辨率）",
                 width="stretch")


def _scopes(path: str, ver: int) -> list[str]:
    """全县 and each township; a township account, which sees its own cases only, its township alone."""
    towns = common.township_scope(path, ver)
    return towns if common.account().role == "township" else [WHOLE_COUNTY, *towns]


def _snapshot_maker(path: str, request: SnapshotRequest, fmt: str, size: str, landscape: bool,
                    dpi: float) -> Callable[[], bytes]:
    who = common.account()

    def make() -> bytes:
        store = GuardedStore(open_store(path), who)
        try:
            return snapshot_bytes(store, request, fmt=fmt, size=size, landscape=landscape, dpi=dpi)
        finally:
            store.close()

    return make


@st.cache_data(show_spinner="正在绘制预览…", max_entries=20)
def _preview(path: str, version: int, request: SnapshotRequest, size: str, landscape: bool, who: str) -> bytes:
    return snapshot_bytes(common.store(), request, fmt="png", size=size, landscape=landscape, dpi=PREVIEW_DPI)


# -- check sheets ---------------------------------------------------------------------------------
def _sheet_tab() -> None:
    path, ver = common.db_path(), common.version()
    cases = common.load_cases(path, ver)
    ids = cases["case_id"].astype(str).tolist()
    st.subheader("单个案件")
    default = st.session_state.get(common.KEY_SELECTED_CASE)
    cid = st.selectbox("案件编号", ids, index=ids.index(default) if default in ids else 0, key="brf_sheet_case")
    st.caption("A4 一页：案件与采矿许可范围、乡镇界线的位置图（越界部分红色斜线），拐点坐标（经纬度与高斯-克吕格 X/Y），"
               "面积与界外面积（亩、平方米），最远越界距离，核查标记，台账信息，核查人/审核人签字栏。")
    if cid:
        st.download_button(f"下载 {cid} 核查单 PDF", data=sheet_maker(path, [cid]), file_name=f"案件核查单_{cid}.pdf",
                           mime="application/pdf", key="brf_dl_sheet")
    st.subheader("乡镇图册")
    town = st.selectbox("乡镇", common.township_scope(path, ver), key="brf_atlas_town")
    current = common.load_division(path, ver)[0]
    town_ids = sorted(current.loc[current["township"] == town, "case_id"].astype(str))
    if town_ids:
        st.download_button(f"下载{town}核查单图册 PDF（{len(town_ids)} 页）", data=sheet_maker(path, town_ids),
                           file_name=f"案件核查单图册_{town}.pdf", mime="application/pdf", key="brf_dl_atlas")
    else:
        st.info(f"{town}没有案件。")


def sheet_maker(path: str, ids: list[str]) -> Callable[[], bytes]:
    """A no-argument function returning the check sheets (one PDF page per case) of ``ids``."""

    who = common.account()

    def make() -> bytes:
        store = GuardedStore(open_store(path), who)
        buf = io.BytesIO()
        try:
            write_sheets(store, buf, ids)
        finally:
            store.close()
        return buf.getvalue()

    return make


# -- bulletin -------------------------------------------------------------------------------------
def _bulletin_tab() -> None:
    path, ver = common.db_path(), common.version()
    c1, c2 = st.columns(2)
    today = dt.date.today()
    latest = previous_bulletin_day(today + dt.timedelta(days=1))  # the last 15th/30th up to today …
    first = _first_record(path, ver, common.account_key())
    if first is not None and latest < first:  # … unless the store's records start after it
        latest = min(first, today)
    day = c1.date_input("通报日期（每月15日、30日）", value=latest, key="brf_day", format="YYYY-MM-DD")
    custom = c2.checkbox("自定义变化统计起始日", key="brf_custom_since",
                         help="默认从上一期通报日（此前最近的15日或30日）起统计新增案件、状态变更和销号。")
    since = c2.date_input("起始日", value=previous_bulletin_day(day), key="brf_since", format="YYYY-MM-DD",
                          disabled=not custom) if custom else previous_bulletin_day(day)
    st.caption("通报的正文、分乡镇表、分布图、逾期事项和本期变化均按通报日当天结束时的案件状态（由审计记录重建）；"
               "审计记录无法重建的日期不予生成，并说明原因。")
    try:
        b = _bulletin_summary(path, ver, day, since, common.account_key())
    except HistoryError as exc:
        st.error(f"无法生成{day:%Y-%m-%d}的通报：{exc}", icon=":material/block:")
        return
    st.markdown(f"**第 {b.number} 期**　{b.title_date}　变化统计：{b.since_text}")
    st.write(b.phase_text)
    st.write(b.overview)
    st.markdown(f"**通报所列案件 {len(b.case_ids)} 起**（正文、分乡镇表与分布图相同）")
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("本期新增案件", len(b.new_cases))
    m2.metric("状态变更", len(b.status_changes))
    m3.metric("本期销号", len(b.closed))
    m4.metric("逾期事项", sum(len(r) for _, r in b.overdue))
    d1, d2 = st.columns(2)
    for col, fmt, label in ((d1, "docx", "下载通报 Word（可编辑）"), (d2, "pdf", "下载通报 PDF")):
        col.download_button(label, data=_bulletin_maker(path, day, since, fmt), file_name=f"工作通报_{day}.{fmt}",
                            mime="application/pdf" if fmt == "pdf" else
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                            key=f"brf_dl_bulletin_{fmt}", width="stretch")


@st.cache_data(show_spinner=False, max_entries=20)
def _first_record(path: str, version: int, who: str) -> dt.date | None:
    return first_record_day(common.store())


@st.cache_data(show_spinner=False, max_entries=20)
def _bulletin_summary(path: str, version: int, day: dt.date, since: dt.date, who: str):
    return build_bulletin(common.store(), day=day, since=since, with_map=False)


def _bulletin_maker(path: str, day: dt.date, since: dt.date, fmt: str) -> Callable[[], bytes]:
    who = common.account()

    def make() -> bytes:
        from cases.output.bulletin_files import write_docx, write_pdf

        store = GuardedStore(open_store(path), who)
        try:
            b = build_bulletin(store, day=day, since=since)
        finally:
            store.close()
        buf = io.BytesIO()
        (write_docx if fmt == "docx" else write_pdf)(b, buf)
        return buf.getvalue()

    return make
