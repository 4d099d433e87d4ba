"""Roles are enforced in the domain: a township account cannot read or change another township's case."""

from __future__ import annotations

import geopandas as gpd
import pytest

from cases.accounts import Account
from cases.io.exchange import export_geodata
from cases.permissions import GuardedStore
from geo.errors import PermissionDeniedError
from tests.cases.conftest import case_in

EKOU = Account("峨口镇干部", "township", "峨口镇")
COUNTY = Account("县局", "county")
DEPT = Account("公安", "department", department="县公安局")
READER = Account("纪委", "readonly")


@pytest.fixture
def store(demo_any_copy):
    return demo_any_copy


def test_township_reads_only_its_own_cases(store):
    g = GuardedStore(store, EKOU)
    assert set(g.cases()["township"]) == {"峨口镇"}
    assert len(g.cases()) == (store.cases()["township"] == "峨口镇").sum() > 0
    other = case_in(store, "峨口镇", other=True)
    with pytest.raises(PermissionDeniedError, match=f"无权查看其他乡镇的案件（{other.case_id}）"):
        g.get_case(other.case_id)
    with pytest.raises(PermissionDeniedError):
        g.audit(case_id=other.case_id)


def test_township_edits_its_own_case_and_the_audit_names_the_account(store):
    g = GuardedStore(store, EKOU)
    own = case_in(store, "峨口镇")
    g.update_case(own.case_id, {"remarks": "已复查"}, expected_version=own.version, user="自然资源局局长")
    last = store.audit(case_id=own.case_id).iloc[-1]
    assert (last["user"], last["field"], last["new"]) == ("峨口镇干部", "remarks", "已复查")


@pytest.mark.parametrize("changes", [{"status": "已销号"}, {"status": "县级已验收"}, {"accept_county": True}])
def test_township_cannot_accept_or_close(store, changes):
    own = case_in(store, "峨口镇")
    with pytest.raises(PermissionDeniedError, match="县"):
        GuardedStore(store, EKOU).update_case(own.case_id, changes, expected_version=own.version)
    assert store.get_case(own.case_id).version == own.version


def test_township_cannot_change_or_move_cases_of_another_township(store):
    g = GuardedStore(store, EKOU)
    other = case_in(store, "峨口镇", other=True)
    with pytest.raises(PermissionDeniedError, match=f"案件 {other.case_id} 属于{other.township}"):
        g.update_case(other.case_id, {"remarks": "x"}, expected_version=other.version)
    with pytest.raises(PermissionDeniedError):
        g.upsert_cases([other.with_changes(remarks="y")])
    own = case_in(store, "峨口镇")
    with pytest.raises(PermissionDeniedError, match="只能新增和修改本乡镇的案件"):
        g.update_case(own.case_id, {"township": other.township}, expected_version=own.version)
    assert store.get_case(other.case_id).remarks == other.remarks


def test_department_edits_handling_only(store):
    g = GuardedStore(store, DEPT)
    case = case_in(store, "峨口镇")
    g.update_case(case.case_id, {"penalty": "罚款 2 万元", "fine_wan": 2.0}, expected_version=case.version)
    with pytest.raises(PermissionDeniedError, match="只能修改查处情况.*办理状态"):
        g.update_case(case.case_id, {"status": "已立案"}, expected_version=case.version + 1)


def test_readonly_changes_nothing_and_only_county_touches_permits_and_boundaries(store):
    case = case_in(store, "峨口镇")
    with pytest.raises(PermissionDeniedError, match="只读"):
        GuardedStore(store, READER).update_case(case.case_id, {"remarks": "x"}, expected_version=case.version)
    for acc in (EKOU, DEPT, READER):
        with pytest.raises(PermissionDeniedError, match="仅领导组/县级账号"):
            GuardedStore(store, acc).replace_boundaries("township", store.townships())
        with pytest.raises(PermissionDeniedError, match="仅领导组/县级账号"):
            GuardedStore(store, acc).upsert_permits([])
    GuardedStore(store, COUNTY).update_case(case.case_id, {"status": "已销号"}, expected_version=case.version)


def test_exports_of_a_township_account_hold_its_own_cases_only(store, tmp_path):
    out = tmp_path / "ekou.geojson"
    export_geodata(GuardedStore(store, EKOU), out)
    frame = gpd.read_file(out)
    cases = frame[frame["layer"] == "case"]
    assert len(cases) == (store.cases()["township"] == "峨口镇").sum() and set(cases["township"]) == {"峨口镇"}
