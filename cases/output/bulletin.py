"""Semimonthly bulletin (通报, on the 15th and 30th): progress, overview map, overdue cases, what changed.

:func:`build_bulletin` gathers the content from the store (statistics, the campaign phase and
deadlines from ``cases.campaign``, the audit log); ``cases.output.bulletin_files.write_bulletin`` writes it as Word (.docx,
editable) or PDF (the CJK font embedded) through ``cases.output.bulletin_files``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from pyproj import CRS

from cases.campaign import Campaign, load_campaign, open_at
from cases.county import county_of
from cases.model import CLOSED_STATUS, KINDS, STATUSES
from cases.output.figures import save_figure
from cases.output.snapshots import SnapshotRequest, render_snapshot
from cases.service import row_names, store_cases, store_notes
from cases.stats import TOTAL, township_stats
from cases.store import CaseStore
from cases.text import date_text
from geo.errors import ValidationError

DEFAULT_ISSUER = "县专项行动领导组办公室"
TITLE = "全县严厉打击非法违法用地用矿专项行动工作通报"
#: Per-township table: column key → Chinese header.
TABLE_COLUMNS: dict[str, str] = {
    "township": "乡镇", "found": "排查发现", "filed": "已立案", "rectified": "整改到位", "closed": "已销号",
    "area_mu": "面积（亩）", "fine_wan": "罚款（万元）", "criminal_persons": "追刑（人）",
    "accountability_persons": "追责（人）",
}
#: A list longer than this is cut in the bulletin, with a note of how many were left out.
MAX_LIST = 60


@dataclass
class Bulletin:
    """Everything a bulletin says, ready to be written as .docx or .pdf."""

    day: dt.date
    since: dt.date
    number: int
    issuer: str
    phase_text: str
    overview: str
    table: pd.DataFrame
    overdue: list[tuple[str, pd.DataFrame]]
    upcoming: list[str]
    new_cases: pd.DataFrame
    status_changes: pd.DataFrame
    closed: pd.DataFrame
    other_edits: int
    map_png: bytes = b""
    notes: list[str] = field(default_factory=list)

    @property
    def title_date(self) -> str:
        """2019年7月15日."""
        return date_text(self.day)

    @property
    def since_text(self) -> str:
        """2019年6月30日至2019年7月15日."""
        return f"{date_text(self.since)}至{date_text(self.day)}"


def bulletin_days(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The two bulletin days of a month: the 15th and the 30th (the last day in February)."""
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, 15), dt.date(year, month, min(30, last))


def previous_bulletin_day(day: dt.date) -> dt.date:
    """The latest 15th/30th strictly before ``day`` (the default start of "what changed")."""
    first = day.replace(day=1)
    for d in reversed(bulletin_days(day.year, day.month)):
        if d < day:
            return d
    prev = first - dt.timedelta(days=1)
    return bulletin_days(prev.year, prev.month)[1]


