"""Page: 案件地图 — the county map of cases, with filters, layers, legend and case details."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from cases.filters import ANY_FLAG, CaseFilter, describe_filter, filter_mask
from cases.model import CATEGORIES, CATEGORY_SHORT, FIELD_LABELS, KINDS, LEDGER_FIELDS, STATUSES
from cases.output.casemap import (
    HIGHLIGHT_FLAGS,
    LAYER_NAMES,
    build_case_map,
    case_id_from_tooltip,
    filter_photos_with_cases,
    selection_group,
)
from cases.text import value_text
from cases.triage.layers import stored_layers
from cases.triage.triagemap import reference_layer
from geo.checks import FLAGS
from geo.errors import PermissionDeniedError
from geo.webmap.filtering import shown_mask
from geo.webmap.maps import rerenderable
from geo.webmap.photos import add_layer
from ui import common
from ui.export_buttons import snapshot_download
from ui.pages import page_field, page_triage
from ui.pages.page_briefing import sheet_maker

WHOLE_COUNTY = "全县"
MAP_KEY = "case_map"
KEY_QUERY_WRITTEN = "map_query_written"  # the query string this page last wrote
PICK_KEY = "map_pick"  # the one 案件 picker: zooms to the case and shows its detail
TOWN_KEY = "map_zoom_town"
KEY_MAP_BUILT = "map_built"  # (what the case map shows, the folium map, its case ids, its lock): see _case_map
NONE = "（未选择）"
#: Widgets whose values this page keeps for the session (Streamlit forgets a widget's value when another
#: page is shown; ``common.restore_widgets`` puts it back).
FILTER_KEYS = ("flt_town", "flt_kind", "flt_cat", "flt_status", "flt_flag", "flt_dates", "flt_text")
KEPT_KEYS = (*FILTER_KEYS, "map_color", TOWN_KEY, "map_basemap", *(f"layer_{k}" for k in LAYER_NAMES))
#: Query-string names of the filters (``?case=CK-2019-004&township=峨口镇&kind=mining``): name → widget key.
QUERY_KEYS = {"township": "flt_town", "kind": "flt_kind", "category": "flt_cat", "status": "flt_status",
              "flag": "flt_flag", "q": "flt_text"}


def render() -> None:
    """Draw the page."""
    st.header("案件地图")
    common.show_notes()
    cases, checks, county, towns, permits = common.page_data()
    names = [str(n) for n in towns["name"]]
    all_ids = cases["case_id"].tolist()
    common.restore_widgets(KEPT_KEYS)
    _apply_query(names, set(all_ids))

    f, color_by, layers = _sidebar(names)
    basemap = common.basemap_picker(key="map_basemap")
    shown = cases[filter_mask(cases, checks, f)]
    st.markdown(f"**筛选结果：{len(shown)} 个案件**（共 {len(cases)} 个）")

    zoom_col, case_col = st.columns(2)
    if st.session_state.get(TOWN_KEY) not in (None, WHOLE_COUNTY, *names):
        st.session_state[TOWN_KEY] = WHOLE_COUNTY
    town = zoom_col.selectbox("缩放到乡镇", [WHOLE_COUNTY, *names], key=TOWN_KEY)
    unlocated = shown.geometry.isna() | shown.geometry.is_empty
    if unlocated.any():
        st.caption(f"其中 {int(unlocated.sum())} 个案件尚未定位（台账中没有坐标），不在图上显示："
                   + "、".join(shown.loc[unlocated, "case_id"].head(20)) + ("……" if unlocated.sum() > 20 else ""))
    pick = _case_picker(case_col, shown["case_id"].tolist(), set(all_ids))
    row = cases.loc[cases["case_id"] == pick] if pick else cases.iloc[:0]
    located = bool(len(row)) and not (row.geometry.isna() | row.geometry.is_empty).any()
    town = view_township(town, f)
    extent = _extent(county, towns, row if located else shown, town, pick if located else NONE, permits)
    _write_query(f, pick)

    map_col, detail_col = st.columns([5, 3])
    with map_col:
        m, on_map, lock = _case_map(cases, (color_by, tuple(layers), basemap), checks=checks, townships=towns,
                              permits=permits, county=county)
        # the view (fitted in the browser, legend kept clear), the picked case and which cases the filter keeps
        # come in a group the shown map takes without being redrawn: a pick or a filter costs no new map
        group = selection_group(row if located else cases.iloc[:0], view=extent, max_zoom=16 if located else 17,
                                shown=shown_mask(pd.Series(on_map).isin(shown["case_id"]).to_numpy()))
        with lock:  # a rerun still ending may be rendering the same map: one at a time
            st_folium(rerenderable(m), key=MAP_KEY, height=620, use_container_width=True,
                      feature_group_to_add=group, on_change=_on_map_click,
                      returned_objects=["last_object_clicked_tooltip", "last_object_clicked_count"])
        st.caption("单击案件查看详情并缩放到该案件；右上角图层按钮可开关图层。")
        case_town = row["township"].iloc[0] if located else None
        title, area = export_texts(town, f, case_id=pick if located else None, case_township=case_town)
        focus = towns.loc[towns["name"] == town].geometry if town != WHOLE_COUNTY and not located else None
        snapshot_download(shown, extent, title, key="map_export", area_name=area, focus=focus,
                          highlight=pick if located else None)
    with detail_col:
        if pick:
            _detail(cases, checks, pick)
            page_field.case_photos(common.store(), pick)
        else:
            st.info("在地图上单击一个案件，或在上面选择案件编号：地图缩放到该案件并显示详情。")
    common.remember_widgets(KEPT_KEYS)


def _case_map(cases, shows: tuple, **frames):
    """The case map of all ``cases`` the account may read (``shows``: colouring, layers, basemap) and their ids
    in the map's order, built once and reused by the reruns that do not change it (a pick, a filter, a detail,
    a download: 0.5 s saved at 10,000 cases, and no new map frame).  A filter is sent to the shown map as the
    cases to show (``selection_group``'s ``shown``).

    Kept in the session with what it was built from, the store version and the account's rights (a
    township account's map holds only its cases).  Rendering changes the map: it is rendered under its lock,
    kept with it (a rerun that a newer one interrupts runs on until its next Streamlit call, so two runs of a
    session may render the map at once, and one would send the other's selection group as part of the map's
    script: a new, broken map frame), what the last render added to it taken off first, so the map's script,
    and with it the shown map, stay the same.
    """
    want = (shows, common.version(), common.account_key())
    kept = st.session_state.get(KEY_MAP_BUILT)
    if kept is not None and kept[0] == want:
        return kept[1], kept[2], kept[3]
    color_by, layers, basemap = shows
    m = build_case_map(cases, color_by=color_by, layers=layers, basemap=basemap, assets=common.map_assets(), **frames)
    ids = cases["case_id"].astype(str).to_numpy()
    page_field.add_photo_layer(m, cases)  # 现场照片: camera icons, thumbnails, a line to the case when far
    filter_photos_with_cases(m, ids)  # … shown with their cases
    _add_reference_layers(m)  # 基本农田、耕地… (天上看), off until switched on in the layer control
    lock = threading.Lock()
    st.session_state[KEY_MAP_BUILT] = (want, m, ids, lock)
    return m, ids, lock


def _case_picker(col, ids: list[str], known: set[str]) -> str | None:
    """The one 案件 picker (zoom + detail), showing the session's selected case (a map click, a link)."""
    selected = st.session_state.get(common.KEY_SELECTED_CASE)
    if selected not in known:
        selected = None
    options = [NONE, *ids] + ([selected] if selected and selected not in ids else [])
    want = selected or NONE
    if st.session_state.get(PICK_KEY) != want:
        st.session_state[PICK_KEY] = want
    col.selectbox("案件（缩放到案件并显示详情）", options, key=PICK_KEY, on_change=_on_pick,
                  help="也可在地图上单击案件；筛选结果以外的已选案件仍列在最后。")
    return selected


def _on_pick() -> None:
    value = st.session_state.get(PICK_KEY)
    st.session_state[common.KEY_SELECTED_CASE] = None if value in (None, NONE) else value


def _on_map_click() -> None:
    """A click on a case on the map selects it (as the picker does); other clicks change nothing."""
    out = st.session_state.get(MAP_KEY) or {}
    clicked = case_id_from_tooltip(out.get("last_object_clicked_tooltip"))
    if clicked:
        st.session_state[common.KEY_SELECTED_CASE] = clicked


def _apply_query(township_names: list[str], known: set[str]) -> None:
    """Take the case and filters from the address (a bookmark or a shared link) when it names any."""
    qp = st.query_params
    given = {k: qp.get_all(k) for k in ("case", *QUERY_KEYS) if qp.get_all(k)}
    if not given or given == st.session_state.get(KEY_QUERY_WRITTEN):
        return
    allowed = {"flt_town": set(township_names), "flt_kind": set(KINDS), "flt_cat": {str(k) for k in CATEGORIES},
               "flt_status": set(STATUSES), "flt_flag": {ANY_FLAG, *FLAGS}}
    for name, key in QUERY_KEYS.items():
        values = [v for part in given.get(name, []) for v in part.split(",") if v]
        if key == "flt_text":
            st.session_state[key] = values[0] if values else ""
        else:
            values = [v for v in values if v in allowed[key]]
            st.session_state[key] = [int(v) for v in values] if key == "flt_cat" else values
    case = (given.get("case") or [None])[0]
    st.session_state[common.KEY_SELECTED_CASE] = case if case in known else None
    st.session_state[KEY_QUERY_WRITTEN] = given


def _write_query(f: CaseFilter, case: str | None) -> None:
    """Keep the address in step with the page: the picked case and the filters (bookmarkable)."""
    want = {"case": [case]} if case else {}
    for name, values in (("township", f.townships), ("kind", f.kinds), ("category", [str(c) for c in f.categories]),
                         ("status", f.statuses), ("flag", f.flags), ("q", [f.text] if f.text else [])):
        if values:
            want[name] = [",".join(values)]
    if want != {k: st.query_params.get_all(k) for k in st.query_params}:
        st.query_params.from_dict({k: v[0] for k, v in want.items()})
    st.session_state[KEY_QUERY_WRITTEN] = want


def _sidebar(township_names: list[str]) -> tuple[CaseFilter, str, list[str]]:
    sb = st.sidebar
    sb.subheader("筛选")
    for key in ("flt_town",):
        if key in st.session_state:
            st.session_state[key] = [t for t in st.session_state[key] if t in township_names]
    towns = sb.multiselect("乡镇", township_names, key="flt_town", placeholder="全部乡镇")
    kinds = sb.multiselect("类型", list(KINDS), format_func=KINDS.get, key="flt_kind", placeholder="用地和采矿")
    cats = sb.multiselect("违法类别", list(CATEGORIES), key="flt_cat", placeholder="全部类别",
                          format_func=lambda k: f"{k}. {CATEGORY_SHORT[k]}")
    statuses = sb.multiselect("办理状态", STATUSES, key="flt_status", placeholder="全部状态")
    flag_opts = [ANY_FLAG, *FLAGS]
    flags = sb.multiselect("核查问题", flag_opts, key="flt_flag", placeholder="不限",
                           format_func=lambda c: "任一问题" if c == ANY_FLAG else FLAGS[c])
    dates = sb.date_input("发现日期范围", **({} if "flt_dates" in st.session_state else {"value": ()}),
                          key="flt_dates", format="YYYY-MM-DD")
    text = sb.text_input("搜索（案件编号 / 违法主体 / 地点）", key="flt_text")
    d0, d1 = (tuple(dates) + (None, None))[:2] if isinstance(dates, (tuple, list)) else (dates, None)
    sb.subheader("显示")
    color_by = sb.radio("案件着色", ["status", "category"], key="map_color", horizontal=True,
                        format_func={"status": "按办理状态", "category": "按违法类别"}.get)
    layers = [k for k, name in LAYER_NAMES.items()
              if sb.checkbox(name, key=f"layer_{k}", **({} if f"layer_{k}" in st.session_state else {"value": True}))]
    f = CaseFilter(townships=tuple(towns), kinds=tuple(kinds), categories=tuple(cats), statuses=tuple(statuses),
                   flags=tuple(flags), found_from=d0 if isinstance(d0, dt.date) else None,
                   found_to=d1 if isinstance(d1, dt.date) else None, text=text)
    return f, color_by, layers


def view_township(zoom_town: str, f: CaseFilter) -> str:
    """The township the map shows: the one picked to zoom to, else the only township filtered on."""
    if zoom_town == WHOLE_COUNTY and len(f.townships) == 1:
        return f.townships[0]
    return zoom_town


def export_texts(town: str, f: CaseFilter, *, case_id: str | None = None,
                 case_township: str | None = None) -> tuple[str, str]:
    """图名 and 制图范围 of the 导出地图 snapshot: the township or case shown and the filters applied.

    A filter on just the township shown is not repeated; any other filter is named, so a map of
    some of the cases is never taken for a map of all of them.  Zoomed to a case, the map is that
    case's 位置图 (as ``python -m cases snapshot --case``).
    """
    title = f"{town}案件分布图"
    area = f"代县{town}"
    if case_id:
        title, area = f"案件 {case_id} 位置图", f"代县{case_township or ''} 案件 {case_id}"
    if f.townships == (town,):
        f = dataclasses.replace(f, townships=())
    described = describe_filter(f)
    return title, area + (f"（筛选：{described}）" if described else "")


def _extent(county, towns, shown, town: str, case_id: str, permits=None):
    """(lon0, lat0, lon1, lat1) of what the map shows: the picked case with the permit it names (as
    ``python -m cases snapshot --case``), the township, or the county."""
    if case_id != NONE:
        case = shown.loc[shown["case_id"] == case_id]
        parts = [case.geometry]
        if permits is not None and len(permits) and "permit_no" in case:
            parts.append(permits.loc[permits["permit_no"].isin(case["permit_no"].dropna()), "geometry"])
        x0, y0, x1, y1 = pd.concat(parts).total_bounds
        pad = max(0.002, 0.1 * max(x1 - x0, y1 - y0))
        return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    if town != WHOLE_COUNTY:
        return tuple(towns.loc[towns["name"] == town].total_bounds)
    return tuple(county.total_bounds) if len(county) else None


def _detail(cases, checks, case_id: str) -> None:
    row = cases.loc[cases["case_id"] == case_id].iloc[0]
    res = checks.loc[checks["case_id"] == case_id]
    st.subheader(f"{case_id}（{KINDS.get(row['kind'], row['kind'])}）")
    declared = row.get("declared_township", row["township"])
    moved = f"（台账填报：{declared}）" if declared != row["township"] else ""
    st.write(f"**{row['township'] or '未归入乡镇'}**{moved} · 类别 {row['category']}"
             f"（{CATEGORY_SHORT.get(int(row['category']), '')}） · 状态：**{row['status']}**")
    if len(res):
        _check_summary(res.iloc[0])
    page_triage.referral_note(case_id)  # 涉嫌犯罪，应移送公安: the rule and the numbers
    ledger = [(FIELD_LABELS.get(n, n), row.get("declared_township", row[n]) if n == "township" else row.get(n))
              for n in ("case_id", "township", "status", "found_date", "permit_no", "category")]
    ledger += [(f.label, row.get(f.name)) for f in LEDGER_FIELDS if row["kind"] in f.kinds]
    table = pd.DataFrame({"字段": [k for k, _ in ledger], "内容": [value_text(v, floats="plain") for _, v in ledger]})
    st.dataframe(table, hide_index=True, height=420)
    if row.geometry is None or row.geometry.is_empty:
        st.info("该案件尚未定位（没有坐标）：可在“案件管理”中补充位置，之后才能核查和生成核查单。")
        return
    st.download_button("下载案件核查单（PDF）", data=sheet_maker(common.db_path(), [case_id]),
                       file_name=f"案件核查单_{case_id}.pdf", mime="application/pdf", key="map_dl_sheet",
                       icon=":material/description:")


def _check_summary(r) -> None:
    flags = [FLAGS[c] for c in r["flags"]]
    serious = [FLAGS[c] for c in r["flags"] if c in HIGHLIGHT_FLAGS]
    if serious:
        st.error("核查问题：" + "、".join(flags), icon=":material/flag:")
    elif flags:
        st.warning("核查问题：" + "、".join(flags))
    else:
        st.success("核查未发现问题")
    if "NO_LOCATION" in r["flags"]:
        permit = r["permit_no"] if isinstance(r["permit_no"], str) and r["permit_no"] else "无"
        st.caption(f"未定位：没有面积、所在乡镇和越界核查结果。采矿许可证：{permit}")
        return
    c1, c2 = st.columns(2)
    c1.metric("面积（亩）", f"{r['area_mu']:.2f}", help=f"{r['area_m2']:.0f} 平方米")
    # a township's name is too long for a metric in a narrow column (it would be cut to 上磨…)
    c2.markdown(f"所在乡镇（核查）\n\n**{r['township'] or '—'}**")
    if isinstance(r["permit_no"], str) and r["permit_no"]:
        c3, c4 = st.columns(2)
        c3.metric("许可范围外面积", f"{r['outside_area_mu']:.2f} 亩", help=f"{r['outside_area_m2']:.0f} 平方米")
        c4.metric("最远越界距离", f"{r['max_outside_distance_m']:.1f} 米")
        st.caption(f"采矿许可证：{r['permit_no']}；许可范围外 {r['outside_area_m2']:.0f} 平方米")
    towns = r["townships"] or []
    if len(towns) > 1:
        st.caption("跨乡镇：" + "、".join(f"{t['name']} {t['area_mu']:.2f} 亩" for t in towns))


@st.cache_data(show_spinner=False, max_entries=4)
def _reference_frames(path: str, version: int, account_key: str) -> dict:
    try:
        return stored_layers(common.store())
    except PermissionDeniedError:  # township accounts do not read the reference layers
        return {}


def _add_reference_layers(m) -> None:
    """Add the loaded reference layers (基本农田、耕地、生态保护红线… 示例数据 where so) to map ``m``, switched off
    and not clickable: the layer control lists them for the inspector to switch on."""
    for kind, frame in _reference_frames(common.db_path(), common.version(), common.account_key()).items():
        if len(frame):
            add_layer(m, reference_layer(kind, frame, show=False, interactive=False))
