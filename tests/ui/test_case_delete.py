"""案件管理 → 删除案件: a soft delete with a reason; a township account cannot delete another township's case."""

from __future__ import annotations

from cases.store import open_store
from tests.ui.conftest import page_app


def _delete(at, case_id: str, reason: str, *, sure: bool = True):
    at.text_input(key=f"delete_reason_{case_id}").set_value(reason)
    at.checkbox(key=f"delete_sure_{case_id}").set_value(sure)
    next(b for b in at.button if b.label == "删除案件").click().run()
    return at


def test_the_county_deletes_a_case_with_a_reason(demo_db):
    at = page_app("page_cases").run()
    at.selectbox(key="edit_case").set_value("YD-2019-003").run()
    _delete(at, "YD-2019-003", "与 YD-2019-004 重复")
    assert not at.exception
    assert at.success[-1].value == "已删除案件 YD-2019-003（原因：与 YD-2019-004 重复）。"
    store = open_store(demo_db)
    assert "YD-2019-003" not in set(store.cases()["case_id"])
    assert store.deleted_cases().iloc[0][["case_id", "deleted_by"]].tolist() == ["YD-2019-003", "测试管理员"]


def test_nothing_is_deleted_without_confirming(demo_db):
    at = page_app("page_cases").run()
    at.selectbox(key="edit_case").set_value("YD-2019-003").run()
    _delete(at, "YD-2019-003", "重复", sure=False)
    assert "请先勾选" in at.error[-1].value
    assert "YD-2019-003" in set(open_store(demo_db).cases()["case_id"])


def test_a_township_account_only_lists_and_deletes_its_own_cases(demo_db):
    at = page_app("page_cases", user="峨口干部").run()
    store = open_store(demo_db)
    own = store.cases()
    own = own[own["township"] == "峨口镇"]["case_id"].tolist()
    assert at.selectbox(key="edit_case").options == own
    _delete(at, at.selectbox(key="edit_case").value, "测试删除")
    assert len(open_store(demo_db).deleted_cases()) == 1
