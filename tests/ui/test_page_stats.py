"""乡镇统计: tables that fit (整改到位/已销号 in the main table), charts in natural category order with whole labels,
and the xlsx download is the titled workbook."""

from __future__ import annotations

import json

from cases.model import CATEGORIES, CATEGORY_SHORT
from tests.demo_division import TOWNSHIPS
from tests.ui.conftest import page_app


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


class TestStatsPage:
    def test_main_table_has_the_progress_columns_and_categories_have_their_own(self, demo_db):
        at = page_app("page_stats").run()
        assert not at.exception
        main = at.dataframe[0]
        assert list(main.proto.column_order) == ["乡镇", "用地案件", "采矿案件", "面积（亩）", "罚款（万元）", "追刑（人）",
                                                 "追责（人）", "整改到位", "已销号"]
        land, mining = at.dataframe[1], at.dataframe[2]
        assert list(land.proto.column_order) == ["乡镇", *(f"类别{k}" for k in range(1, 6))]
        labels = {k: v["label"] for k, v in json.loads(mining.proto.columns).items() if "label" in v}
        assert labels["类别9"] == "9. 改变开采方式" and labels["类别10"] == "10. 不按矿种开采"

    def test_category_legend_in_natural_order_with_whole_labels(self, demo_db):
        at = page_app("page_stats").run()
        spec = _charts(at)[0]
        color = spec["encoding"]["color"]
        assert color["scale"]["domain"] == [f"{k}. {v}" for k, v in CATEGORY_SHORT.items()]
        assert color["legend"]["labelLimit"] == 0
        assert spec["encoding"]["y"]["sort"] == list(TOWNSHIPS)
        assert len(CATEGORIES) == 10

    def test_progress_chart_keeps_township_order(self, demo_db):
        at = page_app("page_stats").run()
        spec = _charts(at)[1]
        assert spec["encoding"]["y"]["sort"] == list(TOWNSHIPS)
        assert spec["encoding"]["color"]["scale"]["domain"] == ["未整改", "整改到位（未销号）", "已销号"]

    def test_xlsx_button_names_the_county(self, demo_db):
        at = page_app("page_stats").run()
        labels = [b.proto.label for b in at.get("download_button")]
        assert labels == ["下载 Excel（xlsx）", "下载 CSV（Excel 可直接打开）"]
