"""乡镇统计 shows 涉嫌犯罪移送 per township — cases over a threshold against the 追刑 recorded — and the cases with
the rule that fired; a township account is told the reference layers were not read."""

from __future__ import annotations

from cases.output.referrals import UNREADABLE
from cases.store import open_store
from cases.triage.layers import load_demo_layers
from tests.ui.conftest import page_app


def _with_layers(path) -> None:
    store = open_store(path)
    load_demo_layers(store, user="测试")
    store.close_all()


class TestReferralSection:
    def test_per_township_table_and_case_list(self, demo_db):
        _with_layers(demo_db)
        at = page_app("page_stats").run()
        assert not at.exception
        table = at.dataframe[3].value.set_index("乡镇")
        assert table.loc["聂营镇"].tolist() == [4, 0, 4, 0]
        assert table.loc["合计"].tolist() == [40, 6, 34, 6]
        listed = at.dataframe[4].value.set_index("案件编号")
        assert listed.loc["YD-2019-049", "触发的规则与数字"] == "非法占用永久基本农田 20.56 亩（标准 ≥ 5 亩）"
        assert any("40 起案件达到标准" in c.value for c in at.caption)

    def test_township_account_is_told_why_nothing_is_shown(self, demo_db):
        _with_layers(demo_db)
        at = page_app("page_stats", user="峨口干部").run()
        assert not at.exception
        assert any(c.value == UNREADABLE for c in at.caption)
