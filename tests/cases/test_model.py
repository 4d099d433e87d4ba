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
