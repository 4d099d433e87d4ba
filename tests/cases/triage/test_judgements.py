"""Confirmed judgements are kept by year and recognise the same ground in a later year; patches become cases."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import box

from cases.triage.rules import Rules
from cases.triage.workflow import illegal_ids, judge, judged_layers, patch_cases, save_judgements
from geo.errors import ValidationError
from tests.conftest import E0, N0, gk_frame


def patches(*items):
    return gk_frame([{"patch_id": p} for p, _ in items], [g for _, g in items])


def test_judgement_of_an_earlier_year_is_recognised(demo_copy):
    first = patches(("2019-1", box(E0, N0, E0 + 100, N0 + 100)), ("2019-2", box(E0 + 500, N0, E0 + 600, N0 + 100)))
    assert save_judgements(demo_copy, first, ["伪变化", "合法"], year=2019, user="测试") == 2
    assert set(judged_layers(demo_copy)[2019]["judgement"]) == {"伪变化", "合法"}
    # 2020: one patch 60 % over the 2019 伪变化 (≥ 50 % → handled), one 40 % over the 2019 合法 (not)
    later = patches(("2020-1", box(E0 + 40, N0, E0 + 140, N0 + 100)), ("2020-2", box(E0 + 560, N0, E0 + 660, N0 + 100)))
    res = judge(demo_copy, later, rules=Rules()).set_index("patch_id")
    assert res.loc["2020-1", "handled"] == "2019 年已核实为伪变化（图斑 2019-1）"
    assert res.loc["2020-2", "handled"] == ""
    looser = judge(demo_copy, later, rules=Rules(handled_overlap=0.4)).set_index("patch_id")
    assert looser.loc["2020-2", "handled"] == "2019 年已核实为合法（图斑 2019-2）"


def test_unknown_judgement_is_refused(demo_copy):
    with pytest.raises(ValidationError, match="核实结论「存疑」无效"):
        save_judgements(demo_copy, patches(("x", box(E0, N0, E0 + 10, N0 + 10))), ["存疑"], year=2019, user="测试")


def test_patch_cases_keep_the_patch_number(demo_copy):
    p = patches(("T-1", box(E0, N0, E0 + 100, N0 + 100)), ("T-2", box(E0 + 300, N0, E0 + 400, N0 + 100)))
    res = judge(demo_copy, p, rules=Rules())
    ids = illegal_ids(res, ["违法", "违法"])
    assert ids == ["T-1", "T-2"]
    items = patch_cases(p, res, year=2019, in_list=[True, False], found=dt.date(2019, 9, 1))
    assert [(c.case_id, c.category) for c in items] == [("WP-T-1", 2), ("WP-T-2", 3)]
    assert items[0].area_mu_declared == 15.0 and items[0].township == res["township"].iloc[0]
    assert "卫片图斑编号：T-2（2019 年度，未列入当年下发图斑）" == items[1].remarks
    demo_copy.upsert_cases(items, user="测试")
    again = judge(demo_copy, p, rules=Rules())
    assert list(again["handled"]) == ["已有案件 WP-T-1", "已有案件 WP-T-2"]
    assert illegal_ids(again, ["违法", "违法"]) == []
