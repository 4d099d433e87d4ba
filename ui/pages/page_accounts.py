"""Page: 账号管理 — accounts and roles (the county administrator only; checked in the domain)."""

from __future__ import annotations

import streamlit as st

from cases import accounts
from geo.errors import CasemapError
from ui import common


def render() -> None:
    """Draw the page."""
    st.header("账号管理")
    store = common.store()
    me = common.account()
    try:
        st.dataframe(accounts.list_users(store), hide_index=True, width="stretch")
    except CasemapError as exc:
        common.show_error(exc)
        return
    add, passwd, disable = st.tabs(["新增账号", "重置密码", "停用账号"])
    with add, st.form("acc_add"):
        name = st.text_input("用户名", key="acc_name")
        role = st.selectbox("角色", list(accounts.ROLES), format_func=accounts.ROLES.get, key="acc_role")
        town = st.selectbox("乡镇（乡镇账号）", ["", *common.township_names(common.db_path(), common.version())],
                            key="acc_town")
        dept = st.text_input("部门（部门账号）", key="acc_dept")
        pw = st.text_input("初始密码", type="password", key="acc_pw")
        if st.form_submit_button("新增账号"):
            _do(lambda: accounts.add_user(store, name, role=role, password=pw, township=town or None,
                                          department=dept or None, by=me.name), f"已新增账号 {name}")
    with passwd, st.form("acc_passwd"):
        name2 = st.text_input("用户名", key="acc_pw_name")
        pw2 = st.text_input("新密码", type="password", key="acc_pw_new")
        if st.form_submit_button("重置密码"):
            _do(lambda: accounts.set_password(store, name2, pw2, by=me.name), f"已重置 {name2} 的密码")
    with disable, st.form("acc_disable"):
        name3 = st.text_input("用户名", key="acc_dis_name")
        if st.form_submit_button("停用账号"):
            _do(lambda: accounts.disable_user(store, name3, by=me.name), f"已停用账号 {name3}")


def _do(action, done: str) -> None:
    try:
        action()
    except CasemapError as exc:
        common.show_error(exc)
    else:
        st.success(done)
