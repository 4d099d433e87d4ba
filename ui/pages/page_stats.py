"""Page: 乡镇统计 — the per-township table, a choropleth and bar charts, with downloads."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from cases.io.files import guard_csv_frame
from cases.model import CATEGORIES, CATEGORY_SHORT, LAND, MINING, category_kind
from cases.output.referrals import CASE_COLUMNS, TOWNSHIP_COLUMNS, UNREADABLE, Referrals, case_referrals
from cases.output.stats_book import stats_workbook
from cases.service import row_names, store_notes
from cases.stats import STAT_COLUMNS, TOTAL, UNASSIGNED, township_stats, with_chinese_headers
from geo.webmap.maps import build_choropleth
from ui import common

#: Measures offered for the choropleth (every numeric statistics column).
MEASURES = {k: v for k, v in STAT_COLUMNS.items() if k != "township"}


@st.cache_data(show_spinner=False)
def _stats(path: str, version: int, who: str, year: int | None) -> pd.DataFrame:
    cases, layer = common.load_division(path, version, year)
    return township_stats(cases, townships=row_names(cases, layer), area_crs=common.county().area_crs)


@st.cache_data(show_spinner=False)
def _referrals(path: str, version: int, who: str, year: int | None) -> tuple[Referrals | None, pd.DataFrame | None]:
    """涉嫌犯罪移送 of the division's cases and its per-township table (None: the account may not read the layers)."""
    cases, layer = common.load_division(path, version, year)
    ref = case_referrals(common.store(), cases)
    return ref, (ref.by_township(row_names(cases, layer), cases) if ref is not None else None)


def _referral_section(ref: Referrals | None, table: pd.DataFrame | None) -> None:
    """Per township: cases over a criminal-referral threshold against the 追刑 recorded; then the cases."""
    st.markdown("**涉嫌犯罪移送（达到移送标准的案件与已追刑人数）**")
    if ref is None or table is None:
        st.caption(UNREADABLE)
        return
    st.caption(ref.summary())
    for note in ref.notes:
        st.caption(note)
    st.dataframe(table.rename(columns=TOWNSHIP_COLUMNS), hide_index=True, key="stats_referrals", height="content",
                 column_config={"乡镇": st.column_config.TextColumn("乡镇", pinned=True)})
    if len(ref.cases):
        with st.expander(f"达到移送标准的案件（{len(ref.cases)} 起）：触发的规则与数字"):
            st.dataframe(ref.cases.rename(columns=CASE_COLUMNS), hide_index=True, key="stats_referral_cases",
                         column_config={"触发的规则与数字": st.column_config.TextColumn(width="large")})


def _year_label(year: int, current: int) -> str:
    return (f"{year} 年起的区划" if year else "未注明年份的区划") + ("（现行）" if year == current else "")


def _pick_division(path: str, version: int) -> int | None:
    """A 区划 picker when the store holds several township divisions; None: the current one."""
    years = common.division_years(path, version)
    if len(years) < 2:
        return None
    picked = st.selectbox("区划", list(reversed(years)), key="stats_division",
                          format_func=lambda y: _year_label(y, years[-1]))
    return None if picked == years[-1] else picked


#: The main table's columns (the categories have tables of their own, so that each fits the page).
MAIN_COLUMNS = ["乡镇", "用地案件", "采矿案件", "面积（亩）", "罚款（万元）", "追刑（人）", "追责（人）", "整改到位", "已销号"]


def _category_label(k: int) -> str:
    return f"{k}. {CATEGORY_SHORT[k]}"


def _category_table(table: pd.DataFrame, kind: str, *, key: str) -> None:
    """The per-township counts of the categories of ``kind``, headed by their names (full name as help)."""
    ks = [k for k in CATEGORIES if category_kind(k) == kind]
    config = {STAT_COLUMNS[f"cat_{k}"]: st.column_config.NumberColumn(_category_label(k), help=CATEGORIES[k])
              for k in ks}
    config["乡镇"] = st.column_config.TextColumn("乡镇", pinned=True)
    st.dataframe(table, hide_index=True, key=key, height="content", width="content",
                 column_order=["乡镇", *(STAT_COLUMNS[f"cat_{k}"] for k in ks)],
                 column_config=config)


