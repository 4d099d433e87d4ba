"""Login: the login form (用户名/密码/登录), the first administrator on the server itself, logout.

Who may do what is decided in the domain (``cases.permissions``); this module only finds out who
is at the keyboard.  The session token lives in this browser session's state; the store keeps its
hash and expiry (``cases.accounts``).
"""

from __future__ import annotations

import streamlit as st

from cases import accounts
from cases.accounts import Account
from cases.county import county_of
from cases.store import CaseStore
from geo.errors import AuthenticationError, ValidationError

#: session_state key of this browser session's login token.
KEY_TOKEN = "auth_token"


def current_account(store: CaseStore) -> Account | None:
    """The logged-in account of this browser session, or None (not logged in, expired, disabled)."""
    return accounts.session_account(store, st.session_state.get(KEY_TOKEN))


def is_local_browser() -> bool:
    """True when the browser runs on the server itself (no remote IP address)."""
    return st.context.ip_address is None


def login_page(store: CaseStore) -> None:
    """The login form; on the app's first run, the first administrator (only on the server itself)."""
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
        st.session_state[KEY_TOKEN] = accounts.start_session(store, account)
        st.rerun()
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
        st.session_state[KEY_TOKEN] = accounts.start_session(store, account)
        st.rerun()


def sidebar_account(store: CaseStore, account: Account) -> None:
    """Who is logged in, and 退出登录."""
    st.sidebar.caption(f"当前用户：{account.label}")
    if st.sidebar.button("退出登录", key="logout"):
        accounts.end_session(store, st.session_state.pop(KEY_TOKEN, None))
        st.rerun()
