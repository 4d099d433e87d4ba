"""Page: 卫片图斑 — judge an uploaded patch layer against the reference layers (table with the map beside it),
confirm or change each judgement, turn confirmed illegal patches into cases; reference layers; referrals."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from cases.county import county_of
from cases.triage.files import write_triage_xlsx
from cases.triage.layers import KINDS, OTHER_FARMLAND_HINT, layer_summary, load_demo_layers, load_layer_file
from cases.triage.patches import read_patches
from cases.triage.rules import SECTIONS, store_rules
from cases.triage.triagemap import build_triage_map
from cases.triage.workflow import (
    JUDGEMENTS,
    illegal_ids,
    judge,
    patch_cases,
    reference_layers,
    referral_by_township,
    save_judgements,
    store_referrals,
)
from geo.errors import CasemapError
from ui import common

KEY_PATCHES = "tri_patches"  # (file name, GeoDataFrame of patches, judged results)
KEY_EDITOR = "tri_editor"
KEY_LEDGER = "tri_ledger"  # bytes of the last ledger made for download
KEY_ADOPTED = "tri_adopted"  # the patch file whose suggestions the inspector chose to take as 核实结论
GEO_TYPES = ["geojson", "json", "gpkg", "zip", "kml", "kmz"]
_SUGGESTED = {"合法": "合法", "疑似违法": "违法", "需核实": None}


def render() -> None:
    """Draw the page."""
    st.header("卫片图斑")
    st.caption("天上看、地上查、网上管：对照参考图层逐个研判卫片图斑，核实后将违法图斑一键转为案件。系统建议仅供参考，以实地核实为准。")
    store = common.store()
    if common.account().role != "county":
        st.info("卫片图斑研判、参考图层和涉嫌犯罪移送核查需领导组/县级账号（参考图层含全县数据）。")
        return
    judge_tab, layer_tab, referral_tab, rule_tab = st.tabs(["图斑研判", "参考图层", "涉嫌犯罪移送", "研判规则"])
    with layer_tab:
        _layers(store)
    with judge_tab:
        _judge(store)
    with referral_tab:
        _referrals(store)
    with rule_tab:
        rules = store_rules(store)
        st.write(f"当前规则：{rules.source}（修改 data/rules/default.json，或用命令 python -m cases set-rules 文件 存入案件库）")
        st.table(pd.DataFrame([{"类别": s, "规则": label, "值": getattr(rules, k)} for s, keys in SECTIONS.items()
                               for k, label in keys.items()]))


def _staged(name: str, data: bytes, folder: Path) -> Path:
    path = folder / Path(name).name
    path.write_bytes(data)
    return path


def _layers(store) -> None:
    listing = st.container()  # filled after the buttons, so that a layer just loaded is listed
    _load_controls(store)
    info = layer_summary(store)
    with listing:
        if info:
            st.dataframe(pd.DataFrame([{"图层": KINDS[i.kind], "要素数": i.features, "面积（亩）": i.area_mu,
                                        "来源": i.source, "示例数据": "是" if i.demo else ""} for i in info]),
                         hide_index=True, width="stretch")
        else:
            st.info("尚未载入参考图层。")
        if info and "other_farmland" not in {i.kind for i in info}:
            st.caption(f"未载入其他农用地图层（{OTHER_FARMLAND_HINT}，可选）：涉嫌犯罪移送标准中的其他农用地面积按上限估计"
                       "（案件在永久基本农田、耕地、城镇开发边界、批准用地以外的部分）。")


def _load_controls(store) -> None:
    c1, c2 = st.columns(2)
    kind = c1.selectbox("图层类型", list(KINDS), key="tri_kind",
                        format_func=lambda k: KINDS[k] + (f"（{OTHER_FARMLAND_HINT}，可选）" if k == "other_farmland" else ""))
    field = c2.text_input("批文号/备案号/名称字段（可空）", key="tri_name_field")
    up = st.file_uploader("图层文件（须带坐标系）", type=GEO_TYPES, key="tri_layer_file")
    if st.button("载入图层（替换同类图层）", disabled=up is None, key="tri_load"):
        with tempfile.TemporaryDirectory() as tmp:
            try:
                n = load_layer_file(store, kind, _staged(up.name, up.getvalue(), Path(tmp)), user=common.user_name(),
                                    name_field=field or None)
                st.success(f"已载入「{KINDS[kind]}」{n} 个要素")
            except CasemapError as exc:
                common.show_error(exc)
    if st.button("载入示例参考图层（示例数据）", key="tri_demo"):
        loaded = load_demo_layers(store, user=common.user_name())
        st.success("已载入示例参考图层：" + "、".join(f"{KINDS[k]} {n} 个" for k, n in loaded.items()))


def _judge(store) -> None:
    if not layer_summary(store):
        st.warning("尚未载入参考图层（永久基本农田、耕地、批准用地等）：图斑只能对照采矿许可范围，建议多为“疑似违法”。"
                   "请先在“参考图层”中载入（试用时可点“载入示例参考图层”）。", icon=":material/layers:")
    c1, c2, c3 = st.columns([3, 1, 1])
    up = c1.file_uploader("卫片图斑文件（GeoJSON、GeoPackage、Shapefile .zip、KML；须带坐标系）", type=GEO_TYPES,
                          key="tri_upload")
    id_field = c2.text_input("图斑编号字段（可空）", key="tri_id_field")
    year = c3.number_input("检查年度", min_value=2000, max_value=2100, value=dt.date.today().year, key="tri_year")
    if up is not None and st.button("研判", type="primary", key="tri_run"):
        with tempfile.TemporaryDirectory() as tmp:
            try:
                patches = read_patches(_staged(up.name, up.getvalue(), Path(tmp)), id_field=id_field or None,
                                       division=county_of(store), county=store.county())
                st.session_state[KEY_PATCHES] = (up.name, patches, judge(store, patches, rules=store_rules(store)))
                st.session_state.pop(KEY_LEDGER, None)
                st.session_state.pop(KEY_ADOPTED, None)
            except CasemapError as exc:
                common.show_error(exc)
    staged = st.session_state.get(KEY_PATCHES)
    if not staged:
        st.info("上传图斑文件后点“研判”。")
        return
    name, patches, results = staged
    counts = results["suggestion"].value_counts()
    st.write(f"{name}：{len(results)} 个图斑，" + "、".join(f"{k} {counts.get(k, 0)} 个" for k in ("合法", "疑似违法", "需核实")))
    adopted = _adopted(name, results)
    table = pd.DataFrame({
        "图斑编号": results["patch_id"], "乡镇": results["township"], "面积（亩）": results["area_mu"],
        "覆盖比例": results["covered_share"], "建议": results["suggestion"], "已处理": results["handled"],
        "核实结论": [_SUGGESTED[s] if adopted else None for s in results["suggestion"]], "列入当年下发图斑": True,
        "理由": results["reason"],
    })
    left, right = st.columns([3, 2])
    with left:
        edited = st.data_editor(table, key=KEY_EDITOR, hide_index=True, width="stretch", height=520,
                                disabled=[c for c in table.columns if c not in ("核实结论", "列入当年下发图斑")],
                                column_config={"核实结论": st.column_config.SelectboxColumn(options=list(JUDGEMENTS)),
                                               "覆盖比例": st.column_config.NumberColumn(format="percent")})
    with right:
        labels = [j or s for j, s in zip(edited["核实结论"], results["suggestion"])]
        tips = [f"{p}｜{s}｜{r}" for p, s, r in zip(results["patch_id"], labels, results["reason"])]
        m = build_triage_map(patches, labels, tips, layers=reference_layers(store), county=store.county(),
                             townships=store.townships(), assets=common.map_assets())
        st_folium(m, key="tri_map", height=520, width="stretch", returned_objects=[])
    _actions(store, patches, results, edited, int(year))


def _adopted(name: str, results: pd.DataFrame) -> bool:
    """Whether the 核实结论 column starts from the system's suggestions: only once the inspector says so, so
    that no patch is confirmed (saved, signed or turned into a case) without a person's decision."""
    adopted = st.session_state.get(KEY_ADOPTED) == (name, len(results))
    if adopted:
        st.caption("核实结论已按系统建议填入（合法→合法，疑似违法→违法，需核实留空），请对照地图逐个核对、修改。")
        return True
    st.caption("核实结论由核查人员逐个填写（表中“核实结论”列）；未填写的图斑不会保存、不会写入台账，也不会转为案件。")
    if st.button("采纳系统建议填写核实结论", key="tri_adopt",
                 help="合法→合法，疑似违法→违法，需核实留空；填入后仍可逐个修改"):
        st.session_state[KEY_ADOPTED] = (name, len(results))
        st.rerun()
    return False


