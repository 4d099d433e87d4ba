"""A read-only view of a store as it was at the end of a day, for everything that draws from a store."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

import geopandas as gpd
import pandas as pd

from cases.history.replay import History, day_end
from cases.model import Case
from cases.store import CaseStore
from cases.text import date_text
from geo.errors import ValidationError


def division_on(store: CaseStore, day: dt.date) -> int | None:
    """The year whose township division was in force on ``day``: ``day.year``, or the oldest stored layer's year
    when ``day`` is before every layer (None: the store has no dated layer)."""
    years = store.township_years()
    if not years:
        return None
    return day.year if years[0] <= day.year else years[0]


class StoreAsOf:
    """A read-only view of a store at the end of ``day``: its cases rebuilt (:meth:`History.at`), its township
    layer the division in force then; permits, outline and settings as they are now (permits are not versioned).

    Anything that draws from a store (``cases.output.snapshots``, ``cases.service.store_cases``) draws the past
    through it; it has no write methods.
    """

    def __init__(self, store: CaseStore, day: dt.date, *, history: History | None = None,
                 division: int | None = None) -> None:
        self._store, self.day = store, day
        self.path = store.path
        self.history = history or History.load(store)
        self._cases = self.history.at(day)
        self.division = division if division is not None else division_on(store, day)

    def cases(self) -> gpd.GeoDataFrame:
        """The cases as they were at the end of the day."""
        return self._cases.copy()

    def get_case(self, case_id: str) -> Case:
        """One case as it was; ValidationError for one the store did not hold that day."""
        rows = self._cases[self._cases["case_id"] == case_id]
        if rows.empty:
            raise ValidationError(f"{date_text(self.day)}案件库中没有编号为「{case_id}」的案件")
        rec = {k: (None if _missing(v) else v) for k, v in rows.iloc[0].items()}
        return Case(**{f.name: rec[f.name] for f in fields(Case) if f.name in rec})

    def townships(self, *, year: int | None = None) -> gpd.GeoDataFrame:
        """The township layer in force in ``year`` (default: on the day)."""
        return self._store.townships(year=self.division if year is None else year)

    def audit(self, *, case_id: str | None = None, since: str | None = None) -> pd.DataFrame:
        """The audit log up to the end of the day."""
        log = self._store.audit(case_id=case_id, since=since)
        return log[log["at"] < day_end(self.day)]

    def permits(self) -> gpd.GeoDataFrame:
        """The permits (current: not versioned)."""
        return self._store.permits()

    def county(self) -> gpd.GeoDataFrame:
        """The county outline."""
        return self._store.county()

    def township_years(self) -> list[int]:
        """The years the stored township divisions are valid from."""
        return self._store.township_years()

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A store setting."""
        return self._store.get_meta(key, default)

    def data_version(self) -> int:
        """The store's data version."""
        return self._store.data_version()


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)
