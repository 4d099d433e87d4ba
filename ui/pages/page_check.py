"""Page: 越界核查 — one parcel against its permit and township, the part outside highlighted."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from geo.checks import FLAGS, check_cases, outside_part
from geo.crs import STORAGE_CRS
from geo.webmap.maps import build_check_map
from ui import common
from ui.export_buttons import snapshot_download
from ui.geometry_input import DRAW, PASTE, UPLOAD, draw_on_map, drawn_geometry, geometry_input

FROM_CASE = "选择案件"
#: The name of a pasted, drawn or uploaded parcel, on the map's legend and in the numbers.
SUBJECT = "核查图形"
#: The widget-key prefix of the parcel input (paste, draw, upload).
KEY_GEOMETRY = "check_geom"
AUTO_PERMIT = "（自动匹配：与图形重叠最多的许可证）"
NO_PERMIT = "（不对照许可证）"


def render() -> None:
    """Draw the page."""
    st.header("越界核查")
    common.show_notes()
    cases, checks, county, towns, permits = common.page_data()

    source = st.radio("核查对象", [FROM_CASE, PASTE, DRAW, UPLOAD], horizontal=True, key="check_source")
    if source == FROM_CASE:
        case_id = st.selectbox("案件", _case_order(cases, checks), key="check_case",
                               format_func=lambda c: _case_label(c, cases, checks))
        row = cases.loc[cases["case_id"] == case_id].iloc[0]
        subject, label = row.geometry, case_id
        result = checks.loc[checks["case_id"] == case_id].iloc[0]
    else:
        permit_choice = st.selectbox("对照的采矿许可证", [AUTO_PERMIT, NO_PERMIT, *permits["permit_no"]],
                                     key="check_permit")
        label = SUBJECT
        if source == DRAW:
            subject = drawn_geometry(KEY_GEOMETRY)
            if subject is None:  # the drawing map alone; once drawn, the same map shows the result
                st.caption("用地图左上角的工具画出地块（多边形或矩形），或标出点位；画完后自动核查。")
                draw_on_map(build_check_map(None, townships=towns, permit=permits, county=county, draw=True,
                                            label=label, assets=common.map_assets()), key=KEY_GEOMETRY)
                return
        else:
            subject = geometry_input(key=KEY_GEOMETRY, methods=(source,))
            if subject is None:
                st.info("请先给出要核查的图形。")
                return
        result = _check_one(subject, permit_choice, towns, permits, county)

    permit = permits.loc[permits["permit_no"] == result["permit_no"]] if _has(result["permit_no"]) else None
    outside = outside_part(subject, permit.geometry.iloc[0], area_crs=_area_crs()) if permit is not None and len(permit) else None
    names = [t["name"] for t in (result["townships"] or [])]
    map_col, num_col = st.columns([3, 2])
    with map_col:
        m = build_check_map(subject, outside=outside, permit=permit, townships=towns[towns["name"].isin(names)],
                            county=county, label=label, assets=common.map_assets(), draw=source == DRAW)
        if source == DRAW:
            st.caption("可再画一个地块替换当前图形。")
            draw_on_map(m, key=KEY_GEOMETRY)
        else:
            st_folium(m, key="check_map", height=520, use_container_width=True, returned_objects=[])
        shown = cases.loc[cases["case_id"] == case_id] if source == FROM_CASE else _subject_frame(subject, label, result)
        extent = tuple(shown.geometry.union_all().union(permit.geometry.union_all()).buffer(0.001).bounds) \
            if permit is not None and len(permit) else tuple(shown.total_bounds + [-0.002, -0.002, 0.002, 0.002])
        snapshot_download(shown, extent, f"{label}越界核查图", key="check_export",
                          area_name=f"{common.county().name}{result['township'] or ''}")
    with num_col:
        _numbers(result, subject)


def _case_order(cases: pd.DataFrame, checks: pd.DataFrame) -> list[str]:
    """Mining cases outside their permit first, then other mining cases, then land cases (located ones only)."""
    cases = cases[~(cases.geometry.isna() | cases.geometry.is_empty)]
    out_ids = set(checks.loc[checks["flags"].map(lambda f: "OUT_OF_BOUNDS" in f), "case_id"])
    key = cases["case_id"].map(lambda c: 0 if c in out_ids else 1) + (cases["kind"] != "mining").astype(int) * 2
    return cases.assign(_k=key).sort_values(["_k", "case_id"])["case_id"].tolist()


def _case_label(case_id: str, cases: pd.DataFrame, checks: pd.DataFrame) -> str:
    row = cases.loc[cases["case_id"] == case_id].iloc[0]
    flags = checks.loc[checks["case_id"] == case_id, "flags"].iloc[0]
    tail = "、".join(FLAGS[f] for f in flags)
    return f"{case_id}｜{row['township']}｜{row['party']}" + (f"｜{tail}" if tail else "")


def _check_one(subject, permit_choice: str, towns, permits, county) -> pd.Series:
    one = gpd.GeoDataFrame({
        "case_id": [SUBJECT], "kind": ["mining" if permit_choice != NO_PERMIT else "land"], "township": [""],
        "permit_no": [None if permit_choice in (AUTO_PERMIT, NO_PERMIT) else permit_choice],
        "mineral": [""], "found_date": [None],
    }, geometry=[subject], crs=STORAGE_CRS)
    return check_cases(one, towns, permits, county, area_crs=_area_crs()).iloc[0]


def _area_crs():
    """The CRS the store's county measures in (its Gauss-Krüger zone)."""
    return common.county().area_crs


