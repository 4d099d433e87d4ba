"""What a session keeps: the map's filters and picked case survive their widgets being unmounted (another
page shown), a link's case and filters are taken from the address, and imports carry the logged-in name."""

from __future__ import annotations

from cases.store import SQLiteStore
from tests.ui.conftest import login_token, page_app
from tests.ui.test_page_import import _ledger_bytes
from ui import common
from ui.auth import KEY_TOKEN
from ui.pages.page_import import KEY_UPLOAD


def _count(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**筛选结果"))


#: The map page, or (while ``away`` is set) another page: its widgets are not drawn and Streamlit drops them.
AWAY = """
import streamlit as st
from ui.pages import page_map
if st.session_state.get("away"):
    st.write("另一个页面")
else:
    page_map.render()
"""


def test_map_filters_and_case_come_back_after_their_widgets_were_dropped(demo_db):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(AWAY, default_timeout=90)
    at.session_state[KEY_TOKEN] = login_token(demo_db, "测试管理员")
    at.run()
    at.sidebar.multiselect(key="flt_kind").set_value(["mining"]).run()
    at.sidebar.text_input(key="flt_text").set_value("CK-2019-00").run()
    at.selectbox(key="map_pick").set_value("CK-2019-004").run()
    before = _count(at)
    # another page is shown: Streamlit drops the state of every widget it did not draw
    at.session_state["away"] = True
    at.query_params.clear()
    at.run()
    assert "flt_kind" not in at.session_state
    at.session_state["away"] = False
    at.run()
    assert not at.exception
    assert _count(at) == before
    assert at.sidebar.multiselect(key="flt_kind").value == ["mining"]
    assert at.selectbox(key="map_pick").value == "CK-2019-004"
    assert at.session_state[common.KEY_SELECTED_CASE] == "CK-2019-004"


def test_the_address_sets_case_and_filters_and_follows_changes(demo_db):
    at = page_app("page_map")
    at.query_params["case"] = "CK-2019-004"
    at.query_params["kind"] = "mining"
    at.query_params["township"] = "上磨坊乡"
    at.run()
    assert not at.exception
    assert at.selectbox(key="map_pick").value == "CK-2019-004"
    assert at.sidebar.multiselect(key="flt_town").value == ["上磨坊乡"]
    assert at.sidebar.multiselect(key="flt_kind").value == ["mining"]
    assert any(m.label == "最远越界距离" and m.value == "156.5 米" for m in at.metric)
    at.sidebar.multiselect(key="flt_kind").set_value([]).run()
    assert dict(at.query_params) == {"case": "CK-2019-004", "township": "上磨坊乡"}


def test_an_unknown_case_in_the_address_picks_nothing(demo_db):
    at = page_app("page_map")
    at.query_params["case"] = "XX-0000"
    at.run()
    assert not at.exception and at.selectbox(key="map_pick").value == "（未选择）"


def test_an_import_is_logged_under_the_logged_in_account(demo_db, tmp_path):
    at = page_app("page_import", user="张三")
    at.session_state[KEY_UPLOAD] = _ledger_bytes(tmp_path)
    at.run()
    at.button(key="imp_preview").click().run()
    at.button(key="imp_confirm").click().run()
    assert not at.exception
    log = SQLiteStore(demo_db).audit(case_id="YD-峨口镇-001")
    assert len(log) and set(log["user"]) == {"张三"}
