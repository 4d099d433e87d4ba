"""The campaign's phases and deadlines, read from a configuration file (data/campaign.json).

Dates are configuration, not code: next year's campaign edits the file (or points $CASEMAP_CAMPAIGN
at another one).  A deadline says which cases are still open at it: ``rule = "status"`` — the
case's status is earlier in the lifecycle than ``required_status``; ``rule = "found_after"`` — the
case was found after the deadline (it had to be added to the ledger late).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cases.model import STATUSES, parse_date
from cases.stats import TOTAL
from cases.text import date_text
from geo.errors import ValidationError

CAMPAIGN_FILE = Path(__file__).resolve().parent.parent / "data" / "campaign.json"
RULES = ("status", "found_after")


@dataclass(frozen=True)
class Phase:
    """One phase of the campaign (inclusive dates)."""

    name: str
    start: dt.date
    end: dt.date
    task: str = ""


@dataclass(frozen=True)
class Deadline:
    """A deadline and the rule that says which cases are still open at it."""

    key: str
    name: str
    date: dt.date
    rule: str
    required_status: str | None = None
    explain: str = ""


@dataclass(frozen=True)
class Campaign:
    """Phases in order and deadlines in order."""

    name: str
    year: int
    phases: tuple[Phase, ...]
    deadlines: tuple[Deadline, ...]

    @property
    def start(self) -> dt.date:
        return self.phases[0].start

    @property
    def end(self) -> dt.date:
        return self.phases[-1].end

    def phase_on(self, day: dt.date) -> Phase | None:
        """The phase ``day`` falls in, or None (before, after, or between phases)."""
        return next((p for p in self.phases if p.start <= day <= p.end), None)

    def describe_day(self, day: dt.date) -> str:
        """A Chinese sentence: which phase ``day`` is in, or that the campaign has not begun / has ended."""
        phase = self.phase_on(day)
        if phase is not None:
            left = (phase.end - day).days
            return f"{date_text(day)}处于第{self.phases.index(phase) + 1}阶段“{phase.name}”，本阶段还剩 {left} 天"
        if day < self.start:
            return f"{date_text(day)}专项行动尚未开始（{date_text(self.start)}开始）"
        if day > self.end:
            return f"{date_text(day)}专项行动已于{date_text(self.end)}结束"
        return f"{date_text(day)}处于两个阶段之间"


def load_campaign(path: str | os.PathLike | None = None) -> Campaign:
    """Read the campaign file: ``path``, else $CASEMAP_CAMPAIGN, else data/campaign.json."""
    path = Path(path or os.environ.get("CASEMAP_CAMPAIGN") or CAMPAIGN_FILE)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValidationError(f"找不到专项行动配置文件 {path}") from exc
    except json.JSONDecodeError as exc:
        raise ValidationError(f"专项行动配置文件 {path.name} 不是有效的 JSON：第 {exc.lineno} 行，{exc.msg}") from exc
    return parse_campaign(obj, source=path.name)


def parse_campaign(obj: dict[str, Any], *, source: str = "配置") -> Campaign:
    """Build a Campaign from a dict; ValidationError naming the bad entry and field."""
    errs: list[str] = []

    def date(entry: dict, key: str, where: str) -> dt.date | None:
        try:
            d = parse_date(entry.get(key), field_label=f"{where}的 {key}")
        except ValidationError as exc:
            errs.append(str(exc))
            return None
        if d is None:
            errs.append(f"{where}缺少 {key}（日期，YYYY-MM-DD）")
        return d

    phases = []
    for i, p in enumerate(obj.get("phases") or [], start=1):
        where = f"阶段 {i}（{p.get('name', '')}）"
        s, e = date(p, "start", where), date(p, "end", where)
        if s and e and e < s:
            errs.append(f"{where}：结束日期 {e} 早于开始日期 {s}")
        phases.append(Phase(str(p.get("name", f"阶段{i}")), s, e, str(p.get("task", ""))))
    if not phases:
        errs.append("没有任何阶段（phases）")
    deadlines = []
    for i, d in enumerate(obj.get("deadlines") or [], start=1):
        where = f"时间节点 {i}（{d.get('name', '')}）"
        rule = d.get("rule", "status")
        if rule not in RULES:
            errs.append(f"{where}：rule「{rule}」无效，应为 {' 或 '.join(RULES)}")
        req = d.get("required_status")
        if rule == "status" and req not in STATUSES:
            errs.append(f"{where}：required_status「{req}」无效，应为：{'、'.join(STATUSES)}")
        deadlines.append(Deadline(str(d.get("key", f"d{i}")), str(d.get("name", "")), date(d, "date", where),
                                  rule, req, str(d.get("explain", ""))))
    if errs:
        raise ValidationError(f"专项行动配置 {source} 有误：" + "；".join(errs))
    phases.sort(key=lambda p: p.start)
    deadlines.sort(key=lambda d: d.date)
    return Campaign(str(obj.get("name", "专项行动")), int(obj.get("year", phases[0].start.year)),
                    tuple(phases), tuple(deadlines))


def open_at(cases: pd.DataFrame, deadline: Deadline) -> np.ndarray:
    """Boolean mask: which cases are still open at ``deadline`` (see the module docstring)."""
    if deadline.rule == "found_after":
        found = pd.to_datetime(cases["found_date"], errors="coerce")
        return (found > pd.Timestamp(deadline.date)).fillna(False).to_numpy(bool)
    rank = {s: i for i, s in enumerate(STATUSES)}
    have = cases["status"].map(rank).fillna(-1).to_numpy()
    return have < rank[deadline.required_status]


def deadline_table(cases: pd.DataFrame, campaign: Campaign, *, today: dt.date, townships: Sequence[str]) -> pd.DataFrame:
    """Per township of ``townships`` (all of them, plus 合计): cases open at each deadline, and overdue ones.

    Columns: ``乡镇``, then for each status deadline ``<name>（MM-DD）未完成`` and ``…逾期`` (open and
    the deadline is before ``today``), for a found_after deadline ``<name>（MM-DD）之后发现（补报）``.
    Cases count in their township (``township``: declared, or of the division shown).
    """
    names = [str(t) for t in townships]
    town = pd.Categorical(cases["township"].astype(str), categories=names)
    out = pd.DataFrame({"乡镇": names})
    for d in campaign.deadlines:
        mask = open_at(cases, d)
        counts = pd.Series(mask.astype(int)).groupby(town, observed=False).sum().reindex(names, fill_value=0)
        label = f"{d.name}（{d.date:%m-%d}）"
        if d.rule == "found_after":
            out[f"{label}之后发现（补报）"] = counts.to_numpy().astype(int)
            continue
        out[f"{label}未完成"] = counts.to_numpy().astype(int)
        out[f"{label}逾期"] = out[f"{label}未完成"] if today > d.date else 0
    total = out.drop(columns="乡镇").sum().to_frame().T
    total.insert(0, "乡镇", TOTAL)
    return pd.concat([out, total], ignore_index=True)


#: Columns of :func:`overdue_cases`.
OVERDUE_COLUMNS = ("case_id", "township", "kind", "party", "status", "deadline", "deadline_date", "days_overdue")


def overdue_cases(cases: pd.DataFrame, campaign: Campaign, *, today: dt.date) -> pd.DataFrame:
    """The cases overdue on ``today``: still open at a status deadline that has passed.

    One row per case (columns :data:`OVERDUE_COLUMNS`), naming the earliest deadline it missed and the
    whole days since (an int); most overdue first, then by township and case id.  found_after deadlines
    (late additions to the ledger) make no case overdue.
    """
    missed = pd.Series([None] * len(cases), index=cases.index, dtype=object)
    for d in sorted((d for d in campaign.deadlines if d.rule == "status" and d.date < today), key=lambda d: d.date):
        first = missed.isna().to_numpy() & open_at(cases, d)
        missed[first] = d.key
    hit = cases.loc[missed.notna().to_numpy()]
    by_key = {d.key: d for d in campaign.deadlines}
    chosen = [by_key[k] for k in missed[missed.notna()]]
    out = pd.DataFrame({
        "case_id": hit["case_id"].astype(str).to_numpy(),
        "township": hit["township"].fillna("").astype(str).to_numpy(),
        "kind": hit["kind"].astype(str).to_numpy(),
        "party": hit["party"].fillna("").astype(str).to_numpy() if "party" in hit else "",
        "status": hit["status"].astype(str).to_numpy(),
        "deadline": [d.name for d in chosen],
        "deadline_date": [d.date for d in chosen],
        "days_overdue": np.array([(today - d.date).days for d in chosen], dtype=int),
    }, columns=list(OVERDUE_COLUMNS))
    return out.sort_values(["days_overdue", "township", "case_id"], ascending=[False, True, True], ignore_index=True)
