"""Roles enforced in the domain: what each account may read and change, checked on every store call.

- **county** (领导组/县级): everything, including 县级验收 and 销号, permits, boundaries and accounts.
- **township** (乡镇): reads, adds and edits the cases of its own township only; no county acceptance
  or closing (the 验收情况 columns, and the statuses 县级已验收/已销号), no permits or boundaries.
- **department** (部门): reads every case; edits the handling columns (查处情况) only.
- **readonly** (只读): reads every case; changes nothing.

:class:`GuardedStore` wraps a store for one :class:`~cases.accounts.Account` and implements the same
``CaseStore`` protocol, so the UI, the exports and the CLI go through the same checks: a township
account asking for another township's case gets PermissionDeniedError by any route, and every change
is audited under the logged-in name, whatever name a caller passes.

A township account is bound to a township of the current division (``user add --township`` takes
only those).  Its cases are those that belong to that township in the current division
(:func:`cases.assignment.current_townships`): after 滩上镇 and 峪口乡 merged into 峪口镇, a 峪口镇 account
reads, exports and edits the cases declared 滩上镇 or 峪口乡 too.  An account created before a merge,
bound to a township that no longer exists (滩上镇), keeps exactly its old scope — the cases declared in
it — and is not widened to the merged township: the administrator creates a 峪口镇 account for it.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from cases.accounts import ROLES, Account
from cases.assignment import current_townships
from cases.model import FIELD_LABELS, LEDGER_FIELDS, Case, Permit, case_diff
from cases.store import CaseStore
from geo.crs import STORAGE_CRS
from geo.errors import PermissionDeniedError, ValidationError

#: Fields a department account may change: the 查处情况 (handling) columns of the ledger.
HANDLING_FIELDS = frozenset(f.name for f in LEDGER_FIELDS if f.group == "查处情况")
#: Fields only the county may change: the 验收情况 (acceptance) columns.
COUNTY_ONLY_FIELDS = frozenset(f.name for f in LEDGER_FIELDS if f.group == "验收情况")
#: Statuses only the county may set: county acceptance and closing.
COUNTY_ONLY_STATUSES = frozenset({"县级已验收", "已销号"})


def can_read(account: Account, township: str | None, *, current: str | None = None) -> bool:
    """May ``account`` read a case declared in ``township`` (``current``: its township in the current division)?"""
    return account.role != "township" or account.township in (township, current)


def visible_cases(account: Account, cases: gpd.GeoDataFrame, *, current: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """The rows of ``cases`` ``account`` may read (a township account: its own township's).

    ``current`` holds each row's township in the current division
    (:func:`cases.assignment.current_townships`); a township account reads the rows whose current or
    declared township is its own.  Without it only the declared township is compared.
    """
    if account.role != "township":
        return cases
    keep = (cases["township"] == account.township).to_numpy(dtype=bool)
    if current is not None:
        keep = keep | (np.asarray(current, dtype=object) == account.township)
    return cases[keep]


def check_change(account: Account, old: Case | None, new: Case, *,
                 current: tuple[str | None, str | None] | None = None) -> None:
    """PermissionDeniedError (Chinese, naming the case and the field) unless ``account`` may make this change.

    ``current`` holds the townships of ``old`` and ``new`` in the current division (default: as declared);
    a township account may change a case whose declared or current township is its own.
    """
    who = account.label
    if account.role == "county":
        return
    if account.role == "readonly":
        raise PermissionDeniedError(f"{who}为只读账号，不能新增或修改案件（{new.case_id}）")
    changed = set(case_diff(old, new))
    if account.role == "department":
        if old is None:
            raise PermissionDeniedError(f"{who}为部门账号，只能填写查处情况，不能新增案件（{new.case_id}）")
        other = sorted(changed - HANDLING_FIELDS)
        if other:
            raise PermissionDeniedError(f"{who}为部门账号，只能修改查处情况，不能修改案件 {new.case_id} 的：{_labels(other)}")
        return
    # township
    for case, now in zip((old, new), current or (None, None)):
        if case is not None and account.township not in (case.township, now):
            where = now if now and now != case.township else (case.township or "未填乡镇")
            also = f"（填报为{case.township}）" if where != (case.township or "未填乡镇") else ""
            raise PermissionDeniedError(
                f"{who}只能新增和修改本乡镇的案件；案件 {case.case_id} 属于{where}{also}")
    county_only = sorted(f for f in changed & COUNTY_ONLY_FIELDS if old is not None or getattr(new, f))
    if county_only:
        raise PermissionDeniedError(f"{who}不能填写县级验收和销号（案件 {new.case_id}：{_labels(county_only)}）")
    if "status" in changed and new.status in COUNTY_ONLY_STATUSES:
        raise PermissionDeniedError(f"{who}不能把案件 {new.case_id} 的状态改为「{new.status}」（县级验收、销号由县里办理）")


def _frame(items: list[Case]) -> gpd.GeoDataFrame:
    """The declared township and position of a few cases, as the case table has them."""
    return gpd.GeoDataFrame({"township": [c.township for c in items]},
                            geometry=gpd.GeoSeries([c.geometry for c in items], crs=STORAGE_CRS), crs=STORAGE_CRS)


def _labels(names: list[str]) -> str:
    return "、".join(FIELD_LABELS.get(n, "位置" if n == "geometry" else n) for n in names)


class GuardedStore:
    """A ``CaseStore`` seen and changed as one account may: reads filtered, writes checked and audited by name."""

    def __init__(self, store: CaseStore, account: Account) -> None:
        if account.role not in ROLES:
            raise PermissionDeniedError(f"账号 {account.name} 的角色「{account.role}」无效")
        self._store, self.account = store, account
        self.path: Path = store.path

    # -- checks ---------------------------------------------------------------------------------
    def _county_only(self, what: str) -> None:
        if self.account.role != "county":
            raise PermissionDeniedError(f"{self.account.label}无权{what}（仅领导组/县级账号可以）")

    def _own(self, cases: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if self.account.role != "township":
            return cases
        return visible_cases(self.account, cases, current=current_townships(self._store, cases))

    def _current(self, items: list[Case | None]) -> list[str | None]:
        """The township of each case in the current division (None for a missing case), in one vectorised pass."""
        if self.account.role != "township":
            return [None] * len(items)
        known = [c for c in items if c is not None]
        found = iter(current_townships(self._store, _frame(known)) if known else [])
        return [next(found) if c is not None else None for c in items]

    # -- reads ----------------------------------------------------------------------------------
    def close(self) -> None:
        """Close this thread's connection to the underlying store."""
        self._store.close()

    def close_all(self) -> None:
        """Close every connection to the underlying store."""
        self._store.close_all()

    def data_version(self) -> int:
        """The store's data version (a cache key)."""
        return self._store.data_version()

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A store setting."""
        return self._store.get_meta(key, default)

    def cases(self) -> gpd.GeoDataFrame:
        """The cases this account may read (a township account: its own township's)."""
        return self._own(self._store.cases())

    def get_case(self, case_id: str) -> Case:
        """One case; PermissionDeniedError for another township's case."""
        case = self._store.get_case(case_id)
        if not can_read(self.account, case.township, current=self._current([case])[0]):
            raise PermissionDeniedError(f"{self.account.label}无权查看其他乡镇的案件（{case_id}）")
        return case

    def permits(self) -> gpd.GeoDataFrame:
        """Every permit (public approvals)."""
        return self._store.permits()

    def townships(self, *, year: int | None = None) -> gpd.GeoDataFrame:
        """The township layer in force in ``year`` (default: the current one)."""
        return self._store.townships(year=year)

    def township_years(self) -> list[int]:
        """The years the stored township divisions are valid from."""
        return self._store.township_years()

    def county(self) -> gpd.GeoDataFrame:
        """The county outline."""
        return self._store.county()

    def audit(self, *, case_id: str | None = None, since: str | None = None) -> pd.DataFrame:
        """The audit log this account may read (a township account: its own cases' rows)."""
        if case_id is not None:
            self.get_case(case_id)
        log = self._store.audit(case_id=case_id, since=since)
        if self.account.role == "township":  # its cases, and those deleted it may read
            log = log[log["case_id"].isin(set(self.cases()["case_id"]) | set(self.deleted_case_rows()["case_id"]))]
        return log

    def audit_problems(self) -> list[str]:
        """Broken links of the audit chain (county accounts only)."""
        self._county_only("校验审计记录")
        return self._store.audit_problems()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Raw reads are for the county only (they bypass the township filter)."""
        self._county_only("直接查询案件库")
        return self._store.query(sql, params)

    # -- writes ---------------------------------------------------------------------------------
    def upsert_cases(self, items: list[Case], *, user: str = "", allow_unlocated: bool = False,
                     **options: Any) -> dict[str, list[str]]:
        """Add or replace cases after checking every one; audited under the account's name."""
        olds = []
        for case in items:
            try:
                olds.append(self._store.get_case(case.case_id))
            except ValidationError:  # a new case
                olds.append(None)
        places = self._current([*olds, *items])
        for old, case, now_old, now_new in zip(olds, items, places[:len(items)], places[len(items):]):
            check_change(self.account, old, case, current=(now_old, now_new))
        return self._store.upsert_cases(items, user=self.account.name, allow_unlocated=allow_unlocated, **options)

    def update_case(self, case_id: str, changes: dict[str, Any], *, expected_version: int, user: str = "") -> Case:
        """Change fields of one case after checking them; audited under the account's name."""
        old = self._store.get_case(case_id)
        new = old.with_changes(**changes)
        check_change(self.account, old, new, current=tuple(self._current([old, new])))
        return self._store.update_case(case_id, changes, expected_version=expected_version, user=self.account.name)

    def delete_case(self, case_id: str, *, expected_version: int, user: str = "", reason: str) -> None:
        """Soft-delete a case: the county any case, a township account its own; audited under the account's name."""
        case = self.get_case(case_id)
        if self.account.role not in ("county", "township"):
            raise PermissionDeniedError(f"{self.account.label}无权删除案件（{case_id}）")
        now = self._current([case])[0]
        check_change(self.account, case, case, current=(now, now))
        self._store.delete_case(case_id, expected_version=expected_version, user=self.account.name, reason=reason)

    def deleted_case_rows(self) -> gpd.GeoDataFrame:
        """Whole copies of the deleted cases this account may read."""
        return self._own(self._store.deleted_case_rows())

    def deleted_cases(self) -> pd.DataFrame:
        """Deleted cases this account may read."""
        gone = self._store.deleted_cases()
        if self.account.role != "township":
            return gone
        names = gpd.GeoDataFrame({"township": gone["township"].to_numpy()},  # no position kept: the table decides
                                 geometry=gpd.GeoSeries([None] * len(gone), crs=STORAGE_CRS), crs=STORAGE_CRS)
        return visible_cases(self.account, gone, current=current_townships(self._store, names))

    def upsert_permits(self, items: list[Permit], *, user: str = "", **options: Any) -> dict[str, list[str]]:
        """Add or replace permits (county only)."""
        self._county_only("导入采矿许可证")
        return self._store.upsert_permits(items, user=self.account.name, **options)

    def clear_cases_and_permits(self, *, user: str = "") -> None:
        """Delete every case and permit (county only)."""
        self._county_only("清空案件库")
        self._store.clear_cases_and_permits(user=self.account.name)

    def replace_boundaries(self, layer: str, frame: gpd.GeoDataFrame, *, user: str = "", year: int | None = None) -> None:
        """Replace a boundary layer (county only)."""
        self._county_only("替换县界或乡镇界线")
        self._store.replace_boundaries(layer, frame, user=self.account.name, year=year)

    def add_township_division(self, frame: gpd.GeoDataFrame, *, year: int, user: str = "") -> None:
        """Load a new township division, keeping the older ones (county only)."""
        self._county_only("载入乡镇界线")
        self._store.add_township_division(frame, year=year, user=self.account.name)

    def set_meta(self, items: dict[str, str]) -> None:
        """Change store settings (county only)."""
        self._county_only("修改案件库设置")
        self._store.set_meta(items)

    def backup(self, target: str | os.PathLike | None = None) -> Path:
        """Back up the store (county only)."""
        self._county_only("备份案件库")
        return self._store.backup(target)

    def log_event(self, *, user: str = "", action: str, detail: str = "", case_id: str | None = None) -> None:
        """Append an event under the account's name."""
        self._store.log_event(user=self.account.name, action=action, detail=detail, case_id=case_id)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """Raw write transactions are for the county only (account management)."""
        self._county_only("直接写入案件库")
        return self._store.transaction()

    def store_for_cases(self, case_ids: list[str], *, change: bool = False) -> CaseStore:
        """The underlying store, for what belongs to cases beside their fields (field photos, ``cases.evidence``),
        once this account may read (``change``: and add to) every case of ``case_ids``: a township account its own
        township's cases only; a read-only account adds to none.  PermissionDeniedError otherwise."""
        if change and self.account.role == "readonly":
            raise PermissionDeniedError(f"{self.account.label}为只读账号，不能为案件补充现场核查材料")
        if self.account.role == "township":
            hidden = sorted(set(case_ids) - set(self.cases()["case_id"]))
            if hidden:
                raise PermissionDeniedError(f"{self.account.label}只能查看和补充本乡镇的案件（{'、'.join(hidden[:5])}）")
        return self._store
