"""Login: the login form (用户名/密码/登录), the first administrator on the server itself, logout.

Who may do what is decided in the domain (``cases.permissions``); this module only finds out who
is at the keyboard.  The session token lives in this browser session's state and in a cookie
(``ui.login_cookie``), so a reload, a bookmark or a second tab stays logged in for the session's life;
the store keeps its hash and expiry (``cases.accounts``) and alone says who the token belongs to.
"""

from __future__ import annotations

import streamlit as st

from cases import accounts
from cases.accounts import Account
from cases.county import county_of
from cases.store import CaseStore
from geo.errors import AuthenticationError, ValidationError
from ui import login_cookie

#: session_state key of this browser session's login token.
KEY_TOKEN = "auth_token"
#: session_state key of what the browser's cookie still needs: ("write" | "remove", token).
KEY_COOKIE = "auth_cookie"


def current_account(store: CaseStore) -> Account | None:
    """The logged-in account of this browser session, or None (not logged in, expired, disabled).

    A new browser session (a reload, a bookmark, a second tab) takes the token of the browser's cookie
    when the store says its session is live; any other cookie is ignored.
    """
    found = accounts.session_account(store, st.session_state.get(KEY_TOKEN))
    if found is None and KEY_TOKEN not in st.session_state:
        cookie = login_cookie.browser_token()
        found = accounts.session_account(store, cookie)
        if found is not None:
            st.session_state[KEY_TOKEN] = cookie
    return found


def is_local_browser() -> bool:
    """True when the browser runs on the server itself (no remote IP address)."""
    return st.context.ip_address is None


def login_page(store: CaseStore) -> None:
    """The login form; on the app's first run, the first administrator (only on the server itself)."""
    _forget_cookie(store)
    st.header(f"{county_of(store).name}用地用矿执法案件地图")
    if not accounts.has_accounts(store):
        _first_administrator(store)
        return
    with st.form("login"):
        name = st.text_input("用户名", key="login_name")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        try:
            account = accounts.authenticate(store, name, password)
        except AuthenticationError as exc:
            st.error(str(exc), icon=":material/block:")
            return
        _start_session(store, account)
    st.caption(f"登录后 {accounts.SESSION_HOURS} 小时内有效；连续 {accounts.MAX_FAILED_LOGINS} 次密码错误将锁定账号 "
               f"{accounts.LOCK_MINUTES} 分钟。忘记密码请联系管理员。")


def _first_administrator(store: CaseStore) -> None:
    if not is_local_browser():
        st.info("本系统尚未设置账号。请在运行本系统的电脑上打开本页创建首个管理员，或联系管理员为您开通账号。",
                icon=":material/lock:")
        return
    st.info("首次使用：请创建首个管理员账号（领导组/县级，可管理全部案件和账号）。", icon=":material/person_add:")
    with st.form("first_admin"):
        name = st.text_input("用户名", key="admin_name")
        password = st.text_input("密码", type="password", key="admin_password",
                                 help=f"至少 {accounts.MIN_PASSWORD_LENGTH} 个字符")
        again = st.text_input("再次输入密码", type="password", key="admin_password2")
        submitted = st.form_submit_button("创建管理员并登录", type="primary")
    if submitted:
        if password != again:
            st.error("两次输入的密码不一致")
            return
        try:
            account = accounts.create_first_administrator(store, name, password)
        except (AuthenticationError, ValidationError) as exc:
            st.error(str(exc), icon=":material/block:")
            return
        _start_session(store, account)


def _start_session(store: CaseStore, account: Account) -> None:
    token = accounts.start_session(store, account)
    st.session_state[KEY_TOKEN] = token
    st.session_state[KEY_COOKIE] = ("write", token)
    st.rerun()


def _forget_cookie(store: CaseStore) -> None:
    """On the login form: the browser drops a cookie whose session is over (logged out, expired, revoked)."""
    action, token = st.session_state.pop(KEY_COOKIE, (None, None))
    stale = token if action == "remove" else login_cookie.browser_token()
    if stale and accounts.session_account(store, stale) is None:
        login_cookie.remove(stale)


def sidebar_account(store: CaseStore, account: Account) -> None:
    """Who is logged in, and 退出登录 (which ends the session in the store and removes the cookie)."""
    token = st.session_state.get(KEY_TOKEN)
    if st.session_state.get(KEY_COOKIE) == ("write", token):  # the first run after logging in
        with st.sidebar:
            login_cookie.write(token, max_age_s=accounts.session_seconds_left(store, token))
        del st.session_state[KEY_COOKIE]
    st.sidebar.caption(f"当前用户：{account.label}")
    if st.sidebar.button("退出登录", key="logout"):
        token = st.session_state.pop(KEY_TOKEN, None)
        accounts.end_session(store, token)
        st.session_state[KEY_COOKIE] = ("remove", token)
        st.rerun()
