"""casemap — 代县用地用矿执法案件地图 (Streamlit entry point).

Run with ``streamlit run app.py``.  This file only sets up the page and the navigation; each page is
drawn by a module in ``ui/``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import (
    page_briefing,
    page_cases,
    page_check,
    page_import,
    page_map,
    page_stats,
    page_timeline,
)

# A local favicon: a Material icon would be fetched from the internet.
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"
st.set_page_config(page_title="代县用地用矿执法案件地图", page_icon=str(FAVICON), layout="wide")

PAGES = [
    st.Page(page_map.render, title="案件地图", icon=":material/map:", url_path="map", default=True),
    st.Page(page_check.render, title="越界核查", icon=":material/straighten:", url_path="check"),
    st.Page(page_stats.render, title="乡镇统计", icon=":material/bar_chart:", url_path="stats"),
    st.Page(page_timeline.render, title="专项行动进度", icon=":material/event:", url_path="timeline"),
    st.Page(page_cases.render, title="案件管理", icon=":material/edit_note:", url_path="cases"),
    st.Page(page_import.render, title="导入导出", icon=":material/import_export:", url_path="io"),
    st.Page(page_briefing.render, title="简报输出", icon=":material/print:", url_path="briefing"),
]
st.navigation(PAGES).run()
