"""Demo data (示例数据): deterministic, covers every township and category, and trips every check."""

from __future__ import annotations

from collections import Counter

import pytest

from cases.demo import init_demo
from cases.model import CATEGORIES
from cases.service import check_store, store_notes
from cases.store import open_store
from tests.demo_division import TOWNSHIPS


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    s = open_store(tmp_path_factory.mktemp("demo") / "demo.db", create=True)
    init_demo(s)
    return s


def test_counts(demo):
    cases = demo.cases()
    assert (cases.kind == "land").sum() >= 60 and (cases.kind == "mining").sum() >= 40
    assert len(demo.permits()) >= 20
    assert set(cases.category) == set(CATEGORIES)
    assert set(cases.township) == set(TOWNSHIPS)
    assert cases.summary.str.contains("示例").all()


def test_checks_find_each_problem(demo):
    res = check_store(demo)
    flags = Counter(f for fl in res["flags"] for f in fl)
    for code in ("OUT_OF_BOUNDS", "NO_PERMIT", "WRONG_MINERAL", "PERMIT_EXPIRED", "CROSSES_TOWNSHIPS", "TOWNSHIP_MISMATCH"):
        assert flags[code] > 0, code
    assert flags["OUTSIDE_COUNTY"] == 0
    assert set(res.township) == set(TOWNSHIPS)


def test_deterministic(tmp_path, demo):
    other = open_store(tmp_path / "again.db", create=True)
    init_demo(other)
    a, b = demo.cases(), other.cases()
    assert a.drop(columns=["updated_at"]).equals(b.drop(columns=["updated_at"]))


def test_notes_label_demo_and_approximate(demo):
    notes = "".join(store_notes(demo))
    assert "示例数据" in notes and "示意" in notes
