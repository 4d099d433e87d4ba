"""Campaign configuration: phases and deadlines from data/campaign.json, open/overdue counts."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from cases.campaign import deadline_table, load_campaign, open_at, parse_campaign
from geo.errors import ValidationError
from tests.demo_division import TOWNSHIPS

D = dt.date


@pytest.fixture(scope="module")
def campaign():
    return load_campaign()


class TestShippedCampaign:
    def test_four_phases_of_the_seed(self, campaign):
        assert [(p.name, p.start, p.end) for p in campaign.phases] == [
            ("组织准备", D(2019, 6, 4), D(2019, 6, 11)),
            ("排查摸底", D(2019, 6, 12), D(2019, 6, 30)),
            ("查处整改", D(2019, 7, 1), D(2019, 10, 31)),
            ("检查验收", D(2019, 11, 1), D(2019, 11, 15)),
        ]
        assert campaign.year == 2019

    def test_deadlines(self, campaign):
        assert [(d.key, d.date) for d in campaign.deadlines] == [
            ("ledger", D(2019, 6, 19)), ("township_acceptance", D(2019, 10, 25)),
            ("township_report", D(2019, 10, 30)), ("county_acceptance", D(2019, 11, 15)),
        ]

    @pytest.mark.parametrize("day, phase", [
        (D(2019, 6, 4), "组织准备"), (D(2019, 6, 11), "组织准备"), (D(2019, 6, 12), "排查摸底"),
        (D(2019, 10, 31), "查处整改"), (D(2019, 11, 15), "检查验收"), (D(2019, 11, 16), None), (D(2019, 6, 3), None),
    ])
    def test_phase_on(self, campaign, day, phase):
        got = campaign.phase_on(day)
        assert (got.name if got else None) == phase

    def test_describe_day(self, campaign):
        assert campaign.describe_day(D(2019, 7, 5)) == "2019年7月5日处于第3阶段“查处整改”，本阶段还剩 118 天"
        assert campaign.describe_day(D(2020, 1, 1)) == "2020年1月1日专项行动已于2019年11月15日结束"
        assert campaign.describe_day(D(2019, 5, 1)) == "2019年5月1日专项行动尚未开始（2019年6月4日开始）"


class TestConfiguration:
    def test_next_years_campaign_from_another_file(self, tmp_path, monkeypatch):
        obj = {"name": "2020 年专项行动", "year": 2020,
               "phases": [{"name": "排查", "start": "2020-05-01", "end": "2020.5.31"}],
               "deadlines": [{"key": "x", "name": "验收", "date": "2020年6月30日", "rule": "status",
                              "required_status": "县级已验收"}]}
        path = tmp_path / "c.json"
        path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
        monkeypatch.setenv("CASEMAP_CAMPAIGN", str(path))
        c = load_campaign()
        assert c.year == 2020 and c.end == D(2020, 5, 31) and c.deadlines[0].date == D(2020, 6, 30)

    @pytest.mark.parametrize("change, message", [
        ({"phases": []}, "没有任何阶段"),
        ({"phases": [{"name": "甲", "start": "2019-07-01", "end": "2019-06-01"}]}, "结束日期 2019-06-01 早于开始日期"),
        ({"phases": [{"name": "甲", "start": "2019-13-01", "end": "2019-06-01"}]}, "不是有效日期"),
        ({"deadlines": [{"name": "乙", "date": "2019-06-19", "rule": "status", "required_status": "完成"}]},
         "required_status「完成」无效"),
        ({"deadlines": [{"name": "乙", "date": "2019-06-19", "rule": "soon"}]}, "rule「soon」无效"),
    ])
    def test_bad_configuration_is_named(self, change, message):
        obj = {"phases": [{"name": "甲", "start": "2019-06-01", "end": "2019-06-30"}], "deadlines": []}
        obj.update(change)
        with pytest.raises(ValidationError, match=message):
            parse_campaign(obj)

    def test_broken_json(self, tmp_path):
        path = tmp_path / "bad.json"
        path.write_text("{", encoding="utf-8")
        with pytest.raises(ValidationError, match="不是有效的 JSON"):
            load_campaign(path)


def _cases(rows):
    return pd.DataFrame(rows, columns=["township", "status", "found_date"])


class TestOpenCases:
    def test_open_at_status_deadline(self, campaign):
        cases = _cases([("上馆镇", "查处整改中", D(2019, 6, 15)), ("上馆镇", "乡镇已验收", D(2019, 6, 15)),
                        ("峨口镇", "已销号", D(2019, 6, 20)), ("峨口镇", "排查发现", None)])
        town = campaign.deadlines[1]
        county = campaign.deadlines[3]
        assert open_at(cases, town).tolist() == [True, False, False, True]
        assert open_at(cases, county).tolist() == [True, True, False, True]
        assert open_at(cases, campaign.deadlines[0]).tolist() == [False, False, True, False]

    def test_table_has_every_township_and_total(self, campaign):
        cases = _cases([("上馆镇", "查处整改中", D(2019, 6, 15)), ("上馆镇", "乡镇已验收", D(2019, 6, 25)),
                        ("峨口镇", "已销号", D(2019, 6, 20))])
        t = deadline_table(cases, campaign, today=D(2019, 10, 28), townships=TOWNSHIPS)
        assert t["乡镇"].tolist() == [*TOWNSHIPS, "合计"]
        row = t.set_index("乡镇").loc["上馆镇"]
        assert row["乡镇完成辖区验收（10-25）未完成"] == 1 and row["乡镇完成辖区验收（10-25）逾期"] == 1
        assert row["县领导组完成验收（11-15）未完成"] == 2 and row["县领导组完成验收（11-15）逾期"] == 0
        assert row["问题清单（台账）报县领导组（06-19）之后发现（补报）"] == 1
        assert t.set_index("乡镇").loc["合计", "问题清单（台账）报县领导组（06-19）之后发现（补报）"] == 2
