"""describe_filter: the Chinese text naming what a map filter keeps."""

from __future__ import annotations

import datetime as dt

from cases.filters import ANY_FLAG, CaseFilter, describe_filter


def test_empty_filter_says_nothing():
    assert describe_filter(CaseFilter()) == ""


def test_every_key_is_named_in_chinese():
    f = CaseFilter(townships=("峨口镇", "峪口乡"), kinds=("mining",), categories=(7,), statuses=("已立案", "查处整改中"),
                   flags=("OUT_OF_BOUNDS", ANY_FLAG), found_from=dt.date(2019, 6, 1), found_to=None, text=" 铁矿 ")
    assert describe_filter(f) == ("乡镇=峨口镇或峪口乡；类型=采矿；违法类别=7（越界开采）；办理状态=已立案或查处整改中；"
                                  "核查标记=越界开采或任一问题；发现日期=2019-06-01至…；搜索「铁矿」")
