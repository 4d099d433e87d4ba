"""The login cookie in AppTest: written after logging in, read by a new session, removed on logout.

The browser itself (the script setting ``document.cookie``, a reload) is in test_login_cookie_browser.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from streamlit.testing.v1 import AppTest

import ui.auth
import ui.login_cookie
from cases import accounts
from cases.store import open_store
from tests.ui.conftest import PASSWORD, ROOT, login_token
from ui.auth import KEY_TOKEN
from ui.login_cookie import COOKIE_NAME

LOGIN_FORM = ["用户名", "密码"]


def _app():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)


def _with_cookie(monkeypatch, value: str):
    """The app as a new browser session opened with the login cookie ``value``."""
    monkeypatch.setattr(ui.login_cookie, "_sent_cookies", lambda: {COOKIE_NAME: value})
    return _app()


def _scripts(where) -> list[str]:
    return [h.value for h in where.html if COOKIE_NAME in h.value]


def _max_age(script: str, token: str) -> int:
    found = re.search(rf"{COOKIE_NAME}={re.escape(token)}; Max-Age=(\d+); Path=/; SameSite=Strict", script)
    assert found, script
    return int(found.group(1))


class TestWrite:
    def test_logging_in_has_the_browser_keep_the_token_for_eight_hours(self, demo_db):
        at = _app().run()
        at.text_input(key="login_name").set_value("测试管理员")
        at.text_input(key="login_password").set_value(PASSWORD)
        next(b for b in at.button if b.label == "登录").click().run()
        token = at.session_state[KEY_TOKEN]
        [script] = _scripts(at.sidebar)
        assert 8 * 3600 - 10 <= _max_age(script, token) <= 8 * 3600
        assert "location.protocol === 'https:' ? '; Secure'" in script
        assert PASSWORD not in script
        at.run()  # written once: the next run has no script
        assert _scripts(at) == []
        assert token not in open_store(demo_db).audit().to_csv()

    def test_the_first_administrator_gets_the_cookie_too(self, tmp_path, monkeypatch):
        from cases.service import app_store

        path = tmp_path / "first.db"
        app_store(path).close_all()
        monkeypatch.setenv("CASEMAP_DB", str(path))
        monkeypatch.setattr(ui.auth, "is_local_browser", lambda: True)
        at = _app().run()
        at.text_input(key="admin_name").set_value("局长")
        at.text_input(key="admin_password").set_value("long-password")
        at.text_input(key="admin_password2").set_value("long-password")
        next(b for b in at.button if b.label == "创建管理员并登录").click().run()
        assert 8 * 3600 - 10 <= _max_age(_scripts(at.sidebar)[0], at.session_state[KEY_TOKEN]) <= 8 * 3600


class TestRead:
    def test_a_live_cookie_logs_a_new_session_in(self, demo_db, monkeypatch):
        token = login_token(demo_db, "测试管理员")
        at = _with_cookie(monkeypatch, token).run()
        assert not at.exception and at.header[0].value == "案件地图"
        assert any("当前用户：测试管理员（领导组（县级））" in c.value for c in at.sidebar.caption)
        assert at.session_state[KEY_TOKEN] == token
        assert _scripts(at) == []  # the browser has it already

    def test_a_township_cookie_stays_confined_to_its_township(self, demo_db, monkeypatch):
        at = _with_cookie(monkeypatch, login_token(demo_db, "峨口干部")).run()
        ekou = int((open_store(demo_db).cases()["township"] == "峨口镇").sum())
        counts = next(m.value for m in at.markdown if m.value.startswith("**筛选结果"))
        assert f"筛选结果：{ekou} 个案件**（共 {ekou} 个）" in counts

    @pytest.mark.parametrize("how", ["ended", "expired", "disabled", "password changed"])
    def test_a_cookie_of_a_session_that_is_over_shows_the_login_form(self, demo_db, monkeypatch, how):
        token = login_token(demo_db, "王五")
        store = open_store(demo_db)
        if how == "ended":
            accounts.end_session(store, token)
        elif how == "expired":
            past = (dt.datetime.now() - dt.timedelta(seconds=1)).replace(microsecond=0).isoformat()
            with store.transaction() as con:
                con.execute("UPDATE sessions SET expires_at = ? WHERE user = ?", (past, "王五"))
        elif how == "disabled":
            accounts.disable_user(store, "王五", by="测试管理员")
        else:
            accounts.set_password(store, "王五", "another-password", by="测试管理员")
        at = _with_cookie(monkeypatch, token).run()
        assert not at.exception and not at.error
        assert [w.label for w in at.text_input] == LOGIN_FORM
        [script] = _scripts(at.main)  # the browser drops it, if it still holds that token
        assert f"includes(\"{COOKIE_NAME}={token}\")" in script and f"{COOKIE_NAME}=; Max-Age=0; Path=/" in script

    @pytest.mark.parametrize("value", ["garbage", "A" * 43, '"</script><b>x</b>'])
    def test_a_forged_cookie_shows_the_login_form(self, demo_db, monkeypatch, value):
        at = _with_cookie(monkeypatch, value).run()
        assert not at.exception and not at.error
        assert [w.label for w in at.text_input] == LOGIN_FORM
        assert "</script><b>" not in "".join(h.value for h in at.html)  # never written into the page


class TestLogout:
    def test_logout_ends_the_session_and_removes_the_cookie(self, demo_db, monkeypatch):
        token = login_token(demo_db, "测试管理员")
        at = _with_cookie(monkeypatch, token).run()
        next(b for b in at.sidebar.button if b.label == "退出登录").click().run()
        assert [w.label for w in at.text_input] == LOGIN_FORM
        assert accounts.session_account(open_store(demo_db), token) is None
        [script] = _scripts(at.main)
        assert f"includes(\"{COOKIE_NAME}={token}\")" in script and "Max-Age=0" in script
        at.run()  # the cookie the session began with is still ended: no login
        assert [w.label for w in at.text_input] == LOGIN_FORM
