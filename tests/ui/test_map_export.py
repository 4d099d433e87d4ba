"""案件地图 → 导出地图: the snapshot names the township shown and the filters; the store follows code reloads."""

from __future__ import annotations

import pytest

from cases.filters import CaseFilter
from ui import common
from ui.pages.page_map import WHOLE_COUNTY, export_texts, view_township


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
    first = common.raw_store()
    assert common.raw_store() is first

    class ReloadedStore(common.SQLiteStore):
        pass

    monkeypatch.setattr(common, "SQLiteStore", ReloadedStore)
    assert common.raw_store() is not first


def test_check_page_exports_a_pasted_parcel_with_its_outside_part(demo_db):
    import pandas as pd
    import shapely

    from geo.checks import outside_parts
    from geo.crs import to_area_crs
    from tests.ui.conftest import page_app
    from ui.pages.page_check import _subject_frame

    at = page_app("page_check").run()
    at.radio(key="check_source").set_value("粘贴坐标").run()
    at.text_area(key="check_geom_text").set_value(
        "113.0000, 39.0000\n113.0010, 39.0000\n113.0010, 39.0010\n113.0000, 39.0010").run()
    assert not at.exception
    assert [b.proto.label for b in at.get("download_button")] == ["下载 PNG", "下载 PDF"]

    permits = common.raw_store().permits()
    permit = permits.iloc[0]
    square = shapely.box(*permit.geometry.bounds)
    moved = shapely.affinity.translate(square, xoff=square.bounds[2] - square.bounds[0])  # wholly east of it
    result = pd.Series({"permit_no": permit["permit_no"], "township": "峨口镇"})
    frame = _subject_frame(moved, "核查图形", result)
    assert frame.iloc[0][["case_id", "kind", "township", "permit_no"]].tolist() == [
        "核查图形", "mining", "峨口镇", permit["permit_no"]]
    outside = outside_parts(frame, permits).iloc[0]
    assert outside.area == pytest.approx(to_area_crs(frame).geometry.iloc[0].area, rel=1e-6)
    no_permit = _subject_frame(moved, "核查图形", pd.Series({"permit_no": None, "township": None}))
    assert no_permit.iloc[0][["kind", "township", "permit_no"]].tolist() == ["land", "", None]


def test_bulletin_tab_defaults_to_the_last_bulletin_day(demo_db):
    import datetime as dt

    from cases.output.bulletin import previous_bulletin_day
    from tests.ui.conftest import page_app

    at = page_app("page_briefing").run()
    assert not at.exception
    day = at.date_input(key="brf_day").value
    today = dt.date.today()
    assert day <= today and (day.day in (15, 30) or (day + dt.timedelta(days=1)).day == 1)
    assert previous_bulletin_day(today + dt.timedelta(days=1)) == day


def test_export_texts_of_a_case_zoom_name_the_case():
    assert export_texts(WHOLE_COUNTY, CaseFilter(kinds=("mining",)), case_id="CK-2019-004",
                        case_township="上磨坊乡") == ("案件 CK-2019-004 位置图", "代县上磨坊乡 案件 CK-2019-004（筛选：类型=采矿）")


def test_map_page_zoomed_to_a_case_offers_its_export(demo_db):
    from tests.ui.conftest import page_app

    at = page_app("page_map").run()
    at.selectbox(key="map_pick").set_value("CK-2019-004").run()
    assert not at.exception
    assert "下载 PNG" in [b.proto.label for b in at.get("download_button")]


def test_case_zoom_extent_holds_the_case_and_its_permit(demo_db):
    import shapely

    from ui.pages.page_map import NONE, _extent

    s = common.raw_store()
    cases, permits = s.cases(), s.permits()
    case = cases.loc[cases["case_id"] == "CK-2019-017"]
    permit = permits.loc[permits["permit_no"] == case["permit_no"].iloc[0]]
    box = shapely.box(*_extent(s.county(), s.townships(), cases, WHOLE_COUNTY, "CK-2019-017", permits))
    assert box.contains(case.geometry.iloc[0]) and box.contains(permit.geometry.iloc[0])
    assert _extent(s.county(), s.townships(), cases, WHOLE_COUNTY, NONE, permits) == tuple(s.county().total_bounds)
