"""casemap — 用地用矿执法案件地图 of a county (代县 by default; Streamlit entry point).

Run with ``streamlit run app.py``.  This file only sets up the page and the navigation; each page is
drawn by a module in ``ui/``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from ui import auth, common
from ui.pages import (
    page_accounts,
    page_audit,
    page_briefing,
    page_cases,
    page_check,
    page_field,
    page_import,
    page_map,
    page_stats,
    page_timeline,
    page_triage,
)

# A local favicon: a Material icon would be fetched from the internet.
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"
st.set_page_config(page_title=f"{common.county().name}用地用矿执法案件地图", page_icon=str(FAVICON), layout="wide")

# Nobody sees a case before logging in; on the very first run the server's own browser creates the first
# administrator.  What each account may read and change is checked in the domain (cases.permissions).
# The pages are registered before login too, so that a link to /check still lands there after logging in.
ACCOUNT = auth.current_account(common.raw_store())


def _logged_in(render: Callable[[], None]) -> Callable[[], None]:
    def page() -> None:
        account = common.account()  # the login form, and stop, when nobody is logged in
        auth.sidebar_account(common.raw_store(), account)
        render()

    return page


MAP_PAGE = st.Page(_logged_in(page_map.render), title="案件地图", icon=":material/map:", url_path="map")


def _start() -> None:
    # Streamlit serves its default page at "/" only (its own url_path answers "page not found"), so the
    # default is this hidden page, which moves on to /map keeping the query string: /map can be bookmarked.
    st.switch_page(MAP_PAGE, query_params=st.query_params.to_dict())


PAGES = [
    st.Page(_start, title="案件地图", url_path="start", default=True, visibility="hidden"),
    MAP_PAGE,
    st.Page(_logged_in(page_check.render), title="越界核查", icon=":material/straighten:", url_path="check"),
    st.Page(_logged_in(page_field.render), title="现场核查", icon=":material/photo_camera:", url_path="field"),
    st.Page(_logged_in(page_stats.render), title="乡镇统计", icon=":material/bar_chart:", url_path="stats"),
    st.Page(_logged_in(page_timeline.render), title="专项行动进度", icon=":material/event:", url_path="timeline"),
    st.Page(_logged_in(page_cases.render), title="案件管理", icon=":material/edit_note:", url_path="cases"),
    st.Page(_logged_in(page_import.render), title="导入导出", icon=":material/import_export:", url_path="io"),
    st.Page(_logged_in(page_briefing.render), title="简报输出", icon=":material/print:", url_path="briefing"),
    st.Page(_logged_in(page_triage.render), title="卫片图斑", icon=":material/satellite_alt:", url_path="triage"),
    st.Page(_logged_in(page_audit.render), title="审计记录", icon=":material/history:", url_path="audit"),
]
# 账号管理 is listed for county accounts only, but always registered: /accounts opened before logging in
# must land there after the login, not on "page not found" (the domain refuses it to other roles).
PAGES.append(st.Page(_logged_in(page_accounts.render), title="账号管理", icon=":material/group:", url_path="accounts",
                     visibility="visible" if ACCOUNT is not None and ACCOUNT.role == "county" else "hidden"))
common.chinese_widgets()
st.navigation(PAGES, position="sidebar" if ACCOUNT is not None else "hidden").run()
