"""案件管理 after a save conflict: who changed what is shown, and 重新载入 really loads the stored case.

Two inspectors edit YD-2019-001 in two sessions (two AppTests on one store).  张三 saves first; 李四's
save is refused; 李四 reloads and saves again: 张三's status and 备注 must survive.

AppTest reads a widget's value back from the server's session state, so a widget the page merely
forgot would look reset.  A browser is not: Streamlit sends a keyed widget's value to the browser only
when the app set it through ``st.session_state`` (``proto.set_value``); otherwise the browser keeps
showing, and sends back, what it had.  ``_as_browser`` reruns the way a browser does.
"""

from __future__ import annotations

from cases.store import SQLiteStore
from tests.ui.conftest import page_app, stored_case

CASE = "YD-2019-001"
_WIDGETS = ("selectbox", "text_area", "text_input", "number_input", "checkbox", "date_input")


def _form(at) -> list:
    return [w for kind in _WIDGETS for w in getattr(at, kind) if str(w.key or "").startswith(f"e_{CASE}_")]


def _as_browser(at, run) -> None:
    """Call ``run`` (a click that reruns ``at``), then keep every form value the server did not set, as a browser does."""
    held = {w.key: w.value for w in _form(at)}
    run()
    for w in _form(at):
        if w.key in held and not w.proto.set_value:
            w.set_value(held[w.key])


def _open(who: str):
    at = page_app("page_cases", user=who).run()
    at.selectbox(key="edit_case").set_value(CASE).run()
    return at


def _save(at):
    _as_browser(at, lambda: next(b for b in at.button if b.label == "保存修改").click().run())


def _reload(at):
    _as_browser(at, lambda: next(b for b in at.button if b.label == "重新载入（放弃未保存的修改）").click().run())


class TestConflictDialog:
    def test_conflict_shows_who_changed_what(self, demo_db):
        a, b = _open("张三"), _open("李四")
        a.selectbox(key=f"e_{CASE}_status").set_value("已销号")
        a.text_area(key=f"e_{CASE}_remarks").set_value("张三：已现场核查")
        _save(a)
        b.number_input(key=f"e_{CASE}_fine_wan").set_value(5.0)
        _save(b)
        assert not b.exception
        assert "保存冲突" in b.error[0].value and "已被 张三" in b.error[0].value
        changes, _log = (d.value for d in b.dataframe)  # the other person's changes, then the whole log
        rows = {r["字段"]: r for r in changes.to_dict("records")}
        assert rows["办理状态"]["修改人"] == "张三"
        assert (rows["办理状态"]["原值"], rows["办理状态"]["新值"]) == ("已立案", "已销号")
        assert rows["备注"]["新值"] == "张三：已现场核查"
        assert all(r["时间"] for r in rows.values())

    def test_reload_shows_the_stored_values_and_the_next_save_keeps_them(self, demo_db):
        a, b = _open("张三"), _open("李四")
        a.selectbox(key=f"e_{CASE}_status").set_value("已销号")
        a.text_area(key=f"e_{CASE}_remarks").set_value("张三：已现场核查")
        _save(a)
        b.number_input(key=f"e_{CASE}_fine_wan").set_value(5.0)
        _save(b)
        _reload(b)
        assert not b.exception
        assert b.selectbox(key=f"e_{CASE}_status").value == "已销号"
        assert b.text_area(key=f"e_{CASE}_remarks").value == "张三：已现场核查"
        assert not any("保存冲突" in e.value for e in b.error)
        b.number_input(key=f"e_{CASE}_fine_wan").set_value(5.0)
        _save(b)
        assert b.success[0].value == f"已保存案件 {CASE} 的 1 处修改（罚款（万元）），现为版本 3。"
        case = stored_case(demo_db, CASE)
        assert (case.status, case.remarks, case.fine_wan, case.version) == ("已销号", "张三：已现场核查", 5.0, 3)

    def test_saving_the_stale_form_again_is_still_refused(self, demo_db):
        a, b = _open("张三"), _open("李四")
        a.selectbox(key=f"e_{CASE}_status").set_value("已销号")
        _save(a)
        b.text_area(key=f"e_{CASE}_remarks").set_value("李四的备注")
        _save(b)
        _save(b)  # again, without reloading
        assert "保存冲突" in b.error[0].value
        assert stored_case(demo_db, CASE).status == "已销号"

    def test_a_change_by_someone_else_is_announced_before_saving(self, demo_db):
        a, b = _open("张三"), _open("李四")
        a.selectbox(key=f"e_{CASE}_status").set_value("已销号")
        _save(a)
        _as_browser(b, b.run)
        assert any("已被 张三 修改" in w.value for w in b.warning)
        changes, _log = (d.value for d in b.dataframe)
        assert changes[["修改人", "字段", "原值", "新值"]].values.tolist() == [["张三", "办理状态", "已立案", "已销号"]]

    def test_a_save_landing_between_the_pages_read_and_this_save(self, demo_db, monkeypatch):
        b = _open("李四")
        update = SQLiteStore.update_case

        def racing(self, case_id, changes, *, expected_version, user):
            if user == "李四":  # 张三's save lands just before 李四's
                update(self, case_id, {"status": "已销号"}, expected_version=expected_version, user="张三")
            return update(self, case_id, changes, expected_version=expected_version, user=user)

        monkeypatch.setattr(SQLiteStore, "update_case", racing)
        b.number_input(key=f"e_{CASE}_fine_wan").set_value(5.0)
        _save(b)
        monkeypatch.setattr(SQLiteStore, "update_case", update)  # (not undo(): that would drop $CASEMAP_DB too)
        assert "保存冲突" in b.error[0].value
        changes, _log = (d.value for d in b.dataframe)
        assert changes[["修改人", "字段", "新值"]].values.tolist() == [["张三", "办理状态", "已销号"]]
        assert [x.key for x in b.button if x.label.startswith("重新载入")] == [f"reload_{CASE}", f"reload_conflict_{CASE}"]
        _as_browser(b, lambda: b.button(key=f"reload_conflict_{CASE}").click().run())
        assert b.selectbox(key=f"e_{CASE}_status").value == "已销号"


class TestAddRace:
    def test_an_id_someone_added_meanwhile_is_not_overwritten(self, demo_db, monkeypatch):
        from cases.model import Case

        at = page_app("page_cases", user="王五").run()
        at.text_area(key="add_geom_text").set_value("113.0, 39.0\n113.001, 39.0\n113.001, 39.001\n113.0, 39.001").run()
        at.text_input(key="add_case_id").set_value("YD-2019-901")
        at.text_input(key="add_party").set_value("王五录入的主体")
        upsert = SQLiteStore.upsert_cases

        def racing(self, items, **kwargs):  # 张三 adds the same id just before
            upsert(self, [Case(case_id="YD-2019-901", kind="land", category=1, township="峨口镇", party="张三录入的主体",
                               geometry=items[0].geometry)], user="张三")
            return upsert(self, items, **kwargs)

        monkeypatch.setattr(SQLiteStore, "upsert_cases", racing)
        next(b for b in at.button if b.label == "新增案件").click().run()
        monkeypatch.setattr(SQLiteStore, "upsert_cases", upsert)
        assert "案件编号「YD-2019-901」刚刚已被他人新增" in at.error[0].value
        assert stored_case(demo_db, "YD-2019-901").party == "张三录入的主体"
