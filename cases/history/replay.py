"""The replay: cases as they were at the end of a past day, rebuilt from the store's audit log.

The rule (README, 地图与通报输出): the state of day D is what the store held at the end of D — a case counts
when it was recorded (its ``create`` row) on or before D, was not deleted by then, and its 发现时间 as of D is
not after D (or is blank); its fields are its latest version (the current row, or the copy kept when it was
deleted after D) with every logged change after D undone (each field takes the ``old`` value of its first
change after D).  A deleted case is taken from its copy in ``deleted_cases``; rows before the last 清空
(``clear``, init-demo's refill) are left out, the cases they name being gone.

A case recorded after D is absent, even if found before: a bulletin made on D could not have shown it
(:meth:`History.late` lists them, and the bulletin says how many).  A case comes into the log with the values it
was imported or entered with, and nothing of its life before; so a day before the store's first case record
(a store started by importing a ledger, or the demo made today) cannot be rebuilt, and :class:`HistoryError`
says why in Chinese, naming the cases already found by then.

Permits are not versioned (the current ones are used); township layers are kept by the year they are valid
from, and the bulletin draws the division in force in D's year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cases.model import Case
from cases.store import CaseStore
from cases.text import date_text
from geo.errors import ValidationError

#: Each case field's annotation as text (``dt.date | None``, ``bool``, ``int``…): how to read its logged values.
_TYPES = {f.name: str(f.type) for f in fields(Case)}
_LIFE = ("create", "delete")
#: How many case ids a refusal names.
_NAMED = 5


class HistoryError(ValidationError):
    """A day whose state the audit log cannot rebuild (the reason in Chinese)."""


def day_end(day: dt.date) -> str:
    """The first audit time after ``day`` (log times are ISO text: ``at < day_end(day)`` is on or before it)."""
    return (day + dt.timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class History:
    """The store's cases (current and deleted) and its case log, read once; :meth:`at` rebuilds any day."""

    current: gpd.GeoDataFrame
    deleted: gpd.GeoDataFrame
    log: pd.DataFrame

    @classmethod
    def load(cls, store: CaseStore) -> History:
        """Read what the rebuild needs from ``store`` (as its account may read it)."""
        log = _case_log(store.audit())
        current = store.cases()  # ids as plain objects: isin on them is fast
        current["case_id"] = current["case_id"].astype(object)
        deleted = store.deleted_case_rows()
        deleted["case_id"] = deleted["case_id"].astype(object)
        return cls(current=current, deleted=deleted, log=log.reset_index(drop=True))

    def first_record(self) -> str | None:
        """The time of the store's first case record (None: no case was ever recorded)."""
        made = self.log.loc[self.log["action"] == "create", "at"]
        return str(made.min()) if len(made) else None

    def at(self, day: dt.date, *, strict: bool = True) -> gpd.GeoDataFrame:
        """The cases as they were at the end of ``day``, columns as ``store.cases()`` (see the module docstring).

        ``strict`` refuses (HistoryError) a day the log cannot rebuild; without it, a case recorded after
        ``day`` is simply absent (the baseline of "what changed since": it is new in the window).
        """
        end = day_end(day)
        if strict:
            self._check(day)
        log = self.log
        life = log[log["action"].isin(_LIFE)]
        before = life[life["at"] < end].drop_duplicates("case_id", keep="last")
        alive = set(before.loc[before["action"] == "create", "case_id"])
        unlogged = set(self.current["case_id"]) - set(life["case_id"])  # no create row at all: as it is
        after = life[(life["at"] >= end) & life["case_id"].isin(alive)].drop_duplicates("case_id", keep="first")
        ended = after[after["action"] == "delete"]
        frame = _latest(self.current, self.deleted, alive | unlogged, ended)
        stop = pd.Series(ended["seq"].to_numpy(), index=ended["case_id"].to_numpy())
        changes = log[(log["action"] == "update") & (log["at"] >= end) & log["case_id"].isin(set(frame["case_id"]))]
        changes = changes[changes["seq"].to_numpy() < changes["case_id"].map(stop).fillna(np.inf).to_numpy()]
        frame = _undo(frame, changes.drop_duplicates(["case_id", "field"], keep="first"))
        frame = _bookkeeping(frame, changes, log[log["at"] < end])
        found = pd.to_datetime(frame["found_date"], errors="coerce")
        frame = frame[(found.isna() | (found < pd.Timestamp(end))).to_numpy()]
        return frame.sort_values("case_id").reset_index(drop=True)

    def _check(self, day: dt.date) -> None:
        first = self.first_record()
        if first is None or day_end(day) > first:
            return
        start = dt.date.fromisoformat(first[:10])
        found = self.late(day)
        why = (f"；其中 {len(found)} 个案件发现于该日或之前（如 {'、'.join(found['case_id'].head(_NAMED))}），"
               f"录入时只记下了当时的字段值，录入前的办理状态没有记录") if len(found) else ""
        raise HistoryError(f"案件库最早的案件记录是 {date_text(start)}，此前案件库中还没有案件，无法重建{date_text(day)}"
                           f"的案件状态{why}。请选择{date_text(start)}或之后的日期")

    def late(self, day: dt.date) -> pd.DataFrame:
        """Cases found on or before ``day`` but recorded after it (absent from its state): ``case_id``, ``found``
        (date) and ``recorded`` (ISO time), in the order recorded."""
        made = self.log[self.log["action"] == "create"].drop_duplicates("case_id", keep="first")
        rows = pd.concat([self.current[["case_id", "found_date"]], self.deleted[["case_id", "found_date"]]])
        found = pd.to_datetime(made["case_id"].map(rows.drop_duplicates("case_id").set_index("case_id")["found_date"]),
                               errors="coerce")
        end = day_end(day)
        keep = ((found < pd.Timestamp(end)) & (made["at"] >= end)).to_numpy()
        return pd.DataFrame({"case_id": made["case_id"].to_numpy()[keep], "found": found.dt.date.to_numpy()[keep],
                             "recorded": made["at"].to_numpy()[keep]})