def _actions(store, patches: gpd.GeoDataFrame, results: pd.DataFrame, edited: pd.DataFrame, year: int) -> None:
    confirmed = edited["核实结论"].fillna("").astype(str).tolist()
    done = [j for j in confirmed if j]
    c1, c2, c3 = st.columns(3)
    if c1.button(f"保存核实结论（{len(done)} 个）", disabled=not done, key="tri_save"):
        keep = np.array([bool(j) for j in confirmed])
        try:
            n = save_judgements(store, patches[keep], [j for j in confirmed if j], year=year, user=common.user_name())
            st.success(f"已保存 {n} 个图斑的核实结论（{year} 年度）")
        except CasemapError as exc:
            common.show_error(exc)
    ids = illegal_ids(results, confirmed)
    if c2.button(f"违法图斑转为案件（{len(ids)} 个）", disabled=not ids, key="tri_cases"):
        sel = patches["patch_id"].astype(str).isin(ids).to_numpy()
        listed = edited["列入当年下发图斑"].to_numpy(dtype=bool)[sel]
        try:
            items = patch_cases(patches[sel], results, year=year, in_list=listed)
            store.upsert_cases(items, user=common.user_name())
            st.success(f"已新建 {len(items)} 个案件：" + "、".join(c.case_id for c in items[:20]))
        except CasemapError as exc:
            common.show_error(exc)
    if c3.button("生成核查台账（xlsx，可签字）", key="tri_make_xlsx"):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "ledger.xlsx"
            kinds = list(results["overlaps"].iloc[0]) if len(results) else []
            write_triage_xlsx(results.assign(confirmed=confirmed), out, kinds=kinds, county=county_of(store).name,
                              year=year, as_of=dt.date.today(), rules_source=store_rules(store).source)
            st.session_state[KEY_LEDGER] = out.read_bytes()
    if st.session_state.get(KEY_LEDGER):
        c3.download_button("下载核查台账", st.session_state[KEY_LEDGER], file_name=f"{year}年度卫片图斑核查台账.xlsx",
                           key="tri_xlsx")


