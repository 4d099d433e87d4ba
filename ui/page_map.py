"""Page: 案件地图 — the county map of cases, with filters, layers, legend and case details."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from cases.filters import ANY_FLAG, CaseFilter, describe_filter, filter_mask
from cases.model import CATEGORIES, CATEGORY_SHORT, FIELD_LABELS, KINDS, LEDGER_FIELDS, STATUSES
from cases.output.casemap import HIGHLIGHT_FLAGS, LAYER_NAMES, build_case_map, case_id_from_tooltip
from cases.text import value_text
from geo.checks import FLAGS
from geo.webmap.maps import LEGEND_WIDTH_PX, view_for_bounds
from ui import common
from ui.export_buttons import snapshot_download
from ui.page_briefing import sheet_maker

WHOLE_COUNTY = "全县"
MAP_KEY = "case_map"
PICK_KEY = "map_pick"
NONE = "（未选择）"
#: A conservative map size (the map column is 600–950 px wide on 1366–1920 px screens).
_SIZE = {"width_px": 640, "height_px": 600}


def render() -> None:
    """Draw the page."""
    st.header("案件地图")
    common.show_notes()
    cases, checks, county, towns, permits = common.page_data()

    names = [str(n) for n in towns["name"]]
    f, color_by, layers = _sidebar(names)
    basemap = common.basemap_picker(key="map_basemap")
    shown = cases[filter_mask(cases, checks, f)]
    st.markdown(f"**筛选结果：{len(shown)} 个案件**（共 {len(cases)} 个）")

    zoom_col, case_col = st.columns(2)
    town = zoom_col.selectbox("缩放到乡镇", [WHOLE_COUNTY, *names], key="map_zoom_town")
    unlocated = shown.geometry.isna() | shown.geometry.is_empty
    if unlocated.any():
        st.caption(f"其中 {int(unlocated.sum())} 个案件尚未定位（台账中没有坐标），不在图上显示："
                   + "、".join(shown.loc[unlocated, "case_id"].head(20)) + ("……" if unlocated.sum() > 20 else ""))
    ids = shown.loc[~unlocated, "case_id"].tolist()
    zoom_case = case_col.selectbox("缩放到案件", [NONE, *ids], key="map_zoom_case")
    town = view_township(town, f)
    extent = _extent(county, towns, shown, town, zoom_case, permits)
    # keep the data clear of the legend (bottom right): fit it into the part of the map left of it
    center, zoom = view_for_bounds(extent, max_zoom=16 if zoom_case != NONE else 17, pad_right_px=LEGEND_WIDTH_PX,
                                   **_SIZE) if extent is not None else (None, None)

    map_col, detail_col = st.columns([5, 3])
    with map_col:
        m = build_case_map(shown, checks=checks, townships=towns, permits=permits, county=county,
                           color_by=color_by, layers=layers, basemap=basemap, assets=common.map_assets())
        out = st_folium(m, key=MAP_KEY, height=620, use_container_width=True, center=center, zoom=zoom,
                        returned_objects=["last_object_clicked_tooltip"])
        st.caption("单击案件查看详情；右上角图层按钮可开关图层。")
        case_town = shown.loc[shown["case_id"] == zoom_case, "township"].iloc[0] if zoom_case != NONE else None
        title, area = export_texts(town, f, case_id=None if zoom_case == NONE else zoom_case, case_township=case_town)
        focus = towns.loc[towns["name"] == town].geometry if town != WHOLE_COUNTY and zoom_case == NONE else None
        snapshot_download(shown, extent, title, key="map_export", area_name=area, focus=focus,
                          highlight=None if zoom_case == NONE else zoom_case)
    clicked = case_id_from_tooltip((out or {}).get("last_object_clicked_tooltip"), cases["case_id"])
    if clicked and clicked != st.session_state.get(common.KEY_MAP_LAST_CLICK):
        st.session_state[common.KEY_MAP_LAST_CLICK] = clicked
        st.session_state[PICK_KEY] = clicked
    with detail_col:
        all_ids = cases["case_id"].tolist()
        if st.session_state.get(PICK_KEY) not in (None, NONE, *all_ids):
            st.session_state[PICK_KEY] = NONE
        pick = st.selectbox("案件详情", [NONE, *all_ids], key=PICK_KEY)
        if pick != NONE:
            st.session_state[common.KEY_SELECTED_CASE] = pick
            _detail(cases, checks, pick)
        else:
            st.info("在地图上单击一个案件，或在上面选择案件编号。")


def _sidebar(township_names: list[str]) -> tuple[CaseFilter, str, list[str]]:
    sb = st.sidebar
    sb.subheader("筛选")
    towns = sb.multiselect("乡镇", township_names, key="flt_town", placeholder="全部乡镇")
    kinds = sb.multiselect("类型", list(KINDS), format_func=KINDS.get, key="flt_kind", placeholder="用地和采矿")
    cats = sb.multiselect("违法类别", list(CATEGORIES), key="flt_cat", placeholder="全部类别",
                          format_func=lambda k: f"{k}. {CATEGORY_SHORT[k]}")
    statuses = sb.multiselect("办理状态", STATUSES, key="flt_status", placeholder="全部状态")
    flag_opts = [ANY_FLAG, *FLAGS]
    flags = sb.multiselect("核查问题", flag_opts, key="flt_flag", placeholder="不限",
                           format_func=lambda c: "任一问题" if c == ANY_FLAG else FLAGS[c])
    dates = sb.date_input("发现日期范围", value=(), key="flt_dates", format="YYYY-MM-DD")
    text = sb.text_input("搜索（案件编号 / 违法主体 / 地点）", key="flt_text")
    d0, d1 = (tuple(dates) + (None, None))[:2] if isinstance(dates, (tuple, list)) else (dates, None)
    sb.subheader("显示")
    color_by = sb.radio("案件着色", ["status", "category"], key="map_color", horizontal=True,
                        format_func={"status": "按办理状态", "category": "按违法类别"}.get)
    layers = [k for k, name in LAYER_NAMES.items() if sb.checkbox(name, value=True, key=f"layer_{k}")]
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
    c2.metric("所在乡镇（核查）", r["township"] or "—")
    if isinstance(r["permit_no"], str) and r["permit_no"]:
        c3, c4 = st.columns(2)
        c3.metric("许可范围外面积", f"{r['outside_area_mu']:.2f} 亩", help=f"{r['outside_area_m2']:.0f} 平方米")
        c4.metric("最远越界距离", f"{r['max_outside_distance_m']:.1f} 米")
        st.caption(f"采矿许可证：{r['permit_no']}；许可范围外 {r['outside_area_m2']:.0f} 平方米")
    towns = r["townships"] or []
    if len(towns) > 1:
        st.caption("跨乡镇：" + "、".join(f"{t['name']} {t['area_mu']:.2f} 亩" for t in towns))


