"""Page: 乡镇统计 — the per-township table, a choropleth and bar charts, with downloads."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from cases.county import county_of
from cases.io.files import guard_csv_frame
from cases.model import CATEGORY_SHORT
from cases.service import row_names
from cases.stats import STAT_COLUMNS, TOTAL, UNASSIGNED, township_stats, with_chinese_headers
from geo.webmap.maps import build_choropleth
from ui import common

#: Measures offered for the choropleth (every numeric statistics column).
MEASURES = {k: v for k, v in STAT_COLUMNS.items() if k != "township"}


@st.cache_data(show_spinner=False)
def _stats(path: str, version: int, who: str, year: int | None) -> pd.DataFrame:
    cases, layer = common.load_division(path, version, year)
    return township_stats(cases, townships=row_names(cases, layer), area_crs=county_of(common.raw_store()).area_crs)


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


def _xlsx(table: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        table.to_excel(xw, sheet_name="乡镇统计", index=False)
    return buf.getvalue()


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
    st.dataframe(table, hide_index=True, key="stats_table", height=35 * (len(table) + 1) + 3)
    c1, c2 = st.columns(2)
    c1.download_button("下载 Excel（xlsx）", _xlsx(table), file_name="乡镇统计.xlsx", key="dl_xlsx",
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

    st.subheader("各乡镇案件类别")
    cats = stats.set_index("township").loc[names, [f"cat_{k}" for k in CATEGORY_SHORT]]
    cats.columns = [f"{k}.{v}" for k, v in CATEGORY_SHORT.items()]
    st.bar_chart(cats, x_label="乡镇", y_label="案件数", stack=True)

    st.subheader("整改到位与销号")
    done = stats.set_index("township").loc[names]
    progress = pd.DataFrame({
        "未整改": done["land_cases"] + done["mining_cases"] - done["rectified"],
        "整改到位（未销号）": done["rectified"] - done["closed"],
        "已销号": done["closed"],
    })
    st.bar_chart(progress, x_label="乡镇", y_label="案件数", stack=True, color=["#e31a1c", "#fdbf2f", "#1a9641"])
