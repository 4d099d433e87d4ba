"""专项行动进度: the overdue cases listed with links to the map, one type per column, tables that fit."""

from __future__ import annotations

import datetime as dt
import json

from tests.ui.conftest import page_app


def _day(at, day: dt.date):
    at.date_input(key="timeline_day").set_value(day).run()
    assert not at.exception
    return at


class TestOverdueList:
    def test_lists_each_overdue_case_with_a_link_to_the_map(self, demo_db):
        at = _day(page_app("page_timeline").run(), dt.date(2019, 10, 28))
        per_town = at.dataframe[0].value.set_index("乡镇")
        late = at.dataframe[1].value
        assert len(late) == per_town.loc["合计", "乡镇完成辖区验收（10-25）逾期"] > 0
        assert any(s.value == f"逾期案件（{len(late)} 起）" for s in at.subheader)
        assert "map?case=CK-2019-004" in late["案件编号"].tolist()
        assert set(late["逾期节点"]) == {"10-25 乡镇完成辖区验收"} and set(late["逾期天数"]) == {3}
        for town, n in late.groupby("乡镇").size().items():
            assert per_town.loc[town, "乡镇完成辖区验收（10-25）逾期"] == n
        config = json.loads(at.dataframe[1].proto.columns)
        assert config["案件编号"]["type_config"]["type"] == "link"

    def test_nothing_overdue_before_the_first_deadline(self, demo_db):
        at = _day(page_app("page_timeline").run(), dt.date(2019, 7, 1))
        assert at.success[0].value == "没有逾期案件。"


class TestOneTypePerColumn:
    def test_days_left_is_text_in_every_row(self, demo_db):
        at = _day(page_app("page_timeline").run(), dt.date(2019, 10, 28))
        deadlines = at.table[1].value
        assert deadlines["剩余天数"].tolist() == ["已过 131 天", "已过 3 天", "还剩 2 天", "还剩 18 天"]
        assert all(isinstance(v, str) for v in deadlines["剩余天数"])


class TestFits:
    def test_township_table_shows_every_row_with_short_headers(self, demo_db):
        at = _day(page_app("page_timeline").run(), dt.date(2019, 10, 28))
        grid = at.dataframe[0]
        config = json.loads(grid.proto.columns)
        assert config["乡镇完成辖区验收（10-25）逾期"]["label"] == "10-25 逾期"
        assert "乡镇完成辖区验收" in config["乡镇完成辖区验收（10-25）逾期"]["help"]
