"""Deleting a case is soft: it leaves the lists, its record and history stay, and only its owners may do it."""

from __future__ import annotations

import pytest

from cases.accounts import Account
from cases.permissions import GuardedStore
from geo.errors import ConflictError, PermissionDeniedError, ValidationError
from tests.cases.conftest import case_in


@pytest.fixture
def store(demo_any_copy):
    return demo_any_copy


def test_a_deleted_case_leaves_the_lists_but_is_kept_with_who_when_why(store):
    case = case_in(store, "峨口镇")
    n = len(store.cases())
    store.delete_case(case.case_id, expected_version=case.version, user="局长", reason="重复登记")
    assert len(store.cases()) == n - 1 and case.case_id not in set(store.cases()["case_id"])
    with pytest.raises(ValidationError):
        store.get_case(case.case_id)
    gone = store.deleted_cases().iloc[0]
    assert (gone["case_id"], gone["deleted_by"], gone["reason"], gone["summary"]) == (
        case.case_id, "局长", "重复登记", case.summary)
    log = store.audit(case_id=case.case_id)
    assert log.iloc[0]["action"] == "create" and log.iloc[-1][["user", "action", "new"]].tolist() == [
        "局长", "delete", "重复登记"]
    assert store.audit_problems() == []


def test_delete_needs_a_reason_and_the_version_read(store):
    case = case_in(store, "峨口镇")
    with pytest.raises(ValidationError, match="需要填写删除原因"):
        store.delete_case(case.case_id, expected_version=case.version, user="局长", reason="  ")
    store.update_case(case.case_id, {"remarks": "x"}, expected_version=case.version, user="乙")
    with pytest.raises(ConflictError, match=case.case_id):
        store.delete_case(case.case_id, expected_version=case.version, user="局长", reason="重复")
    assert case.case_id in set(store.cases()["case_id"])


def test_only_the_county_or_the_cases_own_township_may_delete(store):
    own, other = case_in(store, "峨口镇"), case_in(store, "峨口镇", other=True)
    ekou = GuardedStore(store, Account("峨口干部", "township", "峨口镇"))
    with pytest.raises(PermissionDeniedError):
        ekou.delete_case(other.case_id, expected_version=other.version, reason="x")
    for acc in (Account("公安", "department", department="县公安局"), Account("纪委", "readonly")):
        with pytest.raises(PermissionDeniedError, match="无权删除案件"):
            GuardedStore(store, acc).delete_case(own.case_id, expected_version=own.version, reason="x")
    ekou.delete_case(own.case_id, expected_version=own.version, reason="并入其他案件", user="冒名")
    assert store.deleted_cases().iloc[0]["deleted_by"] == "峨口干部"
    assert set(ekou.deleted_cases()["township"]) == {"峨口镇"}
