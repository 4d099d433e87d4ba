"""案件地图 → 导出地图: the snapshot names the township shown and the filters; the store follows code reloads."""

from __future__ import annotations

from cases.casefilter import CaseFilter
from ui import common
from ui.page_map import WHOLE_COUNTY, export_texts, view_township


def test_a_single_township_filter_is_the_township_shown():
    assert view_township(WHOLE_COUNTY, CaseFilter(townships=("峨口镇",))) == "峨口镇"
    assert view_township(WHOLE_COUNTY, CaseFilter(townships=("峨口镇", "峪口乡"))) == WHOLE_COUNTY
    assert view_township("峪口乡", CaseFilter(townships=("峨口镇",))) == "峪口乡"


def test_export_texts_name_the_filters_but_not_the_township_twice():
    assert export_texts(WHOLE_COUNTY, CaseFilter()) == ("全县案件分布图", "代县全县")
    assert export_texts("峨口镇", CaseFilter(townships=("峨口镇",), kinds=("mining",))) == (
        "峨口镇案件分布图", "代县峨口镇（筛选：类型=采矿）")
    assert export_texts(WHOLE_COUNTY, CaseFilter(townships=("峨口镇", "峪口乡"), statuses=("已立案",))) == (
        "全县案件分布图", "代县全县（筛选：乡镇=峨口镇或峪口乡；办理状态=已立案）")


def test_store_is_made_again_when_the_code_was_reloaded(demo_db, monkeypatch):
    # Streamlit re-imports changed modules while the app runs; a store made by the old cases.store
    # would raise old ConflictError objects that the re-imported page cannot catch.
    first = common.store()
    assert common.store() is first

    class ReloadedStore(common.SQLiteStore):
        pass

    monkeypatch.setattr(common, "SQLiteStore", ReloadedStore)
    assert common.store() is not first