def first_record_day(store: CaseStore) -> dt.date | None:
    """The day of the store's first case record (since its last 清空); None when it never held a case."""
    log = _case_log(store.audit())
    made = log.loc[log["action"] == "create", "at"]
    return dt.date.fromisoformat(str(made.min())[:10]) if len(made) else None


def cases_as_of(store: CaseStore, day: dt.date) -> gpd.GeoDataFrame:
    """The cases of ``store`` as they were at the end of ``day``, rebuilt from its audit log.

    Parameters
    ----------
    store
        The store (a ``GuardedStore`` rebuilds what its account may read).
    day
        The day; its end is the moment shown.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of ``store.cases()``, one row per case then held (deleted since: included; recorded
        later or found later: absent), fields as they were.

    Raises
    ------
    HistoryError
        For a day before the store's first case record (the cases' earlier state is not in the log).
    """
    return History.load(store).at(day)


# -- steps --------------------------------------------------------------------------------------------
def _case_log(log: pd.DataFrame) -> pd.DataFrame:
    """The case rows (create, update, delete) after the last 清空, with their order (``seq``); text as objects."""
    log = log.assign(seq=np.arange(len(log)))
    clears = np.flatnonzero(log["action"].to_numpy() == "clear")
    if len(clears):  # the cases of an earlier fill are gone, copies and all
        log = log.iloc[clears[-1] + 1:]
    log = log[log["case_id"].notna() & log["action"].isin(("create", "update", "delete"))]
    return log.astype({c: object for c in ("at", "user", "case_id", "action", "field", "old", "new")})


def _latest(current: gpd.GeoDataFrame, deleted: gpd.GeoDataFrame, ids: set, ended: pd.DataFrame) -> gpd.GeoDataFrame:
    """The last version of each case of ``ids``: the copy kept at its deletion (``ended``), else the current row."""
    gone = deleted.merge(ended[["case_id", "at"]].rename(columns={"at": "deleted_at"}), on=["case_id", "deleted_at"])
    gone = gone.drop_duplicates("case_id", keep="last").drop(columns="deleted_at")
    live = current[current["case_id"].isin(ids - set(gone["case_id"]))]
    frame = pd.concat([live, gone[current.columns]], ignore_index=True) if len(gone) else live.copy()
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=current.crs)


def _undo(frame: gpd.GeoDataFrame, first_changes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Set each changed field back to the ``old`` value of its first change after the day (one pass per field)."""
    frame = frame.copy()
    row = pd.Series(np.arange(len(frame)), index=frame["case_id"].to_numpy())
    for name, group in first_changes.groupby("field", sort=False):
        if name not in frame.columns and name != "geometry":
            continue  # a field this program no longer has
        at = row.loc[group["case_id"].to_numpy()].to_numpy()
        old = group["old"].astype(object).where(group["old"].notna(), None)
        if name == "geometry":
            geoms = frame.geometry.to_numpy().copy()
            geoms[at] = shapely.from_wkt(old.to_numpy())
            frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
            continue
        col = frame[name].astype(object).to_numpy().copy()
        col[at] = _typed(name, old.reset_index(drop=True)).to_numpy()
        frame[name] = _column(name, col)
    return frame


def _bookkeeping(frame: gpd.GeoDataFrame, changes: pd.DataFrame, before: pd.DataFrame) -> gpd.GeoDataFrame:
    """Version, updated_at and updated_by as they were: one version less per write undone (its rows share a time),
    the last write on or before the day."""
    if frame.empty:
        return frame
    undone = changes.groupby("case_id")["at"].nunique()
    # at least 1: a write logged without a new version (init-demo's history) undoes no version
    frame["version"] = (frame["version"] - frame["case_id"].map(undone).fillna(0)).clip(lower=1).astype(int)
    last = before[before["action"].isin(("create", "update"))].drop_duplicates("case_id", keep="last")
    last = last.set_index("case_id")
    known = frame["case_id"].isin(last.index).to_numpy()
    frame.loc[known, "updated_at"] = frame.loc[known, "case_id"].map(last["at"]).to_numpy()
    frame.loc[known, "updated_by"] = frame.loc[known, "case_id"].map(last["user"]).to_numpy()
    return frame


def _typed(name: str, text: pd.Series) -> pd.Series:
    """Values of field ``name`` from their audit-log text."""
    kind = _TYPES.get(name, "str")
    if "date" in kind:
        days = pd.to_datetime(text, errors="coerce")
        return pd.Series([d.date() if not pd.isna(d) else None for d in days], index=text.index, dtype=object)
    if "bool" in kind:
        return text.map(lambda v: v == "True").astype(bool)
    if "int" in kind or "float" in kind:
        num = pd.to_numeric(text, errors="coerce")
        if "None" in kind:
            return num.astype(object).where(num.notna(), None)
        return num.fillna(0).astype(int if "int" in kind else float)
    return text.map(lambda v: v if v is not None else ("" if "None" not in kind else None))


def _column(name: str, values: np.ndarray) -> pd.Series | np.ndarray:
    kind = _TYPES.get(name, "str")
    if "bool" in kind:
        return values.astype(bool)
    if ("int" in kind or "float" in kind) and "None" not in kind:
        return values.astype(int if "int" in kind else float)
    return values

