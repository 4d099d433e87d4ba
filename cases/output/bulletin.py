"""Semimonthly bulletin (通报, on the 15th and 30th): progress, overview map, overdue cases, what changed.

:func:`build_bulletin` gathers the content from the store (statistics, the campaign phase and
deadlines from ``cases.campaign``, the audit log); ``cases.output.bulletin_files.write_bulletin`` writes it as Word (.docx,
editable) or PDF (the CJK font embedded) through ``cases.output.bulletin_files``.  Every part shows the cases as
they were at the end of the bulletin's day (``cases.history``): a bulletin made later says what it said then.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pyproj import CRS

from cases.campaign import Campaign, load_campaign, open_at
from cases.county import county_of
from cases.history import History, StoreAsOf, day_end
from cases.model import CLOSED_STATUS, KINDS, STATUSES
from cases.output.figures import save_figure
from cases.output.referrals import CASE_COLUMNS as REFERRAL_COLUMNS
from cases.output.referrals import case_referrals
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
    removed: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The cases the bulletin shows (as they were on ``day``): those of its table, text and map.
    case_ids: tuple[str, ...] = ()
    #: 涉嫌犯罪移送: one sentence with the numbers ("" when the layers may not be read) and the cases over a
    #: threshold with the rule that fired (:mod:`cases.output.referrals`).
    referral_text: str = ""
    referrals: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Whose cases it counts: 全县, or a township account's own township.
    scope: str = "全县"

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


def _case_rows(cases: pd.DataFrame, ids, extra: dict[str, object] | None = None) -> pd.DataFrame:
    """One row per case of ``ids`` (those in ``cases``): 案件编号, 乡镇, 类型, 办理状态, then ``extra`` columns
    (lists in the order of ``ids``, or Series keyed by case id)."""
    c = cases.drop_duplicates("case_id").set_index("case_id")
    wanted = pd.Index(list(ids), dtype=object)
    keep = wanted.isin(c.index)
    rows = c.loc[wanted[keep]]
    out = pd.DataFrame({
        "案件编号": list(wanted[keep]),
        "乡镇": rows["township"].to_numpy(),
        "类型": [KINDS.get(k, k) for k in rows["kind"]],
        "办理状态": rows["status"].to_numpy(),
    })
    for k, v in (extra or {}).items():
        out[k] = (v.reindex(out["案件编号"]).fillna("").astype(str).to_numpy() if isinstance(v, pd.Series)
                  else list(np.asarray(v, dtype=object)[keep]))
    return out


@dataclass
class Changes:
    """What changed between the end of the day before ``since`` and the end of ``day`` (both days included)."""

    new: pd.DataFrame
    status: pd.DataFrame
    closed: pd.DataFrame
    removed: pd.DataFrame
    other_edits: int


def changes_since(history: History, before: pd.DataFrame, cases: pd.DataFrame, *, since: dt.date,
                  day: dt.date) -> Changes:
    """Compare the cases at the start of ``since`` (``before``) with those at the end of ``day`` (``cases``).

    New: held at ``day`` and not before (found or recorded in the window); closed: 已销号 at ``day`` and not
    before; removed: held before and not at ``day`` (deleted in the window).  Status changes and other edits
    are the logged changes in the window of the cases held at either end.
    """
    log = history.log
    log = log[(log["at"] >= since.isoformat()) & (log["at"] < day_end(day))]
    held = pd.Index(pd.concat([cases["case_id"], before["case_id"]]).unique(), dtype=object)
    log = log[log["case_id"].isin(held)]
    old = before.drop_duplicates("case_id").set_index("case_id")["status"]
    now = cases.drop_duplicates("case_id").set_index("case_id")["status"]
    was = old.reindex(now.index)

    def last(rows: pd.DataFrame) -> pd.Series:
        return rows.drop_duplicates("case_id", keep="last").set_index("case_id")["at"].str[:10]

    made = last(log[log["action"] == "create"])
    new_ids = now.index[was.isna().to_numpy()]
    found = cases.drop_duplicates("case_id").set_index("case_id")["found_date"]
    new = _case_rows(cases, new_ids, {"发现日期": found.map(lambda v: "" if v is None or v != v else str(v)),
                                      "录入时间": made})
    st = log[(log["action"] == "update") & (log["field"] == "status") & log["case_id"].isin(now.index)]
    status = pd.DataFrame({
        "案件编号": st["case_id"].to_numpy(), "乡镇": st["case_id"].map(cases.set_index("case_id")["township"]).to_numpy(),
        "原状态": st["old"].to_numpy(), "新状态": st["new"].to_numpy(), "时间": st["at"].str[:10].to_numpy(),
        "操作人": st["user"].to_numpy(),
    })
    closed_ids = now.index[((now == CLOSED_STATUS) & (was != CLOSED_STATUS)).to_numpy()]
    when = last(st[st["new"] == CLOSED_STATUS])
    closed = _case_rows(cases, closed_ids, {"销号时间": when.combine_first(made)})
    removed_ids = old.index[~old.index.isin(now.index)]
    removed = _case_rows(before, removed_ids, {"删除时间": last(log[log["action"] == "delete"])})
    other = int(((log["action"] == "update") & (log["field"] != "status")).sum())
    return Changes(new=new, status=status.reset_index(drop=True), closed=closed, removed=removed, other_edits=other)


def build_bulletin(store: CaseStore, *, day: dt.date, since: dt.date | None = None, issuer: str | None = None,
                   with_map: bool = True, campaign: Campaign | None = None, division: int | None = None) -> Bulletin:
    """The bulletin of ``day`` from ``store``: every part (text, table, map, overdue cases, changes) shows the
    cases as they were at the end of ``day``, rebuilt from the audit log (:mod:`cases.history`), per township
    of the division in force in ``division`` (default: the one in force on ``day``).

    Raises HistoryError (Chinese, naming the cases and the first day that can be rebuilt) for a day the log
    cannot rebuild; the start of "what changed" (``since``) is not refused: a case recorded later is new.
    """
    campaign = campaign or load_campaign()
    since = since or previous_bulletin_day(day)
    if since > day:
        raise ValidationError(f"--since {since.isoformat()} 晚于通报日期 {day.isoformat()}，应早于或等于通报日期")
    view = StoreAsOf(store, day, division=division)
    cases, towns = store_cases(view, year=view.division)
    before = store_cases(view, year=view.division,
                         cases=view.history.at(since - dt.timedelta(days=1), strict=False))[0]
    table = progress_table(cases, townships=row_names(cases, towns), area_crs=county_of(store).area_crs)
    total = table[table["township"] == TOTAL].iloc[0]
    n_land = int((cases["kind"] == "land").sum())
    scope = _scope(store)
    overview = (f"截至{date_text(day)}，{scope}共排查发现非法违法用地用矿案件 {int(total['found'])} 起（用地 {n_land} 起、"
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
    ch = changes_since(view.history, before, cases, since=since, day=day)
    notes = store_notes(view)
    late = view.history.late(day)
    if len(late):
        notes.append(f"另有 {len(late)} 起案件（如 {'、'.join(late['case_id'].head(3))}）发现于{date_text(day)}或之前，"
                     f"但在该日之后才录入案件库，未计入本期通报。")
    b = Bulletin(day=day, since=since, number=bulletin_number(day, campaign), issuer=issuer or DEFAULT_ISSUER,
                 phase_text=phase_text, overview=overview, table=table, overdue=overdue, upcoming=upcoming,
                 new_cases=ch.new, status_changes=ch.status, closed=ch.closed, other_edits=ch.other_edits,
                 notes=notes, removed=ch.removed, case_ids=tuple(cases["case_id"]), scope=scope)
    ref = case_referrals(store, cases)  # the cases as they were on the day, against today's layers and rules
    if ref is not None and (ref.layers or len(ref.cases)):  # without 基本农田/耕地 layers only mining could be judged
        b.referral_text = ref.summary()
        b.referrals = ref.cases.rename(columns=REFERRAL_COLUMNS)
    if with_map:
        b.map_png = _overview_png(view)
    return b


def _scope(store: CaseStore) -> str:
    """全县, or the township of a township account (a store seen as one account sees only that township's cases)."""
    account = getattr(store, "account", None)
    return account.township if getattr(account, "role", None) == "township" and account.township else "全县"


def map_request(view: StoreAsOf) -> SnapshotRequest:
    """The county map of the bulletin of ``view.day``: its cases as they were, dated that day."""
    return SnapshotRequest(date=view.day, division=view.division)


def _overview_png(view: StoreAsOf) -> bytes:
    fig = render_snapshot(view, map_request(view), size="A4", landscape=True, dpi=150)
    buf = io.BytesIO()
    save_figure(fig, buf, fmt="png")
    return buf.getvalue()
