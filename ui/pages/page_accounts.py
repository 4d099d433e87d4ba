"""Page: 账号管理 — accounts and roles (the county administrator only; checked in the domain)."""

from __future__ import annotations

import streamlit as st

from cases import accounts
from geo.errors import CasemapError
from ui import common

#: The 乡镇 choice of an account that is not a township account.
NO_TOWNSHIP = "（不是乡镇账号）"


def render() -> None:
    """Draw the page."""
    st.header("账号管理")
    store = common.store()
    me = common.account()
    if me.role != "county":
        st.error(f"{me.label}不能管理账号（仅领导组/县级账号可以新增、停用账号或重置密码）。"
                 "需要新账号或忘记密码时，请联系县局的系统管理员。", icon=":material/lock:")
        return
    try:
        users = accounts.list_users(store)
        st.dataframe(users.assign(创建时间=users["创建时间"].map(common.shown_time)), hide_index=True, width="stretch")
    except CasemapError as exc:
        common.show_error(exc)
        return
    add, passwd, disable = st.tabs(["新增账号", "重置密码", "停用账号"])
    with add, st.form("acc_add"):
        name = st.text_input("用户名", key="acc_name")
        role = st.selectbox("角色", list(accounts.ROLES), format_func=accounts.ROLES.get, key="acc_role")
        town = st.selectbox("乡镇（乡镇账号）", ["", *common.township_names(common.db_path(), common.version())],
                            key="acc_town", format_func=lambda t: t or NO_TOWNSHIP)
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