def _referrals(store) -> None:
    cases = store.cases()
    ref = store_referrals(store, cases)
    over = ref[ref["fired"].map(bool)]
    st.write(f"达到移送标准的案件：{len(over)} 个（规则：{store_rules(store).source}）")
    if len(over):
        st.dataframe(over[["case_id", "text"]].rename(columns={"case_id": "案件编号", "text": "触发的规则与数字"}),
                     hide_index=True, width="stretch")
    by_town = referral_by_township(store, cases).rename(columns={
        "township": "乡镇", "cases_over": "达到标准案件", "criminal_persons_over": "其中已追刑（人）",
        "over_without_persons": "达到标准但未追刑", "criminal_persons": "全部追刑（人）"})
    st.dataframe(by_town, hide_index=True, width="stretch")


@st.cache_data(show_spinner=False, max_entries=2)
def _referral_texts(path: str, version: int) -> dict[str, str]:
    """Case id → the referral rule(s) it reaches, for the store at ``path`` (cached per store version)."""
    del version  # the cache key: recomputed when the store changes
    ref = store_referrals(common.raw_store())
    return dict(zip(ref["case_id"][ref["fired"].map(bool)], ref["text"][ref["fired"].map(bool)]))


def referral_note(case_id: str) -> None:
    """In a case's detail: which criminal-referral rule it reaches, with the numbers (county accounts; else nothing)."""
    if common.account().role != "county":
        return
    text = _referral_texts(common.db_path(), common.version()).get(case_id)
    if text:
        st.error(text, icon=":material/gavel:")
