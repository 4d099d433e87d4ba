"""The overdue cases of a day: each case once, with the first status deadline it missed and the days since."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cases.campaign import OVERDUE_COLUMNS, load_campaign, overdue_cases

D = dt.date


def _cases(rows) -> pd.DataFrame:
    return pd.DataFrame([{"case_id": f"YD-{i}", "township": t, "kind": "land", "party": f"主体{i}", "status": s,
                          "found_date": D(2019, 6, 15)} for i, (t, s) in enumerate(rows, start=1)])


def test_first_missed_deadline_and_days_since():
    cases = _cases([("上馆镇", "查处整改中"), ("峨口镇", "乡镇已验收"), ("峨口镇", "已销号"), ("上馆镇", "排查发现")])
    late = overdue_cases(cases, load_campaign(), today=D(2019, 11, 20))
    assert list(late.columns) == list(OVERDUE_COLUMNS)
    rows = {r.case_id: r for r in late.itertuples()}
    assert set(rows) == {"YD-1", "YD-2", "YD-4"}  # 已销号 is never overdue
    assert rows["YD-1"].deadline == "乡镇完成辖区验收" and rows["YD-1"].days_overdue == 26
    assert rows["YD-2"].deadline == "县领导组完成验收" and rows["YD-2"].days_overdue == 5
    assert late["case_id"].tolist()[-1] == "YD-2"  # most overdue first


def test_nothing_overdue_before_a_deadline_passes():
    cases = _cases([("上馆镇", "排查发现")])
    assert overdue_cases(cases, load_campaign(), today=D(2019, 10, 25)).empty  # due today is not late
    assert overdue_cases(cases.iloc[0:0], load_campaign(), today=D(2019, 12, 1)).empty