def _subject_frame(subject: shapely.Geometry, label: str, result: pd.Series) -> gpd.GeoDataFrame:
    """A pasted, drawn or uploaded parcel as a one-row case layer for the 导出地图 snapshot: a mining parcel when
    checked against a permit, or found outside every permit (无证开采), as the numbers beside the map say."""
    permit_no = result["permit_no"] if _has(result["permit_no"]) else None
    mining = permit_no is not None or "NO_PERMIT" in (result.get("flags") or ())
    return gpd.GeoDataFrame({
        "case_id": [label], "kind": ["mining" if mining else "land"], "township": [result["township"] or ""],
        "permit_no": [permit_no],
    }, geometry=[subject], crs=STORAGE_CRS)


def _has(v) -> bool:
    return isinstance(v, str) and bool(v)


def _numbers(r: pd.Series, subject: shapely.Geometry) -> None:
    flags = [FLAGS[f] for f in r["flags"] if f != "TOWNSHIP_MISMATCH" or r["case_id"] != SUBJECT]
    if "OUT_OF_BOUNDS" in r["flags"]:
        st.error(f"超出批准矿区范围：界外 {r['outside_area_mu']:.2f} 亩（{r['outside_area_m2']:,.0f} 平方米），"
                 f"最远越界 {r['max_outside_distance_m']:.1f} 米", icon=":material/flag:")
    elif flags:
        st.warning("核查问题：" + "、".join(flags))
    else:
        st.success("未发现越界或其他问题")
    a, b = st.columns(2)
    a.metric("面积（亩）", f"{r['area_mu']:.2f}")
    b.metric("面积（平方米）", f"{r['area_m2']:,.0f}")
    if _has(r["permit_no"]):
        a, b = st.columns(2)
        a.metric("界外面积（亩）", f"{r['outside_area_mu']:.2f}")
        b.metric("界外面积（平方米）", f"{r['outside_area_m2']:,.0f}")
        st.metric("最远越界距离（米）", f"{r['max_outside_distance_m']:.1f}")
        st.write(f"对照许可证：**{r['permit_no']}**")
    else:
        st.write("未对照采矿许可证" + ("（未找到与之重叠的许可证：无证开采）" if "NO_PERMIT" in r["flags"] else ""))
    towns = r["townships"] or []
    st.write("所在乡镇：**" + (r["township"] or "不在任何乡镇内") + "**"
             + ("（跨乡镇：" + "、".join(f"{t['name']} {t['area_mu']:.2f} 亩" for t in towns) + "）"
                if len(towns) > 1 else ""))
    if flags:
        st.write("问题：" + "、".join(flags))
    if subject.geom_type == "Point":
        st.caption("点位案件没有面积；越界按点到许可范围的距离判断。")
