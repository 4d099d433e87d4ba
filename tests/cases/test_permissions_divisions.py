"""Roles across a merge: a township account reads, exports and edits the cases of its township in the current division.

The demo store (the 2018 eleven) gets today's nine townships (2021), built by dissolving the shipped
approximate layer as in ``tests/cases/cli/test_divisions_cli.py``; every case keeps its declared township.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from cases import accounts
from cases.accounts import Account
from cases.assignment import current_townships
from cases.demo import init_demo
from cases.io.exchange import export_geodata
from cases.io.geodata import load_shipped_boundaries
from cases.model import Case
from cases.permissions import GuardedStore, check_change, visible_cases
from cases.store import open_store
from geo.crs import STORAGE_CRS
from geo.errors import PermissionDeniedError, ValidationError
from tests.cases.conftest import copy_store

MERGED = {"滩上镇": "峪口镇", "峪口乡": "峪口镇", "胡峪乡": "枣林镇", "雁门关乡": "雁门关镇"}
YUKOU = Account("峪口镇干部", "township", "峪口镇")
TANSHANG = Account("滩上镇干部", "township", "滩上镇")  # bound before the merge
EKOU = Account("峨口镇干部", "township", "峨口镇")


def nine_townships() -> gpd.GeoDataFrame:
    """Today's division drawn from the shipped approximate layer (dissolved and renamed)."""
    _, towns = load_shipped_boundaries()
    nine = towns.assign(name=towns["name"].replace(MERGED)).dissolve(by="name", as_index=False)
    return nine[["name", "geometry"]].assign(approximate=True, source="示意界线合并（测试）")


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    """The demo store with the 2021 division loaded over it (read-only use)."""
    store = open_store(tmp_path_factory.mktemp("merged") / "demo.db", create=True)
    init_demo(store)
    store.add_township_division(nine_townships(), year=2021, user="测试")
    yield store
    store.close_all()


@pytest.fixture
def copy(merged, tmp_path):
    """A fresh, writable copy of the merged store for one test."""
    store = copy_store(merged, tmp_path / "copy.db")
    yield store
    store.close_all()


def declared(store, *names: str) -> set[str]:
    cases = store.cases()
    return set(cases.loc[cases["township"].isin(names), "case_id"])


def first(store, name: str) -> Case:
    return store.get_case(sorted(declared(store, name))[0])


class TestReading:
    def test_the_merged_township_reads_its_parts(self, merged):
        seen = GuardedStore(merged, YUKOU).cases()
        assert set(seen["case_id"]) == declared(merged, "滩上镇", "峪口乡") != set()
        assert set(seen["township"]) == {"滩上镇", "峪口乡"}  # the rows keep the declared township

    def test_get_case_of_a_part_and_not_of_another_township(self, merged):
        g = GuardedStore(merged, YUKOU)
        for name in ("滩上镇", "峪口乡"):
            assert g.get_case(first(merged, name).case_id).township == name
        other = first(merged, "峨口镇")
        with pytest.raises(PermissionDeniedError, match=f"无权查看其他乡镇的案件（{other.case_id}）"):
            g.get_case(other.case_id)

    def test_an_unchanged_township_reads_as_before(self, merged):
        assert set(GuardedStore(merged, EKOU).cases()["case_id"]) == declared(merged, "峨口镇")

    def test_an_account_of_a_merged_township_keeps_its_old_scope(self, merged):
        g = GuardedStore(merged, TANSHANG)
        assert set(g.cases()["case_id"]) == declared(merged, "滩上镇")
        with pytest.raises(PermissionDeniedError):
            g.get_case(first(merged, "峪口乡").case_id)

    def test_the_audit_log_follows_the_cases(self, merged):
        log = GuardedStore(merged, YUKOU).audit()
        assert set(log["case_id"].dropna()) <= declared(merged, "滩上镇", "峪口乡")

    def test_export_writes_the_merged_townships_cases(self, merged, tmp_path):
        out = tmp_path / "yukou.geojson"
        rep = export_geodata(GuardedStore(merged, YUKOU), out)
        frame = gpd.read_file(out)
        ids = set(frame.loc[frame["layer"] == "case", "case_id"])
        assert rep["cases"] == len(ids) and ids == declared(merged, "滩上镇", "峪口乡")


