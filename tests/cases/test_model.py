"""Case model validation and date parsing."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import Point, Polygon

from cases.model import Case, check_case, parse_date, validate_case
from geo.errors import ValidationError


def case(**kw) -> Case:
    base = dict(case_id="YD-1", kind="land", category=2, township="上馆镇", geometry=Point(112.95, 39.07))
    base.update(kw)
    return Case(**base)


def test_valid_case_passes():
    assert validate_case(case()) == []


@pytest.mark.parametrize(
    "changes, match",
    [
        (dict(category=7), "违法类别 7（越界开采）属于采矿类，与案件类型「用地」不符"),
        (dict(kind="mining", category=2), "属于用地类，与案件类型「采矿」不符"),
        (dict(area_mu_declared=-1.0), "亩数不能为负数"),
        (dict(township="繁峙镇"), "责任乡镇「繁峙镇」不是代县的乡镇"),
        (dict(category=11), "违法类别「11」无效"),
        (dict(status="完成"), "办理状态「完成」无效"),
        (dict(geometry=None), "缺少位置"),
        (dict(geometry=Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])), "几何图形无效"),
        (dict(found_date="2019/13/01"), "发现日期「2019/13/01」不是日期"),
    ],
)
def test_messages_name_the_field(changes, match):
    errs = validate_case(case(**changes))
    assert any(match in e for e in errs), errs
    with pytest.raises(ValidationError):
        check_case(case(**changes))


@pytest.mark.parametrize("text", ["2019-06-04", "2019.6.4", "2019/6/4", "2019年6月4日", "2019-06-04T00:00:00"])
def test_parse_date_formats(text):
    assert parse_date(text) == dt.date(2019, 6, 4)


@pytest.mark.parametrize("text", ["2019-13-01", "昨天", "6/4/2019"])
def test_parse_date_refuses(text):
    with pytest.raises(ValidationError, match=f"立案时间「{text}」不是有效日期"):
        parse_date(text, field_label="立案时间")


def test_defiant_after_campaign_start():
    assert case(found_date=dt.date(2019, 6, 5)).defiant
    assert not case(found_date=dt.date(2019, 6, 4)).defiant


@pytest.mark.parametrize(
    "changes, expect",
    [
        (dict(status="县级已验收", accept_county=True), []),
        (dict(status="县级已验收"), ["办理状态为「县级已验收」，但“县级验收”未填“是”"]),
        (dict(status="已立案", accept_county=True), ["“县级验收”为“是”，但办理状态仍为「已立案」"]),
        (dict(kind="mining", category=6, status="已销号", accept_county=True), ["办理状态为「已销号」，但“是否销号”未填“是”"]),
        (dict(kind="mining", category=6, status="已销号", accept_county=True, is_closed=True), []),
        (dict(kind="mining", category=6, status="乡镇已验收", is_closed=True), ["“是否销号”为“是”，但办理状态为「乡镇已验收」"]),
    ],
)
def test_consistency_notes(changes, expect):
    from cases.model import consistency_notes

    notes = consistency_notes(case(**changes))
    assert [n.split("：", 1)[1] for n in notes] == expect


def test_demo_data_is_consistent(tmp_path):
    from cases.demo import init_demo
    from cases.model import consistency_notes
    from cases.store import open_store

    s = open_store(tmp_path / "d.db", create=True)
    init_demo(s)
    assert [n for cid in s.cases().case_id for n in consistency_notes(s.get_case(cid))] == []
