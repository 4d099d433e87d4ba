"""Case filters for the map page."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cases.filters import ANY_FLAG, CaseFilter, filter_mask

CASES = pd.DataFrame({
    "case_id": ["YD-1", "YD-2", "CK-1", "CK-2"],
    "kind": ["land", "land", "mining", "mining"],
    "category": [1, 3, 7, 6],
    "township": ["上馆镇", "峨口镇", "峨口镇", "胡峪乡"],
    "status": ["排查发现", "已销号", "查处整改中", "已立案"],
    "found_date": [dt.date(2019, 6, 12), dt.date(2019, 7, 1), None, dt.date(2019, 8, 1)],
    "party": ["张某某", "代县石料厂", "李某某", "王某某"],
    "location": ["上馆镇东庄村", "峨口镇西河村", "峨口镇南沟村", "胡峪乡石门村"],
})
CHECKS = pd.DataFrame({"case_id": ["CK-2", "CK-1", "YD-1", "YD-2"],
                       "flags": [["NO_PERMIT"], ["OUT_OF_BOUNDS", "PERMIT_EXPIRED"], [], ["CROSSES_TOWNSHIPS"]]})


@pytest.mark.parametrize("f, kept", [
    (CaseFilter(), ["YD-1", "YD-2", "CK-1", "CK-2"]),
    (CaseFilter(townships=("峨口镇",)), ["YD-2", "CK-1"]),
    (CaseFilter(kinds=("mining",)), ["CK-1", "CK-2"]),
    (CaseFilter(categories=(1, 7)), ["YD-1", "CK-1"]),
    (CaseFilter(statuses=("已销号", "已立案")), ["YD-2", "CK-2"]),
    (CaseFilter(flags=("OUT_OF_BOUNDS",)), ["CK-1"]),
    (CaseFilter(flags=(ANY_FLAG,)), ["YD-2", "CK-1", "CK-2"]),
    (CaseFilter(found_from=dt.date(2019, 7, 1)), ["YD-2", "CK-2"]),
    (CaseFilter(found_to=dt.date(2019, 7, 1)), ["YD-1", "YD-2"]),
    (CaseFilter(text="石料"), ["YD-2"]),
    (CaseFilter(text="ck-"), ["CK-1", "CK-2"]),
    (CaseFilter(text="南沟"), ["CK-1"]),
    (CaseFilter(townships=("峨口镇",), kinds=("mining",), flags=(ANY_FLAG,)), ["CK-1"]),
])
def test_filter(f, kept):
    assert CASES["case_id"][filter_mask(CASES, CHECKS, f)].tolist() == kept


def test_flag_filter_without_checks_keeps_nothing():
    assert not filter_mask(CASES, None, CaseFilter(flags=("NO_PERMIT",))).any()