def bulletin_number(day: dt.date, campaign: Campaign) -> int:
    """Issue number: bulletin days from the campaign start up to ``day`` (at least 1)."""
    n, y, m = 0, campaign.start.year, campaign.start.month
    while (y, m) <= (day.year, day.month):
        n += sum(campaign.start <= d <= day for d in bulletin_days(y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return max(n, 1)


def progress_table(cases: pd.DataFrame, *, townships: Sequence[str], area_crs: CRS | None = None) -> pd.DataFrame:
    """Per township of ``townships`` (all of them, and 合计): found, filed (已立案 or later), rectified, closed,
    亩 (measured in ``area_crs``, default 代县's zone), 万元, persons."""
    stats = township_stats(cases, townships=townships, area_crs=area_crs)
    filed = pd.Series(cases["status"].isin(STATUSES[1:]).astype(int).to_numpy(), index=cases.index)
    by_town = filed.groupby(cases["township"].astype(str).to_numpy()).sum()
    stats["found"] = stats["land_cases"] + stats["mining_cases"]
    stats["filed"] = [int(by_town.get(t, 0)) for t in stats["township"]]
    stats.loc[stats["township"] == TOTAL, "filed"] = int(filed.sum())
    return stats[list(TABLE_COLUMNS)]


def _case_rows(cases: pd.DataFrame, ids, extra: dict[str, list] | None = None) -> pd.DataFrame:
    c = cases.set_index("case_id")
    ids = [i for i in ids if i in c.index]
    out = pd.DataFrame({
        "案件编号": ids,
        "乡镇": [c.at[i, "township"] for i in ids],
        "类型": [KINDS.get(c.at[i, "kind"], c.at[i, "kind"]) for i in ids],
        "当前状态": [c.at[i, "status"] for i in ids],
    })
    for k, v in (extra or {}).items():
        out[k] = v[:len(out)]
    return out


def changes_since(store: CaseStore, cases: pd.DataFrame, *, since: dt.date, day: dt.date) -> tuple[pd.DataFrame, ...]:
    """New cases, status changes, closed cases and the count of other edits, from the audit log.

    The window is from the start of ``since`` to the end of ``day`` (both days included).
    """
    log = store.audit(since=since.isoformat())
    log = log[log["at"] < (day + dt.timedelta(days=1)).isoformat()]
    created = log[log["action"] == "create"].drop_duplicates("case_id", keep="last")
    new = _case_rows(cases, list(created["case_id"]), {"录入时间": list(created["at"].str[:10])})
    st = log[(log["action"] == "update") & (log["field"] == "status")]
    st = st[st["case_id"].isin(set(cases["case_id"]))]
    status = pd.DataFrame({
        "案件编号": st["case_id"].to_numpy(), "乡镇": st["case_id"].map(cases.set_index("case_id")["township"]).to_numpy(),
        "原状态": st["old"].to_numpy(), "新状态": st["new"].to_numpy(), "时间": st["at"].str[:10].to_numpy(),
        "操作人": st["user"].to_numpy(),
    })
    closed = status[status["新状态"] == CLOSED_STATUS].reset_index(drop=True)
    other = int(((log["action"] == "update") & (log["field"] != "status")).sum())
    return new, status.reset_index(drop=True), closed, pd.DataFrame({"n": [other]})


def build_bulletin(store: CaseStore, *, day: dt.date, since: dt.date | None = None, issuer: str | None = None,
                   with_map: bool = True, campaign: Campaign | None = None, division: int | None = None) -> Bulletin:
    """The bulletin of ``day`` from ``store`` (cases found on or before ``day``), per township of the division in
    force in ``division`` (default: the current one; see :func:`cases.service.in_division`)."""
    campaign = campaign or load_campaign()
    since = since or previous_bulletin_day(day)
    if since > day:
        raise ValidationError(f"--since {since.isoformat()} 晚于通报日期 {day.isoformat()}，应早于或等于通报日期")
    all_cases, towns = store_cases(store, year=division)
    found = pd.to_datetime(all_cases["found_date"], errors="coerce")
    cases = all_cases[(found.isna() | (found <= pd.Timestamp(day))).to_numpy()]
    table = progress_table(cases, townships=row_names(cases, towns), area_crs=county_of(store).area_crs)
    total = table[table["township"] == TOTAL].iloc[0]
    n_land = int((cases["kind"] == "land").sum())
    overview = (f"截至{date_text(day)}，全县共排查发现非法违法用地用矿案件 {int(total['found'])} 起（用地 {n_land} 起、"
                f"采矿 {int(total['found']) - n_land} 起），已立案 {int(total['filed'])} 起，整改到位 {int(total['rectified'])} 起，"
                f"已销号 {int(total['closed'])} 起；涉及面积 {total['area_mu']:.2f} 亩，罚款 {total['fine_wan']:.2f} 万元，"
                f"追究刑事责任 {int(total['criminal_persons'])} 人，追究党政纪责任 {int(total['accountability_persons'])} 人。")
    phase = campaign.phase_on(day)
    if phase is not None:
        no = campaign.phases.index(phase) + 1
        phase_text = (f"当前处于第{'一二三四五六'[no - 1]}阶段：{phase.name}（{phase.start.month}月{phase.start.day}日—"
                      f"{phase.end.month}月{phase.end.day}日），本阶段还剩 {(phase.end - day).days} 天。"
                      f"本阶段任务：{phase.task}")
    else:
        phase_text = campaign.describe_day(day) + "。"
    overdue, upcoming = [], []
    for d in campaign.deadlines:
        mask = open_at(cases, d)
        label = f"{d.name}（{d.date.month}月{d.date.day}日）"
        if d.date < day and mask.any():
            rows = _case_rows(cases, list(cases.loc[mask, "case_id"]),
                              {"发现日期": [str(v) for v in cases.loc[mask, "found_date"]]})
            overdue.append((f"{label}：{d.explain}，共 {int(mask.sum())} 起", rows))
        elif d.date >= day:
            upcoming.append(f"{label}：距今 {(d.date - day).days} 天，目前尚有 {int(mask.sum())} 起案件未达到要求"
                            f"（{d.explain}）。")
    new, status, closed, other = changes_since(store, cases, since=since, day=day)
    b = Bulletin(day=day, since=since, number=bulletin_number(day, campaign), issuer=issuer or DEFAULT_ISSUER,
                 phase_text=phase_text, overview=overview, table=table, overdue=overdue, upcoming=upcoming,
                 new_cases=new, status_changes=status, closed=closed, other_edits=int(other["n"].iloc[0]),
                 notes=store_notes(store))
    if with_map:
        b.map_png = _overview_png(store, day, division)
    return b


def _overview_png(store: CaseStore, day: dt.date, division: int | None = None) -> bytes:
    fig = render_snapshot(store, SnapshotRequest(date=day, division=division), size="A4", landscape=True, dpi=150)
    buf = io.BytesIO()
    save_figure(fig, buf, fmt="png")
    return buf.getvalue()
