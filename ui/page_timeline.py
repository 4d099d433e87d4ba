"""Page: 专项行动进度 — phases, today's phase, deadlines and open/overdue cases per township."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from cases.campaign import Campaign, deadline_table, load_campaign, open_at
from cases.service import row_names
from geo.errors import CasemapError
from ui import common


@st.cache_data(show_spinner=False)
def _campaign() -> Campaign:
    return load_campaign()


def render() -> None:
    """Draw the page."""
    st.header("专项行动进度")
    common.show_notes()
    try:
        campaign = _campaign()
    except CasemapError as exc:
        common.show_error(exc)
        return
    st.caption(f"{campaign.name}（{campaign.start:%Y-%m-%d} 至 {campaign.end:%Y-%m-%d}）。"
               "阶段和时间节点来自配置文件 data/campaign.json（或环境变量 CASEMAP_CAMPAIGN 指定的文件），"
               "下一年度的专项行动只需修改该文件。")
    today = st.date_input("查看日期", value=dt.date.today(), key="timeline_day", format="YYYY-MM-DD",
                          help="默认今天；可选专项行动期间的某一天，查看当时所处阶段和逾期情况（按案件当前状态计算）。")
    st.info(campaign.describe_day(today), icon=":material/today:")
    st.altair_chart(_gantt(campaign, today))

    st.subheader("阶段")
    st.dataframe(pd.DataFrame([{
        "阶段": f"第{i}阶段 {p.name}", "开始": p.start.isoformat(), "结束": p.end.isoformat(),
        "天数": (p.end - p.start).days + 1, "任务": p.task,
        "状态": "进行中" if p.start <= today <= p.end else "已结束" if today > p.end else "未开始",
    } for i, p in enumerate(campaign.phases, start=1)]), hide_index=True, key="phase_table")

    path, ver = common.db_path(), common.version()
    cases, towns = common.load_division(path, ver)
    st.subheader("时间节点")
    rows = []
    for d in campaign.deadlines:
        n_open = int(open_at(cases, d).sum())
        left = (d.date - today).days
        rows.append({"时间节点": d.name, "日期": d.date.isoformat(),
                     "剩余天数": left if left >= 0 else f"已过 {-left} 天",
                     "未完成案件": n_open, "口径": d.explain,
                     "是否逾期": "—" if d.rule == "found_after" else ("逾期" if left < 0 and n_open else "否")})
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="deadline_table")

    st.subheader("各乡镇未完成 / 逾期案件")
    table = deadline_table(cases, campaign, today=today, townships=row_names(cases, towns))
    st.dataframe(table, hide_index=True, key="township_deadlines")
    st.caption("“未完成”按案件当前办理状态判断；“逾期”为已过时间节点仍未完成的案件。")


def _gantt(campaign: Campaign, today: dt.date) -> alt.LayerChart:
    phases = pd.DataFrame([{"阶段": f"{i}. {p.name}", "开始": pd.Timestamp(p.start),
                            "结束": pd.Timestamp(p.end) + pd.Timedelta(days=1)}
                           for i, p in enumerate(campaign.phases, start=1)])
    bars = alt.Chart(phases).mark_bar(cornerRadius=3).encode(
        x=alt.X("开始:T", title=None, axis=alt.Axis(format="%m-%d")), x2="结束:T",
        y=alt.Y("阶段:N", sort=None, title=None), color=alt.Color("阶段:N", legend=None))
    marks = pd.DataFrame([{"节点": f"{d.name} {d.date:%m-%d}", "日期": pd.Timestamp(d.date)} for d in campaign.deadlines])
    rules = alt.Chart(marks).mark_rule(color="#c0003c", strokeDash=[4, 3]).encode(x="日期:T", tooltip=["节点"])
    layers = [bars, rules]
    if campaign.start <= today <= campaign.end:
        layers.append(alt.Chart(pd.DataFrame({"今天": [pd.Timestamp(today)]})).mark_rule(
            color="#000", size=2).encode(x="今天:T"))
    return alt.layer(*layers).properties(height=180)
