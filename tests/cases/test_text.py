"""cases.text: the one date-to-Chinese and value-to-text rule; LedgerCellError: a bad ledger cell named by row and column."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
import shapely

from cases.text import date_text, is_missing, value_text
from geo.errors import CasemapError, LedgerCellError, LedgerFormatError, ValidationError


@pytest.mark.parametrize("day, text", [
    (dt.date(2019, 7, 15), "2019年7月15日"),
    (dt.date(2019, 1, 5), "2019年1月5日"),  # no leading zeros
    (dt.date(2020, 12, 31), "2020年12月31日"),
    (dt.datetime(2019, 7, 15, 8, 30), "2019年7月15日"),  # the time of day is not shown
])
def test_date_text(day, text):
    assert date_text(day) == text


@pytest.mark.parametrize("value", [None, float("nan"), np.nan, np.float64("nan"), pd.NaT, pd.NA])
def test_missing_values_are_empty_text(value):
    assert is_missing(value)
    assert value_text(value) == ""
    assert value_text(value, floats="plain", dates="chinese", strip=True) == ""


@pytest.mark.parametrize("value", ["", " ", 0, 0.0, False, "nan"])
def test_blank_text_zero_and_false_are_not_missing(value):
    assert not is_missing(value)


@pytest.mark.parametrize("value, text", [
    (7.0, "7"), (7.5, "7.5"), (-0.0, "0"), (np.float64(3.0), "3"), (1234567.0, "1234567"),
    (7, "7"), (np.int64(5), "5"), (True, "是"), (False, "否"),
    (dt.date(2019, 7, 5), "2019-07-05"), (dt.datetime(2019, 7, 5), "2019-07-05"),
    (dt.datetime(2019, 7, 5, 8, 30), "2019-07-05 08:30:00"), (pd.Timestamp("2019-07-05"), "2019-07-05"),
    ("峨口镇", "峨口镇"), (" 峨口镇 ", " 峨口镇 "), (shapely.Point(113.2, 39.1), "POINT (113.2 39.1)"),
])
def test_value_text_defaults(value, text):
    assert value_text(value) == text


@pytest.mark.parametrize("floats, value, text", [
    ("whole", 12.0, "12"), ("whole", 0.1234567, "0.1234567"),
    ("g", 12.0, "12"), ("g", 12.5, "12.5"), ("g", 0.1234567, "0.123457"), ("g", 1234567.0, "1.23457e+06"),
    ("plain", 12.0, "12.0"), ("plain", 1.5, "1.5"),
])
def test_value_text_floats(floats, value, text):
    assert value_text(value, floats=floats) == text


def test_value_text_options_for_dates_bools_and_whitespace():
    assert value_text(dt.date(2019, 7, 5), dates="chinese") == "2019年7月5日"
    assert value_text(dt.datetime(2019, 7, 5, 8, 30), dates="chinese") == "2019年7月5日"
    assert value_text(True, bools=("True", "False")) == "True"
    assert value_text(False, bools=("True", "False")) == "False"
    assert value_text("  峨口镇 ", strip=True) == "峨口镇"
    assert value_text("   ", strip=True) == ""


def test_each_caller_keeps_its_own_text():
    from cases.ledger.values import to_text
    from cases.output.sheets import _fmt
    from cases.store import _text

    assert to_text(" 12.0 ") == "12.0" and to_text(12.0) == "12" and to_text(dt.datetime(2019, 7, 5)) == "2019-07-05"
    assert _text(None) is None and _text(9.0) == "9.0" and _text(True) == "True" and _text(dt.date(2019, 7, 5)) == "2019-07-05"
    assert _fmt(3.0, "int") == "3" and _fmt(1234567.0, "float") == "1.23457e+06" and _fmt(1, "bool") == "是"
    assert _fmt(float("nan"), "text") == "" and _fmt(pd.NaT, "date") == ""


# -- LedgerCellError --------------------------------------------------------------------------------


def test_ledger_cell_error_is_a_ledger_format_error_carrying_its_parts():
    exc = LedgerCellError("「x」不是序号，应填整数", value="x", field="序号")
    assert isinstance(exc, LedgerFormatError) and isinstance(exc, CasemapError) and isinstance(exc, ValueError)
    assert str(exc) == exc.reason == "「x」不是序号，应填整数"
    assert (exc.value, exc.field) == ("x", "序号")


@pytest.mark.parametrize("convert, value, reason", [
    ("to_category", "abc", "「abc」不是违法类别，应填 1–10（1–5 用地，6–10 采矿）或类别名称"),
    ("to_int", "1.5", "「1.5」不是序号，应填整数"),
    ("to_count", "-1", "「-1」不是人数，应填非负整数"),
    ("to_bool", "也许", "「也许」应只填“是”或“否”"),
    ("to_date", "2019-13-01", "「2019-13-01」不是有效日期，应为 2019-06-04、2019.6.4 或 2019年6月4日"),
    ("to_fine", -1, "罚款不能为负数（-1）"),
    ("to_kind", "林地", "「林地」不是案件类型，应为“用地”或“采矿”"),
])
def test_converters_raise_ledger_cell_error(convert, value, reason):
    from cases.ledger import values

    with pytest.raises(LedgerCellError) as exc:
        getattr(values, convert)(value)
    assert exc.value.reason == reason and exc.value.value == value


def test_bad_township_is_a_cell_error_not_a_validation_error():
    from cases.ledger.values import to_township

    with pytest.raises(LedgerCellError) as exc:
        to_township("某某乡")
    assert not isinstance(exc.value, ValidationError)
    assert exc.value.reason.startswith("「某某乡」不是代县的乡镇，应为：")
    assert to_township("峨口") == "峨口镇"


def _csv(path, *, category: str, township: str = "峨口镇"):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["序号", "责任乡镇", "基本情况（摘要）", "违法类别"])
    w.writerow([1, township, "张某2019年5月在峨口镇西河村非法占地2亩", category])
    path.write_bytes(buf.getvalue().encode("gbk"))
    return path


def test_bad_category_cell_is_named_by_row_and_column(tmp_path):
    from cases.ledger.importer import read_ledger

    parsed = read_ledger(_csv(tmp_path / "cat.csv", category="第11类"), kind="land")
    assert parsed.all_errors == ["第 2 行 D 列（违法类别）：「第11类」不是违法类别，应填 1–10（1–5 用地，6–10 采矿）或类别名称"]
    assert parsed.cases == []


def test_bad_township_cell_is_named_by_row_and_column(tmp_path):
    from cases.ledger.importer import read_ledger

    parsed = read_ledger(_csv(tmp_path / "town.csv", category="3", township="某某乡"), kind="land")
    assert len(parsed.all_errors) == 1
    assert parsed.all_errors[0].startswith("第 2 行 B 列（责任乡镇）：「某某乡」不是代县的乡镇，应为：")