def render() -> None:
    """Draw the page."""
    st.header("乡镇统计")
    common.show_notes()
    path, ver = common.db_path(), common.version()
    year = _pick_division(path, ver)
    stats = _stats(path, ver, common.account_key(), year)
    table = with_chinese_headers(stats)
    st.caption("案件按台账填报的责任乡镇统计（区划调整后，按撤并表或所在位置归入所选区划的乡镇）；"
               "整改到位 = 乡镇已验收及以后的状态；面积按图形计算（点位案件按台账亩数）。")
    st.dataframe(table, hide_index=True, key="stats_table", height="content", column_order=MAIN_COLUMNS,
                 column_config={"乡镇": st.column_config.TextColumn("乡镇", pinned=True),
                                "面积（亩）": st.column_config.NumberColumn(format="%.2f"),
                                "罚款（万元）": st.column_config.NumberColumn(format="%.2f")})
    st.markdown("**违法违规用地案件（按违法类别）**")
    _category_table(table, LAND, key="stats_land_categories")
    st.markdown("**非法违法采矿案件（按违法类别）**")
    _category_table(table, MINING, key="stats_mining_categories")
    ref, ref_table = _referrals(path, ver, common.account_key(), year)
    _referral_section(ref, ref_table)
    store = common.store()
    county = common.county().name
    book = stats_workbook(stats, county=county, as_of=dt.date.today(), notes=store_notes(store),
                          division=_year_label(year, common.division_years(path, ver)[-1]) if year else None,
                          referral=ref, referral_table=ref_table)
    c1, c2 = st.columns(2)
    c1.download_button("下载 Excel（xlsx）", book, file_name=f"{county}乡镇统计.xlsx", key="dl_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c2.download_button("下载 CSV（Excel 可直接打开）", guard_csv_frame(table).to_csv(index=False).encode("utf-8-sig"),
                       file_name="乡镇统计.csv", mime="text/csv", key="dl_csv")

    st.subheader("分乡镇专题图")
    measure = st.selectbox("统计指标", list(MEASURES), format_func=MEASURES.get, key="stats_measure")
    county, _, _ = common.load_layers(path, ver)
    towns = common.load_division(path, ver, year)[1]
    names = [t for t in stats["township"] if t not in (TOTAL, UNASSIGNED)]
    values = stats.set_index("township")[measure].reindex(names)
    m = build_choropleth(towns, values, title=MEASURES[measure], county=county, assets=common.map_assets())
    st_folium(m, key="stats_map", height=540, use_container_width=True, returned_objects=[])

    by_town = stats.set_index("township").loc[names]
    st.subheader("各乡镇案件类别")
    cats = pd.DataFrame({_category_label(k): by_town[f"cat_{k}"] for k in CATEGORIES})
    st.altair_chart(_stacked(cats, names, legend="违法类别"), key="stats_category_chart")

    st.subheader("整改到位与销号")
    progress = pd.DataFrame({
        "未整改": by_town["land_cases"] + by_town["mining_cases"] - by_town["rectified"],
        "整改到位（未销号）": by_town["rectified"] - by_town["closed"],
        "已销号": by_town["closed"],
    })
    st.altair_chart(_stacked(progress, names, legend="整改情况", colors=["#e31a1c", "#fdbf2f", "#1a9641"]),
                    key="stats_progress_chart")


def _stacked(frame: pd.DataFrame, towns: list[str], *, legend: str, colors: list[str] | None = None) -> alt.Chart:
    """A stacked bar chart of ``frame`` (rows: townships, columns: series): one bar per township (horizontal,
    so the names never overlap on a phone), townships and the legend in the given order (1, 2, … 10, not
    1, 10, 2) with whole labels."""
    series = list(frame.columns)
    long = frame.rename_axis("乡镇").reset_index().melt("乡镇", var_name=legend, value_name="案件数")
    long["_order"] = long[legend].map({s: i for i, s in enumerate(series)})
    scale = alt.Scale(domain=series, range=colors) if colors else alt.Scale(domain=series, scheme="tableau10")
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("乡镇:N", sort=towns, title=None, axis=alt.Axis(labelLimit=0)),
        x=alt.X("sum(案件数):Q", title="案件数", stack="zero", axis=alt.Axis(format="d", tickMinStep=1)),
        color=alt.Color(f"{legend}:N", scale=scale, sort=series,
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=0, symbolLimit=0, title=None)),
        order=alt.Order("_order:Q", sort="ascending"),
        tooltip=["乡镇", legend, "案件数"],
    ).properties(height=alt.Step(24))