class TestChanging:
    def test_edits_a_case_declared_in_a_part(self, copy):
        case = first(copy, "峪口乡")
        GuardedStore(copy, YUKOU).update_case(case.case_id, {"remarks": "合并后复查"}, expected_version=case.version)
        last = copy.audit(case_id=case.case_id).iloc[-1]
        assert (last["user"], last["new"]) == ("峪口镇干部", "合并后复查")
        assert copy.get_case(case.case_id).township == "峪口乡"  # the declared township stays

    @pytest.mark.parametrize("name", ["峪口镇", "滩上镇"])
    def test_adds_a_case_declared_by_the_new_or_an_old_name(self, copy, name):
        new = Case(case_id="YD-HB-1", kind="land", category=1, township=name, geometry=Point(113.07, 38.905))
        GuardedStore(copy, YUKOU).upsert_cases([new])
        assert copy.get_case("YD-HB-1").township == name

    def test_cannot_move_a_case_to_another_township(self, copy):
        case = first(copy, "滩上镇")
        with pytest.raises(PermissionDeniedError, match=f"案件 {case.case_id} 属于峨口镇"):
            GuardedStore(copy, YUKOU).update_case(case.case_id, {"township": "峨口镇"}, expected_version=case.version)

    def test_cannot_change_another_townships_case_and_the_message_names_the_current_township(self, copy):
        case = first(copy, "峪口乡")
        with pytest.raises(PermissionDeniedError, match=f"案件 {case.case_id} 属于峪口镇（填报为峪口乡）"):
            GuardedStore(copy, EKOU).update_case(case.case_id, {"remarks": "x"}, expected_version=case.version)

    def test_deletes_a_case_of_a_part_and_lists_it(self, copy):
        case = first(copy, "滩上镇")
        g = GuardedStore(copy, YUKOU)
        g.delete_case(case.case_id, expected_version=case.version, reason="重复录入")
        assert case.case_id in set(g.deleted_cases()["case_id"])
        assert case.case_id not in set(GuardedStore(copy, EKOU).deleted_cases()["case_id"])


class TestPureRules:
    """The rules on tiny hand-made input: the current township is given, nothing is computed."""

    FRAME = gpd.GeoDataFrame({"case_id": ["A", "B", "C", "D"], "township": ["滩上镇", "峪口乡", "峨口镇", "峪口镇"]},
                             geometry=gpd.GeoSeries([None] * 4, crs=STORAGE_CRS), crs=STORAGE_CRS)

    def test_visible_cases_compares_the_current_township(self):
        current = np.array(["峪口镇", "峪口镇", "峨口镇", "峪口镇"], dtype=object)
        assert list(visible_cases(YUKOU, self.FRAME, current=current)["case_id"]) == ["A", "B", "D"]
        assert list(visible_cases(YUKOU, self.FRAME)["case_id"]) == ["D"]  # declared only, as before
        assert list(visible_cases(TANSHANG, self.FRAME, current=current)["case_id"]) == ["A"]

    def test_check_change_uses_the_given_current_townships(self):
        case = Case(case_id="A", kind="land", category=1, township="滩上镇")
        check_change(YUKOU, case, case.with_changes(remarks="x"), current=("峪口镇", "峪口镇"))
        with pytest.raises(PermissionDeniedError, match="属于滩上镇"):
            check_change(YUKOU, case, case.with_changes(remarks="x"))

    def test_current_townships_follow_the_table_without_a_position(self, merged):
        got = current_townships(merged, self.FRAME)
        assert list(got) == ["峪口镇", "峪口镇", "峨口镇", "峪口镇"]


class TestAccountsBoundToTheCurrentDivision:
    def test_a_current_name_is_accepted(self, copy):
        acc = accounts.add_user(copy, "峪口干部", role="township", password="yukou-password", township="峪口镇", by="t")
        assert acc.township == "峪口镇"

    @pytest.mark.parametrize(("old", "became"), [("滩上镇", "峪口镇"), ("峪口乡", "峪口镇"), ("胡峪乡", "枣林镇"),
                                                ("雁门关乡", "雁门关镇")])
    def test_an_old_name_is_refused_naming_the_township_it_became(self, copy, old, became):
        with pytest.raises(ValidationError, match=f"「{old}」已并入或更名为{became}（现行区划），请用 --township {became}"):
            accounts.add_user(copy, "旧乡镇干部", role="township", password="old-password", township=old, by="t")
        assert accounts.get_account(copy, "旧乡镇干部") is None

    def test_before_the_merge_the_new_name_is_refused(self, tmp_path):
        store = open_store(tmp_path / "old.db", create=True)
        init_demo(store)
        with pytest.raises(ValidationError, match="应为现行区划的乡镇：上馆镇、峨口镇"):
            accounts.add_user(store, "峪口干部", role="township", password="yukou-password", township="峪口镇", by="t")
        assert accounts.add_user(store, "滩上干部", role="township", password="tan-password", township="滩上镇",
                                 by="t").township == "滩上镇"
        store.close_all()
