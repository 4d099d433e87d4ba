"""Page: 乡镇统计 — the per-township table, a choropleth and bar charts, with downloads."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from cases.io.files import guard_csv_frame
from cases.model import CATEGORY_SHORT, TOWNSHIPS
from cases.stats import STAT_COLUMNS, TOTAL, township_stats, with_chinese_headers
from geo.webmap.maps import build_choropleth
from ui import common

#: Measures offered for the choropleth (every numeric statistics column).
MEASURES = {k: v for k, v in STAT_COLUMNS.items() if k != "township"}


@st.cache_data(show_spinner=False)
def _stats(path: str, version: int, who: str) -> pd.DataFrame:
    return township_stats(common.load_cases(path, version))


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
    stats = _stats(path, ver, common.account_key())
    table = with_chinese_headers(stats)
    st.caption("案件按台账填报的责任乡镇统计；整改到位 = 乡镇已验收及以后的状态；面积按图形计算（点位案件按台账亩数）。")
    st.dataframe(table, hide_index=True, key="stats_table", height=35 * (len(table) + 1) + 3)
    c1, c2 = st.columns(2)
    c1.download_button("下载 Excel（xlsx）", _xlsx(table), file_name="乡镇统计.xlsx", key="dl_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c2.download_button("下载 CSV（Excel 可直接打开）", guard_csv_frame(table).to_csv(index=False).encode("utf-8-sig"),
                       file_name="乡镇统计.csv", mime="text/csv", key="dl_csv")

    st.subheader("分乡镇专题图")
    measure = st.selectbox("统计指标", list(MEASURES), format_func=MEASURES.get, key="stats_measure")
    county, towns, _ = common.load_layers(path, ver)
    values = stats.set_index("township")[measure].drop(TOTAL)
    m = build_choropleth(towns, values, title=MEASURES[measure], county=county, assets=common.map_assets())
    st_folium(m, key="stats_map", height=540, use_container_width=True, returned_objects=[])

    st.subheader("各乡镇案件类别")
    cats = stats.set_index("township").loc[list(TOWNSHIPS), [f"cat_{k}" for k in CATEGORY_SHORT]]
    cats.columns = [f"{k}.{v}" for k, v in CATEGORY_SHORT.items()]
    st.bar_chart(cats, x_label="乡镇", y_label="案件数", stack=True)

    st.subheader("整改到位与销号")
    done = stats.set_index("township").loc[list(TOWNSHIPS)]
    progress = pd.DataFrame({
        "未整改": done["land_cases"] + done["mining_cases"] - done["rectified"],
        "整改到位（未销号）": done["rectified"] - done["closed"],
        "已销号": done["closed"],
    })
    st.bar_chart(progress, x_label="乡镇", y_label="案件数", stack=True, color=["#e31a1c", "#fdbf2f", "#1a9641"])
