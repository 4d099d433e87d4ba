"""The app with today's nine-township division loaded over the demo: pickers, statistics and a past division."""

from __future__ import annotations

import pytest

from cases.store import open_store
from tests.cases.cli.test_divisions_cli import NINE, nine_township_layer
from tests.demo_division import TOWNSHIPS
from tests.ui.conftest import page_app


@pytest.fixture
def nine_db(demo_db, tmp_path):
    """The UI demo store with the nine townships of 2021 loaded (approximate, derived from the shipped layer)."""
    import geopandas as gpd

    layer = gpd.read_file(nine_township_layer(tmp_path / "nine.gpkg", name_field="name"))
    layer = layer.set_index("name").loc[NINE].reset_index()  # in the division's order, as load-townships stores it
    store = open_store(demo_db)
    store.add_township_division(layer.assign(approximate=True, source="示意"), year=2021, user="测试")
    store.close_all()
    return demo_db


class TestStatsPageDivisions:
    def test_current_division_by_default_and_a_past_one_on_request(self, nine_db):
        at = page_app("page_stats").run()
        assert not at.exception
        assert at.dataframe[0].value["乡镇"].tolist() == [*NINE, "合计"]
        picker = at.selectbox(key="stats_division")
        assert picker.options == ["2021 年起的区划（现行）", "2018 年起的区划"]
        picker.set_value(2018).run()
        assert not at.exception
        table = at.dataframe[0].value
        assert table["乡镇"].tolist() == [*TOWNSHIPS, "合计"]
        assert table.set_index("乡镇").loc["合计", "用地案件"] == 66

    def test_no_picker_with_one_division(self, demo_db):
        at = page_app("page_stats").run()
        assert not at.exception
        assert [s.key for s in at.selectbox] == ["stats_measure"]


class TestPickersFollowTheCurrentDivision:
    def test_map_page(self, nine_db):
        at = page_app("page_map").run()
        assert not at.exception
        assert at.selectbox(key="map_zoom_town").options == ["全县", *NINE]
        assert at.multiselect(key="flt_town").options == NINE
        at.multiselect(key="flt_town").set_value(["峪口镇"]).run()
        assert not at.exception

    def test_timeline_page(self, nine_db):
        at = page_app("page_timeline").run()
        assert not at.exception
        assert at.dataframe[0].value["乡镇"].tolist() == [*NINE, "合计"]
