"""Page: 导入导出 — upload a ledger or permits, preview with bad rows highlighted, confirm; download exports."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import shapely
import streamlit as st

from cases.accounts import Account
from cases.county import county_of
from cases.ledger.importer import ParsedLedger, import_ledger, plan_import, read_ledger, store_lookup
from cases.ledger.permits import import_permits, read_permits
from cases.output.exports import export_bytes, export_name
from cases.permissions import GuardedStore
from cases.store import open_store
from geo.errors import CasemapError
from ui import common
from ui.common import db_path, show_error, show_notes, store, user_name, version

#: session_state keys of this page.
KEY_UPLOAD = "imp_upload"  # (file name, bytes) of the ledger to import
KEY_GEO_UPLOAD = "imp_geo_upload"  # (file name, bytes) of the optional GEOFILE
KEY_PARSED = "imp_parsed"  # the ParsedLedger of the last preview
KEY_READ_VERSIONS = "imp_read_versions"  # case id → version shown by the last preview (0: new)
KEY_PERMIT_UPLOAD = "imp_permit_upload"
KEY_RESULT = "imp_result"  # the summary of the last import

LEDGER_TYPES = ["xlsx", "xls", "csv", "gpkg", "geojson", "zip", "kml", "kmz"]
GEO_TYPES = ["gpkg", "geojson", "zip", "kml", "kmz"]
PERMIT_TYPES = ["txt", "xlsx", "xls", "csv", "gpkg", "geojson", "zip", "kml", "kmz"]
KINDS = {"自动判断（按标题）": None, "用地（附件2）": "land", "采矿（附件3）": "mining"}
EXPORTS = [("land.xlsx", "附件2 违法违规用地清单 (.xlsx)"), ("mining.xlsx", "附件3 非法违法采矿清单 (.xlsx)"),
           (".gpkg", "GeoPackage (.gpkg)"), (".shp.zip", "Shapefile (.shp.zip)"), (".geojson", "GeoJSON"),
           (".kml", "KML（奥维/Google Earth）"), (".kmz", "KMZ（奥维/Google Earth）")]


def _staged(upload: tuple[str, bytes], folder: Path) -> Path:
    """Write an uploaded file under its own name into ``folder`` (the readers take paths)."""
    path = folder / Path(upload[0]).name
    path.write_bytes(upload[1])
    return path


def _remember(widget_key: str, state_key: str) -> None:
    """Keep the file of an uploader in session_state as (name, bytes); forget the old preview."""
    f = st.session_state.get(widget_key)
    st.session_state[state_key] = (f.name, f.getvalue()) if f is not None else None
    st.session_state[KEY_PARSED] = None


def _progress_bar():
    bar = st.progress(0.0, text="准备导入…")
    return lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message)


def _highlight(row: pd.Series) -> list[str]:
    color = "background-color: #fde0e0" if row["错误"] else ("background-color: #fff6d6" if row["摘要未识别"] else "")
    return [color] * len(row)


def _preview(parsed: ParsedLedger) -> None:
    frame = parsed.preview()
    errors = parsed.all_errors
    bad = int((frame["错误"] != "").sum()) if not frame.empty else 0
    c1, c2, c3 = st.columns(3)
    c1.metric("台账行数", len(frame))
    c2.metric("有错误的行", bad)
    c3.metric("基本情况未全部识别", int((frame["摘要未识别"] != "").sum()) if not frame.empty else 0)
    for sheet in parsed.sheets:
        st.caption(f"工作表「{sheet['sheet']}」：{sheet['title'] or '（无标题）'}；填报单位：{sheet['unit'] or '（未填）'}；"
                   f"填报时间：{sheet['fill_date'] or '（未填）'}")
    if not frame.empty:
        st.dataframe(frame.style.apply(_highlight, axis=1), hide_index=True, width="stretch")
    if errors:
        st.error(f"发现 {len(errors)} 处错误，不能导入（全部改正后才会写入）：\n\n" + "\n".join(f"- {e}" for e in errors),
                 icon=":material/block:")
    if parsed.notes:
        with st.expander(f"提示（{len(parsed.notes)} 条）"):
            st.markdown("\n".join(f"- {n}" for n in parsed.notes))


def _ledger_tab(user: str) -> None:
    if common.read_only("导入台账"):
        return
    st.file_uploader("台账文件（附件2/附件3 的 xlsx、xls、CSV，或 GeoPackage/Shapefile.zip/GeoJSON/KML/KMZ）",
                     type=LEDGER_TYPES, key="imp_file", on_change=_remember, args=("imp_file", KEY_UPLOAD))
    kind = KINDS[st.radio("台账类型", list(KINDS), horizontal=True, key="imp_kind")]
    with st.expander("位置在另一个几何文件中（可选）"):
        st.file_uploader("几何文件（GeoPackage、Shapefile .zip、GeoJSON、KML、KMZ）", type=GEO_TYPES, key="imp_geo",
                         on_change=_remember, args=("imp_geo", KEY_GEO_UPLOAD))
        key = st.text_input("关联字段（几何文件中与案件编号或序号对应的字段，如 name）", key="imp_key").strip() or None
    upload = st.session_state.get(KEY_UPLOAD)
    if not upload:
        st.info("请上传台账文件。台账按表头文字识别（序号、基本情况（摘要）、查处情况……），多一行空行或调换列的位置都可以导入。")
        return
    geo = st.session_state.get(KEY_GEO_UPLOAD)
    s = store()
    with tempfile.TemporaryDirectory() as tmp:
        path = _staged(upload, Path(tmp))
        geo_path = _staged(geo, Path(tmp)) if geo else None
        if st.button("检查并预览", key="imp_preview", type="secondary"):
            county = s.county()
            tick = _progress_bar()
            try:
                lookup = store_lookup(s)
                st.session_state[KEY_PARSED] = parsed = read_ledger(
                    path, kind=kind, geometry=geo_path, key=key, existing=lookup,
                    county=shapely.union_all(county.geometry.values) if not county.empty else None,
                    progress=tick, division=county_of(s))
                st.session_state[KEY_READ_VERSIONS] = lookup.versions([c.case_id for c in parsed.cases])
                tick(1.0, "检查完成")  # the reader stops at 90 %: a bar left there looks still at work
            except CasemapError as exc:
                st.session_state[KEY_PARSED] = None
                show_error(exc)
        parsed: ParsedLedger | None = st.session_state.get(KEY_PARSED)
        if parsed is None:
            return
        _preview(parsed)
        if parsed.all_errors or not parsed.cases:
            return
        added, changed, unchanged = plan_import(parsed, store_lookup(s))
        st.write(f"将导入 {len(parsed.cases)} 个案件：新增 **{len(added)}** 个，变更 **{len(changed)}** 个，未变 {len(unchanged)} 个。")
        if changed:
            st.dataframe(pd.DataFrame([{"案件编号": k, "变更的字段": "、".join(v)} for k, v in changed.items()]),
                         hide_index=True)
        if st.button(f"确认导入 {len(parsed.cases)} 个案件", key="imp_confirm", type="primary"):
            try:
                rep = import_ledger(s, path, kind=kind, geometry=geo_path, key=key, user=user,
                                    progress=_progress_bar(), read_versions=st.session_state.get(KEY_READ_VERSIONS))
            except CasemapError as exc:
                show_error(exc)
                return
            st.session_state[KEY_RESULT] = rep.summary()
            st.session_state[KEY_PARSED] = None
    if st.session_state.get(KEY_RESULT):
        st.success(st.session_state[KEY_RESULT], icon=":material/check_circle:")


def _permit_tab(user: str) -> None:
    if common.account().role != "county":
        st.info("采矿许可证由领导组（县级）账号导入；需要更新许可证时请联系县局。", icon=":material/lock:")
        return
    st.file_uploader(f"采矿许可证：拐点坐标（txt/xlsx，CGCS2000 3 度带第 {common.county().zone} 带）或 GeoPackage/Shapefile.zip/GeoJSON/KML",
                     type=PERMIT_TYPES, key="imp_permit_file", on_change=_remember, args=("imp_permit_file", KEY_PERMIT_UPLOAD))
    upload = st.session_state.get(KEY_PERMIT_UPLOAD)
    if not upload:
        return
    s = store()
    with tempfile.TemporaryDirectory() as tmp:
        path = _staged(upload, Path(tmp))
        try:
            permits, notes = read_permits(path, division=county_of(s))
        except CasemapError as exc:
            show_error(exc)
            return
        st.dataframe(pd.DataFrame([{
            "采矿许可证号": p.permit_no, "采矿权人": p.holder, "矿山名称": p.mine_name, "矿种": p.mineral,
            "有效期起": p.valid_from, "有效期止": p.valid_to, "开采标高（米）": f"{p.elev_top or ''}–{p.elev_bottom or ''}",
        } for p in permits]), hide_index=True)
        for n in notes:
            st.caption(n)
        if st.button(f"确认导入 {len(permits)} 个采矿许可证", key="imp_permit_confirm", type="primary"):
            try:
                rep = import_permits(s, path, user=user)
            except CasemapError as exc:
                show_error(exc)
                return
            st.success(f"已导入 {len(rep['permits'])} 个采矿许可证：新增 {len(rep['added'])} 个，更新 {len(rep['changed'])} 个")


@st.cache_data(show_spinner=False, max_entries=32)
def _export_file(path: str, ver: int, fmt: str, township: str | None, who_key: str, _who: Account) -> bytes:
    """One export's bytes, built from a fresh connection (a deferred download runs outside the page's
    thread) and cached per store version, scope and account."""
    guarded = GuardedStore(open_store(path), _who)
    try:
        return export_bytes(guarded, fmt, township=township)[1]
    finally:
        guarded.close()


def export_maker(fmt: str, township: str | None) -> Callable[[], bytes]:
    """A no-argument function building one export when its download button is clicked."""
    path, ver, who, who_key = db_path(), version(), common.account(), common.account_key()
    return lambda: _export_file(path, ver, fmt, township, who_key, who)


def _export_tab() -> None:
    towns = common.township_scope(db_path(), version())
    town = st.selectbox("范围", towns if common.account().role == "township" else ["全县", *towns], key="exp_town")
    township = None if town == "全县" else town
    st.caption("台账按附件2/附件3 的格式排版（A4 横向，表头每页重复，可直接打印签字）；右侧灰色“casemap 管理信息”列不打印，"
               "重新导入时使用。KML/KMZ 可在奥维互动地图和 Google Earth 中打开。")
    st.caption("点击按钮时才生成文件（案件多时需几秒钟），数据未变时再次下载直接取用已生成的文件。")
    s = store()
    cols = st.columns(4)
    for i, (fmt, label) in enumerate(EXPORTS):
        cols[i % 4].download_button(label, data=export_maker(fmt, township),
                                    file_name=export_name(s, fmt, township=township), key=f"exp_{fmt}",
                                    width="stretch")


def render() -> None:
    """Draw the page."""
    st.header("导入导出")
    show_notes()
    user = user_name()  # the logged-in account: imports are never logged under a placeholder name
    t1, t2, t3 = st.tabs(["导入台账", "导入采矿许可证", "导出"])
    with t1:
        _ledger_tab(user)
    with t2:
        _permit_tab(user)
    with t3:
        _export_tab()
