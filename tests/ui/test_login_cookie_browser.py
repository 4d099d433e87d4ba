"""A login survives a reload, a bookmark and a second tab (the session cookie), in a real Chromium.

退出登录 and an ended, expired or forged cookie bring the login form back, without an error.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from cases import accounts
from cases.store import open_store
from tests.ui.conftest import PASSWORD, demo_server
from ui.login_cookie import COOKIE_NAME


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A Streamlit server on a fresh demo store with the test accounts: (URL, path of the store)."""
    with demo_server(tmp_path_factory, "cookie") as served:
        yield served


def _log_in(page, url: str, *, user: str = "测试管理员") -> float:
    """Log in through the form; the seconds from pressing 登录 to 当前用户 on the page."""
    page.goto(url)
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    start = time.monotonic()
    page.get_by_role("button", name="登录", exact=True).click()
    _wait_logged_in(page, user)
    return time.monotonic() - start


def _wait_logged_in(page, user: str = "测试管理员") -> None:
    page.get_by_text(f"当前用户：{user}").wait_for(timeout=90_000)


def _wait_login_form(page) -> None:
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=90_000)
    assert page.get_by_text("当前用户：").count() == 0
    assert page.locator('[data-testid="stException"], [data-testid="stAlert"]').count() == 0


def _cookie(page) -> dict | None:
    found = [c for c in page.context.cookies() if c["name"] == COOKIE_NAME]
    return found[0] if found else None


def _cookie_gone(page) -> bool:
    deadline = time.monotonic() + 10
    while _cookie(page) is not None and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    return _cookie(page) is None


def _account_of(db, token: str):
    store = open_store(db)
    try:
        return accounts.session_account(store, token)
    finally:
        store.close_all()


class TestReload:
    def test_the_cookie_is_set_by_the_time_the_user_shows(self, page, live):
        url, db = live
        _log_in(page, url)
        cookie = _cookie(page)  # no waiting: the user could press F5 now
        assert cookie is not None
        assert (cookie["sameSite"], cookie["path"], cookie["secure"]) == ("Strict", "/", False)
        assert abs(cookie["expires"] - (time.time() + accounts.SESSION_HOURS * 3600)) < 120
        assert _account_of(db, cookie["value"]).name == "测试管理员"  # the session token itself
        assert PASSWORD not in cookie["value"]

    def test_a_reload_stays_logged_in(self, page, live):
        url, _ = live
        _log_in(page, url)
        page.reload()
        _wait_logged_in(page)
        assert page.get_by_role("button", name="登录", exact=True).count() == 0

    def test_a_bookmarked_page_in_a_new_tab_is_logged_in(self, page, live):
        url, _ = live
        _log_in(page, url, user="峨口干部")
        tab = page.context.new_page()
        tab.goto(f"{url}/stats")
        _wait_logged_in(tab, "峨口干部")
        tab.get_by_role("heading", name="乡镇统计").first.wait_for(timeout=60_000)
        assert tab.url.startswith(f"{url}/stats")
        tab.goto(f"{url}/map?case=CK-2019-004")
        _wait_logged_in(tab, "峨口干部")
        assert "/map" in tab.url

    def test_the_cookie_script_leaves_no_gap(self, page, live):
        url, _ = live
        _log_in(page, url)
        holder = page.locator('[data-testid="stElementContainer"]:has(.casemap-login-cookie)')
        assert holder.count() == 1
        assert holder.evaluate("e => getComputedStyle(e).display") == "none"
        assert holder.bounding_box() is None


class TestLoggedOut:
    def test_logout_then_reload_shows_the_login_form(self, page, live):
        url, db = live
        _log_in(page, url)
        page.reload()  # this session now comes from the cookie
        _wait_logged_in(page)
        token = _cookie(page)["value"]
        page.get_by_role("button", name="退出登录").click()
        _wait_login_form(page)
        assert _cookie_gone(page)
        holder = page.locator('[data-testid="stElementContainer"]:has(.casemap-login-cookie)')  # on the login page
        assert holder.count() == 1 and holder.bounding_box() is None
        assert _account_of(db, token) is None
        page.reload()
        _wait_login_form(page)

    @pytest.mark.parametrize("how", ["ended", "expired"])
    def test_a_cookie_of_an_ended_session_shows_the_login_form(self, page, live, how):
        url, db = live
        _log_in(page, url, user="王五")
        token = _cookie(page)["value"]
        store = open_store(db)
        try:
            if how == "ended":
                accounts.end_session(store, token)
            else:
                past = (dt.datetime.now() - dt.timedelta(minutes=1)).replace(microsecond=0).isoformat()
                with store.transaction() as con:
                    con.execute("UPDATE sessions SET expires_at = ? WHERE user = ?", (past, "王五"))
        finally:
            store.close_all()
        page.reload()
        _wait_login_form(page)
        assert _cookie_gone(page)  # the browser drops a cookie the store no longer knows

    @pytest.mark.parametrize("value", ["garbage", "A" * 43, "<script>alert(1)</script>"])
    def test_a_forged_cookie_shows_the_login_form(self, page, live, value):
        url, _ = live
        page.context.add_cookies([{"name": COOKIE_NAME, "value": value, "url": url}])
        page.goto(f"{url}/stats")
        _wait_login_form(page)
