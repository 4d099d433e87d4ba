"""Page: 审计记录 — who changed what and when, searchable; the county can verify the hash chain."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from cases.triage.layers import KINDS
from geo.errors import CasemapError
from ui import common

ACTIONS = {"create": "新增案件", "update": "修改", "delete": "删除案件", "permits": "导入许可证", "clear": "清空", "login": "登录",
           "logout": "退出登录", "login_failed": "登录失败", "user_add": "新增账号", "user_passwd": "修改密码", "user_disable": "停用账号",
           "import": "导入台账", "restore": "恢复案件库", "boundaries:township": "替换乡镇界线", "boundaries:county": "替换县界",
           **{f"layer:{k}": f"载入参考图层（{v}）" for k, v in KINDS.items()}, "patches": "保存卫片图斑核实结论",
           "rules": "更换研判与移送规则", "photo": "添加现场照片", "status_proposal": "现场核查建议状态"}


def render() -> None:
    """Draw the page."""
    st.header("审计记录")
    store = common.store()
    c1, c2, c3 = st.columns(3)
    text = c1.text_input("搜索（案件编号 / 用户 / 内容）", key="audit_text").strip()
    since = c2.date_input("起始日期", value=None, key="audit_since", format="YYYY-MM-DD")
    kinds = c3.multiselect("操作", list(ACTIONS.values()), key="audit_actions", placeholder="全部操作")
    try:
        log = store.audit(since=since.isoformat() if isinstance(since, dt.date) else None)
    except CasemapError as exc:
        common.show_error(exc)
        return
    log = log.assign(action=log["action"].map(lambda a: ACTIONS.get(a, a)))
    if kinds:
        log = log[log["action"].isin(kinds)]
    if text:
        hay = log.fillna("").astype(str).agg(" ".join, axis=1)
        log = log[hay.str.contains(text, regex=False)]
    st.caption(f"共 {len(log)} 条（最新在前）。记录只能追加；每条都带有与前一条相连的校验值，改动或删除会被发现。")
    log = log.assign(at=log["at"].map(common.shown_time), field=log["field"].map(common.field_label),
                     old=log["old"].map(common.shown_value), new=log["new"].map(common.shown_value)).astype(object)
    log = log.where(log.notna(), "")
    shown = log.iloc[::-1].rename(columns={"at": "时间", "user": "用户", "case_id": "案件编号", "action": "操作",
                                             "field": "字段", "old": "原值", "new": "新值"})
    st.dataframe(shown, hide_index=True, width="stretch")
    if common.account().role == "county" and st.button("校验审计记录链", key="audit_verify"):
        problems = store.audit_problems()
        if problems:
            st.error("审计记录被改动：\n\n" + "\n\n".join(problems), icon=":material/gpp_bad:")
        else:
            st.success("审计记录完整：每一条都与前一条相连，没有被改动或删除。", icon=":material/verified:")
