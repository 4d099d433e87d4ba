"""Cases without a position yet (未定位, from a ledger without coordinates) through stats, sheets and exports."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.demo import init_demo
from cases.io.exchange import export_geodata
from cases.model import Case
from cases.output.sheets import township_case_ids, write_sheets
from cases.stats import township_stats
from cases.store import open_store
from geo.errors import ValidationError
from tests.demo_division import TOWNSHIPS


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "u.db", create=True)
    init_demo(s)
    s.upsert_cases([Case(case_id="YD-WDW-001", kind="land", category=1, township="峨口镇", area_mu_declared=7.5,
                         found_date=dt.date(2019, 7, 1), summary="台账无坐标")], user="t", allow_unlocated=True)
    yield s
    s.close()


def test_store_refuses_unlocated_unless_allowed(tmp_path):
    s = open_store(tmp_path / "r.db", create=True)
    with pytest.raises(ValidationError, match="缺少位置"):
        s.upsert_cases([Case(case_id="X", kind="land", category=1, township="峨口镇")], user="t")


def test_stats_count_the_declared_area(store):
    before = township_stats(store.cases()[store.cases().case_id != "YD-WDW-001"], townships=TOWNSHIPS).set_index("township")
    after = township_stats(store.cases(), townships=TOWNSHIPS).set_index("township")
    assert after.loc["峨口镇", "land_cases"] == before.loc["峨口镇", "land_cases"] + 1
    assert after.loc["峨口镇", "area_mu"] == pytest.approx(before.loc["峨口镇", "area_mu"] + 7.5, abs=0.01)


def test_sheet_says_why_and_atlas_skips(store, tmp_path):
    with pytest.raises(ValidationError, match="YD-WDW-001」尚未定位"):
        write_sheets(store, tmp_path / "s.pdf", ["YD-WDW-001"])
    assert "YD-WDW-001" not in township_case_ids(store, "峨口镇")


@pytest.mark.parametrize("suffix, kept", [(".kmz", False), (".gpkg", True), (".geojson", True)])
def test_exports(store, tmp_path, suffix, kept):
    rep = export_geodata(store, tmp_path / f"e{suffix}")
    said = any("1 个未定位案件" in n for n in rep["notes"])
    assert said is not kept
    assert rep["cases"] == (111 if kept else 110)
