"""Page: 专项行动进度 — phases, today's phase, deadlines and open/overdue cases per township."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import altair as alt
import pandas as pd
import streamlit as st

from cases.campaign import Campaign, deadline_table, load_campaign, open_at, overdue_cases
from cases.model import KINDS
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
    st.table(pd.DataFrame([{
        "阶段": f"第{i}阶段 {p.name}", "起止": f"{p.start:%m-%d} 至 {p.end:%m-%d}",
        "天数": (p.end - p.start).days + 1, "任务": p.task,
        "状态": "进行中" if p.start <= today <= p.end else "已结束" if today > p.end else "未开始",
    } for i, p in enumerate(campaign.phases, start=1)]), hide_index=True)

    path, ver = common.db_path(), common.version()
    cases, towns = common.load_division(path, ver)
    st.subheader("时间节点")
    st.table(_deadline_rows(campaign, cases, today), hide_index=True)

    st.subheader("各乡镇未完成 / 逾期案件")
    table = deadline_table(cases, campaign, today=today, townships=row_names(cases, towns))
    st.dataframe(table, hide_index=True, key="township_deadlines", height="content",
                 column_config=_township_columns(campaign, table))
    st.caption("“未完成”按案件当前办理状态判断；“逾期”为已过时间节点仍未完成的案件。列名中的日期即时间节点："
               + "；".join(f"{d.date:%m-%d} {d.name}" for d in campaign.deadlines) + "。")
    _overdue_list(cases, campaign, today, order=list(table["乡镇"]))


def _deadline_rows(campaign: Campaign, cases: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """One row per deadline; 剩余天数 is text in every row (还剩 N 天 / 今天到期 / 已过 N 天)."""
    rows = []
    for d in campaign.deadlines:
        n_open = int(open_at(cases, d).sum())
        left = (d.date - today).days
        rows.append({"时间节点": d.name, "日期": d.date.isoformat(),
                     "剩余天数": f"还剩 {left} 天" if left > 0 else "今天到期" if left == 0 else f"已过 {-left} 天",
                     "未完成案件": n_open, "口径": d.explain,
                     "是否逾期": "—" if d.rule == "found_after" else ("逾期" if left < 0 and n_open else "否")})
    return pd.DataFrame(rows)


def _township_columns(campaign: Campaign, table: pd.DataFrame) -> dict[str, object]:
    """Short headers (date + what is counted) with the deadline's full name as help, so the table fits."""
    config: dict[str, object] = {"乡镇": st.column_config.TextColumn("乡镇", pinned=True)}
    for d in campaign.deadlines:
        label = f"{d.name}（{d.date:%m-%d}）"
        for suffix, short in (("未完成", "未完成"), ("逾期", "逾期"), ("之后发现（补报）", "之后补报")):
            if label + suffix in table.columns:
                config[label + suffix] = st.column_config.NumberColumn(
                    f"{d.date:%m-%d} {short}", help=f"{d.name}（{d.date:%Y-%m-%d}）：{d.explain}", width="small")
    return config


def _overdue_list(cases: pd.DataFrame, campaign: Campaign, today: dt.date, *, order: list[str]) -> None:
    """The overdue cases, each with a link that opens it on the map page (map?case=<id>)."""
    late = overdue_cases(cases, campaign, today=today)
    st.subheader(f"逾期案件（{len(late)} 起）")
    if late.empty:
        st.success("没有逾期案件。", icon=":material/check_circle:")
        return
    rank = {t: i for i, t in enumerate(order)}
    late = late.assign(_r=late["township"].map(rank).fillna(len(rank))).sort_values(
        ["_r", "days_overdue", "case_id"], ascending=[True, False, True], kind="stable")
    shown = pd.DataFrame({
        "案件编号": [f"map?case={quote(c, safe='-_.~')}" for c in late["case_id"]],
        "乡镇": late["township"], "类型": late["kind"].map(KINDS).fillna(late["kind"]),
        "违法主体": late["party"], "办理状态": late["status"],
        "逾期节点": [f"{d:%m-%d} {n}" for n, d in zip(late["deadline"], late["deadline_date"])],
        "逾期天数": late["days_overdue"].astype(int),
    })
    st.dataframe(shown, hide_index=True, key="overdue_cases", height=min(35 * (len(shown) + 1) + 3, 420),
                 column_config={"案件编号": st.column_config.LinkColumn(
                     "案件编号", display_text=r"case=(.*)$", help="点击在案件地图中打开该案件", width="small")})
    st.caption("每起案件只列它错过的第一个时间节点；点击案件编号在“案件地图”中打开该案件。")


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
