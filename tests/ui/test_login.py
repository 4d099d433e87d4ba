"""Login, the first administrator, roles in the pages, the audit page and account management (AppTest)."""

from __future__ import annotations

import shutil

from streamlit.testing.v1 import AppTest

from cases import accounts
from cases.service import app_store
from cases.store import open_store
from tests.ui.conftest import PASSWORD, ROOT, login_token, page_app
from ui.auth import KEY_TOKEN


def _app():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)


def _log_in(at, user: str, password: str):
    at.text_input(key="login_name").set_value(user)
    at.text_input(key="login_password").set_value(password)
    next(b for b in at.button if b.label == "登录").click().run()
    return at


class TestLogin:
    def test_the_login_form_then_the_map(self, demo_db):
        at = _app().run()
        assert not at.exception and not at.dataframe
        assert [w.label for w in at.text_input] == ["用户名", "密码"]
        _log_in(at, "测试管理员", PASSWORD)
        assert not at.exception
        assert at.header[0].value == "案件地图"
        assert any("当前用户：测试管理员（领导组（县级））" in c.value for c in at.sidebar.caption)

    def test_a_wrong_password_says_so_and_shows_nothing(self, demo_db):
        at = _log_in(_app().run(), "测试管理员", "wrong-password")
        assert at.error[0].value == "用户名或密码错误"
        assert KEY_TOKEN not in at.session_state
        log = open_store(demo_db).audit()
        assert log.iloc[-1][["user", "action"]].tolist() == ["测试管理员", "login_failed"]

    def test_logout_ends_the_session(self, demo_db):
        at = _app()
        at.session_state[KEY_TOKEN] = token = login_token(demo_db, "测试管理员")
        at.run()
        next(b for b in at.sidebar.button if b.label == "退出登录").click().run()
        assert [w.label for w in at.text_input] == ["用户名", "密码"]
        assert accounts.session_account(open_store(demo_db), token) is None


class TestFirstRun:
    def _fresh(self, tmp_path, monkeypatch):
        path = tmp_path / "first.db"
        app_store(path).close_all()
        monkeypatch.setenv("CASEMAP_DB", str(path))
        return path

    def test_the_servers_own_browser_creates_the_first_administrator(self, tmp_path, monkeypatch):
        import ui.auth

        path = self._fresh(tmp_path, monkeypatch)
        monkeypatch.setattr(ui.auth, "is_local_browser", lambda: True)  # AppTest has no real connection
        at = _app().run()
        assert any("首次使用" in i.value for i in at.info)
        at.text_input(key="admin_name").set_value("局长")
        at.text_input(key="admin_password").set_value("long-password")
        at.text_input(key="admin_password2").set_value("long-password")
        next(b for b in at.button if b.label == "创建管理员并登录").click().run()
        assert not at.exception and at.header[0].value == "案件地图"
        assert accounts.get_account(open_store(path), "局长").role == "county"

    def test_another_computer_is_told_to_ask_the_administrator(self, tmp_path, monkeypatch):
        import ui.auth

        path = self._fresh(tmp_path, monkeypatch)
        monkeypatch.setattr(ui.auth, "is_local_browser", lambda: False)
        at = _app().run()
        assert any("请在运行本系统的电脑上打开本页创建首个管理员" in i.value for i in at.info)
        assert not at.text_input and not accounts.has_accounts(open_store(path))


class TestRolesInThePages:
    def test_a_township_account_sees_only_its_cases_on_the_map(self, demo_db):
        at = page_app("page_map", user="峨口干部").run()
        ekou = int((open_store(demo_db).cases()["township"] == "峨口镇").sum())
        counts = next(m.value for m in at.markdown if m.value.startswith("**筛选结果"))
        assert f"筛选结果：{ekou} 个案件**（共 {ekou} 个）" in counts

    def test_a_township_account_gets_no_account_management(self, demo_db):
        at = _app()
        at.session_state[KEY_TOKEN] = login_token(demo_db, "峨口干部")
        at.run()
        assert not at.exception
        at2 = page_app("page_accounts", user="峨口干部").run()
        assert "仅领导组/县级账号可以" in at2.error[0].value

    def test_the_county_adds_an_account_and_the_audit_page_shows_it(self, demo_db):
        at = page_app("page_accounts").run()
        at.text_input(key="acc_name").set_value("新干部")
        at.selectbox(key="acc_role").set_value("township")
        at.selectbox(key="acc_town").set_value("聂营镇")
        at.text_input(key="acc_pw").set_value("initial-password")
        next(b for b in at.button if b.label == "新增账号").click().run()
        assert at.success[0].value == "已新增账号 新干部"
        assert accounts.get_account(open_store(demo_db), "新干部").township == "聂营镇"
        audit = page_app("page_audit").run()
        table = audit.dataframe[0].value
        assert table.iloc[0][["用户", "操作"]].tolist() == ["测试管理员", "新增账号"]
        next(b for b in audit.button if b.label == "校验审计记录链").click().run()
        assert "审计记录完整" in audit.success[0].value


def test_copied_template_stores_have_the_test_accounts(demo_template, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(demo_template, path)
    assert accounts.get_account(open_store(path), "峨口干部").township == "峨口镇"
