"""Case storage: one small interface, and its default backend in a single SQLite file.

Geometry is kept as WKB in CGCS2000 (EPSG:4490); spatial work is done in shapely, so nothing but
the Python standard library is needed to open a store (no SpatiaLite).  Every write runs in one
transaction: it lands whole or not at all.  ``PostGISStore`` keeps the same tables in a PostgreSQL database
with PostGIS (``postgresql://…``), running the same SQL through ``cases.sql.postgis``; ``open_store`` picks
the backend from the location.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd
import shapely

from cases import _sqlite, audit
from cases._sqlite import ThreadConnections, copy_database
from cases.model import Case, Permit, case_diff, check_case, validate_case
from cases.sql import postgis, transfer
from cases.text import value_text
from geo.crs import STORAGE_CRS
from geo.errors import ConflictError, StoreError, ValidationError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "casemap.db"
SCHEMA_VERSION = 4

_CASE_COLS = [f for f in fields(Case) if f.name != "geometry"]
_PERMIT_COLS = [f for f in fields(Permit) if f.name != "geometry"]
_DATE_COLS = {"found_date", "filing_date", "valid_from", "valid_to"}
_BOOL_COLS = {f.name for f in _CASE_COLS if f.type in ("bool", bool)}


def _sql_type(t: Any) -> str:
    t = str(t)
    if "int" in t or "bool" in t:
        return "INTEGER"
    if "float" in t:
        return "REAL"
    return "TEXT"


def _migrations() -> dict[int, list[str | Callable[[sqlite3.Connection], None]]]:
    case_cols = ",\n".join(
        f"{f.name} {_sql_type(f.type)}{' PRIMARY KEY' if f.name == 'case_id' else ''}" for f in _CASE_COLS
    )
    permit_cols = ",\n".join(
        f"{f.name} {_sql_type(f.type)}{' PRIMARY KEY' if f.name == 'permit_no' else ''}" for f in _PERMIT_COLS
    )
    return {
        1: [
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
            f"CREATE TABLE cases ({case_cols},\ngeom BLOB)",
            f"CREATE TABLE permits ({permit_cols},\ngeom BLOB)",
            "CREATE TABLE boundaries (layer TEXT, name TEXT, approximate INTEGER, source TEXT, geom BLOB,"
            " PRIMARY KEY (layer, name))",
            "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, user TEXT, case_id TEXT,"
            " action TEXT, field TEXT, old TEXT, new TEXT)",
            "CREATE INDEX audit_case ON audit (case_id, at)",
        ],
        # accounts and sessions; the audit log becomes an append-only hash chain
        2: [
            "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, township TEXT, department TEXT,"
            " password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, failed_logins INTEGER NOT NULL"
            " DEFAULT 0, locked_until TEXT, created_at TEXT, created_by TEXT)",
            "CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, created_at TEXT,"
            " expires_at TEXT NOT NULL)",
            "ALTER TABLE audit ADD COLUMN hash TEXT",
            audit.rehash_all,
            "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
            " SELECT RAISE(ABORT, '审计记录只能追加，不能修改'); END",
            "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
            " SELECT RAISE(ABORT, '审计记录只能追加，不能删除'); END",
        ],
        # soft delete: a deleted case moves here whole, with who deleted it, when and why
        3: [
            "CREATE TABLE deleted_cases AS SELECT * FROM cases WHERE 0",
            "ALTER TABLE deleted_cases ADD COLUMN deleted_at TEXT",
            "ALTER TABLE deleted_cases ADD COLUMN deleted_by TEXT",
            "ALTER TABLE deleted_cases ADD COLUMN delete_reason TEXT",
        ],
        # field evidence (cases.evidence): one row per photo attached to a case; the bytes are files named by
        # their SHA-256 beside a store file, or (a server store) in ``data``/``thumb``
        4: [
            "CREATE TABLE photos (case_id TEXT NOT NULL, sha256 TEXT NOT NULL, seq INTEGER NOT NULL, file TEXT NOT NULL,"
            " original_name TEXT, media_type TEXT, size_bytes INTEGER, width INTEGER, height INTEGER,"
            " taken_at TEXT, lon REAL, lat REAL, direction REAL, note TEXT, added_at TEXT, added_by TEXT,"
            " data BLOB, thumb BLOB, PRIMARY KEY (case_id, sha256))",
        ],
    }


class CaseStore(Protocol):
    """What the domain, the UI and the CLI need of a store: every reader and writer of cases, permits,
    boundaries, settings and the audit log.  ``SQLiteStore`` (a file) and ``PostGISStore`` (a PostgreSQL
    database) implement it; code that takes a store names this protocol in its signature."""

    path: Path | str  # a file, or (PostgreSQL) the server address without its password

    def close(self) -> None: ...
    def close_all(self) -> None: ...
    def backup(self, target: str | os.PathLike | None = None) -> Path: ...
    def data_version(self) -> int: ...
    def get_meta(self, key: str, default: str | None = None) -> str | None: ...
    def set_meta(self, items: dict[str, str]) -> None: ...
    def cases(self) -> gpd.GeoDataFrame: ...
    def get_case(self, case_id: str) -> Case: ...
    def permits(self) -> gpd.GeoDataFrame: ...
    def townships(self, *, year: int | None = None) -> gpd.GeoDataFrame: ...
    def township_years(self) -> list[int]: ...
    def county(self) -> gpd.GeoDataFrame: ...
    def audit(self, *, case_id: str | None = None, since: str | None = None) -> pd.DataFrame: ...
    def upsert_cases(self, items: list[Case], *, user: str, allow_unlocated: bool = False,
                     expected_versions: dict[str, int] | None = None, at: str | None = None) -> dict[str, list[str]]: ...
    def update_case(self, case_id: str, changes: dict[str, Any], *, expected_version: int, user: str) -> Case: ...
    def delete_case(self, case_id: str, *, expected_version: int, user: str, reason: str) -> None: ...
    def deleted_cases(self) -> pd.DataFrame: ...
    def deleted_case_rows(self) -> gpd.GeoDataFrame: ...
    def upsert_permits(self, items: list[Permit], *, user: str) -> dict[str, list[str]]: ...
    def clear_cases_and_permits(self, *, user: str) -> None: ...
    def replace_boundaries(self, layer: str, frame: gpd.GeoDataFrame, *, user: str, year: int | None = None) -> None: ...
    def add_township_division(self, frame: gpd.GeoDataFrame, *, year: int, user: str) -> None: ...
    def log_event(self, *, user: str, action: str, detail: str = "", case_id: str | None = None) -> None: ...
    def audit_problems(self) -> list[str]: ...
    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
    def query(self, sql: str, params: tuple = ()) -> list[tuple]: ...


def store_location(explicit: str | os.PathLike | None = None) -> Path | str:
    """Where the store is: ``explicit``, else $CASEMAP_DB, else data/casemap.db; a server address
    (``postgresql://…``) is returned as text, anything else as a file path."""
    chosen = explicit or os.environ.get("CASEMAP_DB") or DEFAULT_DB
    return str(chosen) if postgis.is_url(chosen) else Path(chosen)


def default_db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The store file: ``explicit``, else $CASEMAP_DB, else data/casemap.db.  StoreError for a server address
    (a file-only operation was asked of a PostgreSQL store; never a local file named after the URL)."""
    location = store_location(explicit)
    if isinstance(location, str):
        raise StoreError(f"{postgis.redact(location)} 是 PostgreSQL 服务器上的案件库，此操作只适用于案件库文件；"
                         "在文件与服务器之间搬迁请用 python -m cases migrate --from … --to …")
    return location


def store_exists(explicit: str | os.PathLike | None = None) -> bool:
    """True if there is something at the store's location: a file, or (server) casemap tables in the database.
    StoreError for a bad address, a server that is down, or a database without PostGIS."""
    location = store_location(explicit)
    if isinstance(location, Path):
        return location.exists()
    conns = postgis.PgConnections(postgis.check_url(location), timeout=_sqlite.busy_timeout())
    try:
        con = conns.get()
        postgis.require_postgis(con)
        return postgis.has_table(con, "meta")
    finally:
        conns.close_all()


def _to_db(name: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if name in _DATE_COLS:
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _from_db(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _DATE_COLS:
        return dt.date.fromisoformat(value)
    if name in _BOOL_COLS:
        return bool(value)
    return value


def _upsert_sql(table: str, names: list[str]) -> str:
    """INSERT of one row (``names`` then ``geom``) replacing the row with the same key (``names[0]``); SQLite and
    PostgreSQL both speak this UPSERT."""
    cols = [*names, "geom"]
    return (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            f" ON CONFLICT ({names[0]}) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in cols[1:])}")


def _text(v: Any) -> str | None:
    """A field value as audit-log text: None stays None (NULL); 1.5, True, 2019-07-15 and WKT as stored."""
    return None if v is None else value_text(v, floats="plain", bools=("True", "False"))


class _SQLStore:
    """What the SQLite and the PostgreSQL/PostGIS stores share: every reader and writer, in one SQL dialect.

    The SQL is SQLite's; the PostgreSQL connection translates it (``cases.sql.postgis``).  A backend supplies
    ``_conns`` (one connection per thread) and ``_begin`` (start a write transaction).  Geometry is written as
    plain WKB by both (a PostGIS ``geometry(Geometry, 4490)`` column gives it the column's SRID)."""

    path: Path | str
    _conns: Any

    @staticmethod
    def _wkb(geometry: Any) -> bytes | None:
        return None if geometry is None else shapely.to_wkb(geometry)

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def _con(self) -> sqlite3.Connection:
        """This thread's connection (each thread has its own, opened on first use)."""
        return self._conns.get()

    def close(self) -> None:
        """Close this thread's connection (another use opens a new one)."""
        self._conns.close()

    def close_all(self) -> None:
        """Close every thread's connection (when no thread uses the store any more)."""
        self._conns.close_all()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on this thread's connection: ``_begin`` (waiting up to the busy timeout
        for another writer) … COMMIT, rolled back on any error.  Inside another transaction of this thread
        it is a SAVEPOINT: it lands or is undone with the outer one, and an error undoes only its own part."""
        con = self._con
        if con.in_transaction:
            con.execute("SAVEPOINT casemap_nested")
            try:
                yield con
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK TO casemap_nested")
                    con.execute("RELEASE casemap_nested")
                raise
            con.execute("RELEASE casemap_nested")
            return
        self._begin(con)
        try:
            yield con
            con.execute(
                "INSERT INTO meta VALUES ('data_version', '1') ON CONFLICT(key) DO UPDATE"
                " SET value = CAST(meta.value AS INTEGER) + 1"
            )
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise

    # -- meta -------------------------------------------------------------------------------
    def data_version(self) -> int:
        """A number that grows with every write: a cache key for readers."""
        return int(self.get_meta("data_version", "0"))

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """Read one metadata value."""
        row = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, items: dict[str, str]) -> None:
        """Write metadata values in one transaction."""
        with self._tx() as con:
            con.executemany("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                            list(items.items()))

    # -- reading ----------------------------------------------------------------------------
    def _frame(self, sql: str, names: list[str], params: tuple = ()) -> gpd.GeoDataFrame:
        rows = self._con.execute(sql, params).fetchall()
        df = pd.DataFrame([r[:-1] for r in rows], columns=names)
        for name in names:
            if name in _DATE_COLS:
                df[name] = pd.to_datetime(df[name], errors="coerce").dt.date.where(df[name].notna(), None)
            elif name in _BOOL_COLS:
                df[name] = df[name].astype(bool)
        geom = shapely.from_wkb([r[-1] for r in rows]) if rows else []
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, crs=STORAGE_CRS), crs=STORAGE_CRS)

    def cases(self) -> gpd.GeoDataFrame:
        """All cases, one row each, every field plus geometry (CGCS2000)."""
        names = [f.name for f in _CASE_COLS]
        return self._frame(f"SELECT {', '.join(names)}, geom FROM cases ORDER BY case_id", names)

    def get_case(self, case_id: str) -> Case:
        """One case by id; ValidationError when there is none."""
        names = [f.name for f in _CASE_COLS]
        row = self._con.execute(f"SELECT {', '.join(names)}, geom FROM cases WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise ValidationError(f"案件库中没有编号为「{case_id}」的案件")
        vals = {n: _from_db(n, v) for n, v in zip(names, row[:-1])}
        return Case(**vals, geometry=shapely.from_wkb(row[-1]) if row[-1] else None)

    def permits(self) -> gpd.GeoDataFrame:
        """All mining permits with their licensed areas (CGCS2000)."""
        names = [f.name for f in _PERMIT_COLS]
        return self._frame(f"SELECT {', '.join(names)}, geom FROM permits ORDER BY permit_no", names)

    def _layer(self, layer: str) -> gpd.GeoDataFrame:
        df = self._frame(
            "SELECT name, approximate, source, geom FROM boundaries WHERE layer = ? ORDER BY rowid",
            ["name", "approximate", "source"], (layer,),
        )
        df["approximate"] = df["approximate"].astype(bool)
        return df

    def township_years(self) -> list[int]:
        """The years the stored township layers (divisions) are valid from, oldest first (0: not stated)."""
        rows = self._con.execute("SELECT DISTINCT layer FROM boundaries WHERE layer = ? OR layer LIKE ?",
                                 (_TOWNSHIP, f"{_TOWNSHIP}@%")).fetchall()
        return sorted(_township_year(r[0]) for r in rows)

    def townships(self, *, year: int | None = None) -> gpd.GeoDataFrame:
        """The township layer of the division in force in ``year`` (default: the newest, the current one).

        ``approximate`` says whether it is the shipped sketch; ``attrs["valid_from"]`` holds the year the
        layer is valid from (0: not stated).  ValidationError for a year before every stored layer.
        """
        years = self.township_years()
        valid = [y for y in years if year is None or y <= year]
        if years and not valid:
            raise ValidationError(f"案件库中的乡镇界线最早从 {years[0]} 年起，没有 {year} 年的乡镇界线；"
                                  f"可选的区划年份：{'、'.join(map(str, years))}")
        chosen = valid[-1] if valid else 0
        frame = self._layer(_township_key(chosen))
        frame.attrs["valid_from"] = chosen
        return frame

    def county(self) -> gpd.GeoDataFrame:
        """The county outline (one row)."""
        return self._layer("county")

    def audit(self, *, case_id: str | None = None, since: str | None = None) -> pd.DataFrame:
        """The audit log (who, when, field, old, new), oldest first, optionally for one case / since a time."""
        sql, params = "SELECT at, user, case_id, action, field, old, new FROM audit WHERE 1=1", []
        if case_id:
            sql += " AND case_id = ?"
            params.append(case_id)
        if since:
            sql += " AND at >= ?"
            params.append(since)
        rows = self._con.execute(sql + " ORDER BY id", params).fetchall()
        return pd.DataFrame(rows, columns=["at", "user", "case_id", "action", "field", "old", "new"])

    # -- writing ----------------------------------------------------------------------------
    def log_event(self, *, user: str, action: str, detail: str = "", case_id: str | None = None) -> None:
        """Append one event (login, failed login, account change, export …) to the audit log."""
        with self._tx() as con:
            audit.append(con, [(self._now(), user, case_id, action, None, None, detail or None)])

    def audit_problems(self) -> list[str]:
        """Broken links of the audit hash chain (Chinese); empty when the log is intact."""
        return audit.verify(self._con)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction (BEGIN … COMMIT, one writer at a time, rolled back on error) for the store's own tables."""
        return self._tx()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of a read-only SQL query on the store's own tables."""
        return self._con.execute(sql, params).fetchall()

    @staticmethod
    def _now() -> str:
        return dt.datetime.now().isoformat(timespec="seconds")

    def _write_case(self, con: sqlite3.Connection, case: Case) -> None:
        self._write_cases(con, [case])

    def _write_cases(self, con: sqlite3.Connection, items: list[Case]) -> None:
        """Insert or replace ``items`` in one statement (one round trip to a server, pipelined)."""
        names = [f.name for f in _CASE_COLS]
        con.executemany(_upsert_sql("cases", names),
                        [[*(_to_db(n, getattr(c, n)) for n in names), self._wkb(c.geometry)] for c in items])

    def upsert_cases(self, items: list[Case], *, user: str, allow_unlocated: bool = False,
                     expected_versions: dict[str, int] | None = None, at: str | None = None) -> dict[str, list[str]]:
        """Add new cases and update existing ones (matched on case_id), all or nothing.

        ``allow_unlocated`` accepts cases without a position (未定位), as a ledger brings them.
        ``expected_versions`` maps case ids to the version the caller read them at (0: not in the store
        then); if any stored version differs, ConflictError names those cases and nothing is written.
        ``at`` (ISO time) dates the writes and their audit rows instead of now: init-demo records each demo
        case on its 发现时间, so the demo's bulletins of 2019 can be rebuilt (:mod:`cases.history`).
        Returns ``{"added": [...], "changed": [...], "unchanged": [...]}`` of case ids.
        """
        errs = [e for c in items for e in validate_case(c, require_location=not allow_unlocated)]
        if errs:
            raise ValidationError("；".join(errs))
        report: dict[str, list[str]] = {"added": [], "changed": [], "unchanged": []}
        now = at or self._now()
        with self._tx() as con:
            self._check_versions(con, expected_versions or {})
            known = self._cases_by_id(con, [c.case_id for c in items])  # one read, not one per case
            log: list[tuple] = []
            writes: dict[str, Case] = {}
            for case in items:
                old = known.get(case.case_id)
                diffs = case_diff(old, case) if old else {}
                if old is not None and not diffs:
                    report["unchanged"].append(case.case_id)
                    continue
                new = case.with_changes(version=(old.version + 1) if old else 1, updated_at=now, updated_by=user)
                known[case.case_id] = new
                writes[case.case_id] = new
                if old is None:
                    report["added"].append(case.case_id)
                    log.append((now, user, case.case_id, "create", None, None, None))
                else:
                    report["changed"].append(case.case_id)
                    log += [(now, user, case.case_id, "update", k, _text(a), _text(b)) for k, (a, b) in diffs.items()]
            self._write_cases(con, list(writes.values()))
            audit.append(con, log)  # chained in the order written, in one statement
        return report

    @staticmethod
    def _cases_by_id(con: sqlite3.Connection, ids: list[str]) -> dict[str, Case]:
        """The stored cases among ``ids``, by id (read in chunks of 500 ids)."""
        names = [f.name for f in _CASE_COLS]
        found: dict[str, Case] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            rows = con.execute(f"SELECT {', '.join(names)}, geom FROM cases WHERE case_id IN ({', '.join('?' * len(chunk))})",
                               chunk).fetchall()
            for row in rows:
                vals = {n: _from_db(n, v) for n, v in zip(names, row[:-1])}
                found[row[0]] = Case(**vals, geometry=shapely.from_wkb(row[-1]) if row[-1] else None)
        return found

    @staticmethod
    def _check_versions(con: sqlite3.Connection, expected: dict[str, int]) -> None:
        """Raise ConflictError naming every case whose stored version is not the expected one (0: absent)."""
        stale = []
        for cid, version in expected.items():
            row = con.execute("SELECT version, updated_by, updated_at FROM cases WHERE case_id = ?", (cid,)).fetchone()
            have, who, when = row if row else (0, "", "")
            if have == version:
                continue
            if not row:
                stale.append(f"{cid}（读取后已被删除）")
            elif not version:
                stale.append(f"{cid}（读取时还没有，其后已由 {who or '他人'} 于 {when} 新增）")
            else:
                stale.append(f"{cid}（读取时为版本 {version}，其后已由 {who or '他人'} 于 {when} 修改为版本 {have}）")
        if stale:
            shown = "；".join(stale[:20]) + (f"；等共 {len(stale)} 个" if len(stale) > 20 else "")
            raise ConflictError(f"{len(stale)} 个案件在读取后已被他人修改：{shown}。为免覆盖他人的修改，本次未写入任何数据；"
                                "请重新读取（重新导入或重新载入）后再保存。")

    def delete_case(self, case_id: str, *, expected_version: int, user: str, reason: str) -> None:
        """Soft-delete one case: it leaves the case list but is kept whole (with who, when and why) and its
        history stays in the audit log.  ConflictError if it changed since ``expected_version`` was read."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(f"删除案件 {case_id} 需要填写删除原因")
        now = self._now()
        with self._tx() as con:
            self.get_case(case_id)  # ValidationError for an unknown id
            self._check_versions(con, {case_id: expected_version})
            con.execute("INSERT INTO deleted_cases SELECT *, ?, ?, ? FROM cases WHERE case_id = ?",
                        (now, user, reason, case_id))
            con.execute("DELETE FROM cases WHERE case_id = ?", (case_id,))
            audit.append(con, [(now, user, case_id, "delete", None, None, reason)])

    def deleted_case_rows(self) -> gpd.GeoDataFrame:
        """Every kept copy of a deleted case, whole (fields, geometry, ``deleted_at``), oldest deletion first."""
        names = [f.name for f in _CASE_COLS] + ["deleted_at"]
        return self._frame(f"SELECT {', '.join(names)}, geom FROM deleted_cases ORDER BY deleted_at", names)

    def deleted_cases(self) -> pd.DataFrame:
        """Deleted cases (id, township, summary, who deleted them, when, why), newest first."""
        rows = self._con.execute("SELECT case_id, township, summary, deleted_at, deleted_by, delete_reason"
                                 " FROM deleted_cases ORDER BY deleted_at DESC").fetchall()
        return pd.DataFrame(rows, columns=["case_id", "township", "summary", "deleted_at", "deleted_by", "reason"])

    def update_case(self, case_id: str, changes: dict[str, Any], *, expected_version: int, user: str) -> Case:
        """Apply ``changes`` to one case if nobody changed it since ``expected_version`` was read.

        Raises ConflictError (nothing written) when the stored version differs.
        """
        with self._tx() as con:
            old = self.get_case(case_id)
            if old.version != expected_version:
                raise ConflictError(
                    f"案件 {case_id} 已被 {old.updated_by or '他人'} 于 {old.updated_at} 修改（版本 {old.version}，"
                    f"您编辑的是版本 {expected_version}）；您的修改未保存，请刷新后重新编辑。"
                )
            new = check_case(old.with_changes(**changes), require_location=old.geometry is not None)
            diffs = case_diff(old, new)
            if not diffs:
                return old
            now = self._now()
            new = new.with_changes(version=old.version + 1, updated_at=now, updated_by=user)
            self._write_case(con, new)
            self._log(con, now, user, case_id, diffs)
        return new

    @staticmethod
    def _log(con: sqlite3.Connection, now: str, user: str, case_id: str, diffs: dict[str, tuple]) -> None:
        audit.append(con, [(now, user, case_id, "update", k, _text(a), _text(b)) for k, (a, b) in diffs.items()])

    def upsert_permits(self, items: list[Permit], *, user: str) -> dict[str, list[str]]:
        """Add or replace permits (matched on permit_no), all or nothing."""
        names = [f.name for f in _PERMIT_COLS]
        report: dict[str, list[str]] = {"added": [], "changed": []}
        with self._tx() as con:
            existing = {r[0] for r in con.execute("SELECT permit_no FROM permits")}
            for p in items:
                con.execute(_upsert_sql("permits", names), [*(_to_db(n, getattr(p, n)) for n in names), self._wkb(p.geometry)])
                report["changed" if p.permit_no in existing else "added"].append(p.permit_no)
            audit.append(con, [(self._now(), user, None, "permits", None, None, json.dumps(report, ensure_ascii=False))])
        return report

    def clear_cases_and_permits(self, *, user: str) -> None:
        """Delete every case and permit (used before refilling a demo store); the audit log keeps it."""
        with self._tx() as con:
            n = con.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
            con.execute("DELETE FROM cases")
            con.execute("DELETE FROM permits")
            audit.append(con, [(self._now(), user, None, "clear", None, None, f"清空 {n} 个案件")])

    def replace_boundaries(self, layer: str, frame: gpd.GeoDataFrame, *, user: str, year: int | None = None) -> None:
        """Replace a boundary layer (``county`` or ``township``) with ``frame`` (name, approximate, source).

        For ``township`` every stored division goes and ``frame`` becomes the only one, valid from
        ``year`` (None: not stated).  :meth:`add_township_division` keeps the others.
        """
        if layer not in ("county", "township"):
            raise ValueError(f"layer must be 'county' or 'township', got {layer!r}")
        key = _township_key(year) if layer == _TOWNSHIP else layer
        with self._tx() as con:
            if layer == _TOWNSHIP:
                con.execute("DELETE FROM boundaries WHERE layer = ? OR layer LIKE ?", (_TOWNSHIP, f"{_TOWNSHIP}@%"))
            self._write_layer(con, key, frame, user=user, action=f"boundaries:{layer}", year=year)

    def add_township_division(self, frame: gpd.GeoDataFrame, *, year: int, user: str) -> None:
        """Store ``frame`` as the township division valid from ``year``, replacing only a layer of that same
        year: older divisions stay, so cases keep their history; the newest is the current one."""
        with self._tx() as con:
            self._write_layer(con, _township_key(year), frame, user=user, action="boundaries:township", year=year)

    def _write_layer(self, con: sqlite3.Connection, key: str, frame: gpd.GeoDataFrame, *, user: str, action: str,
                     year: int | None) -> None:
        frame = frame.to_crs(STORAGE_CRS)
        rows = [
            (key, str(n), int(bool(a)), str(s), self._wkb(g))
            for n, a, s, g in zip(frame["name"], frame["approximate"], frame["source"], frame.geometry.values)
        ]
        con.execute("DELETE FROM boundaries WHERE layer = ?", (key,))
        con.executemany("INSERT INTO boundaries (layer, name, approximate, source, geom) VALUES (?, ?, ?, ?, ?)", rows)
        when = f"，{year} 年起" if year else ""
        audit.append(con, [(self._now(), user, None, action, None, None,
                            f"{len(rows)} 个要素{when}，来源：{rows[0][3] if rows else ''}")])


class SQLiteStore(_SQLStore):
    """The default store: one SQLite file, any path, any suffix."""

    def __init__(self, path: str | os.PathLike, *, create: bool = False, busy_timeout: float | None = None) -> None:
        """Open (``create``: or create) the store at ``path``; ``busy_timeout`` (seconds, default 30 or
        $CASEMAP_BUSY_TIMEOUT) is how long a write waits for another's before StoreError(BUSY_MESSAGE)."""
        self.path = Path(path)
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        else:
            _refuse_missing_or_empty(self.path)
        self._conns = ThreadConnections(self.path, timeout=_sqlite.busy_timeout(busy_timeout))
        try:
            if not create and self._schema_version() == 0:
                raise StoreError(f"{self.path} 是 SQLite 数据库，但不是 casemap 案件库（其中没有 casemap 的数据表）；"
                                 "请检查 --db 路径")
            self._migrate()
            self._conns.use_wal()
        except sqlite3.DatabaseError as exc:
            self._conns.close_all()
            raise StoreError(f"无法打开案件库 {self.path}：{exc}（该文件不是 casemap 案件库或已损坏）") from exc
        except BaseException:
            self._conns.close_all()
            raise

    @staticmethod
    def _begin(con: sqlite3.Connection) -> None:
        con.execute("BEGIN IMMEDIATE")  # waits up to the busy timeout for another writer

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the store as it was at its start (whole-store copies);
        inside this thread's open transaction, that one."""
        con = self._con
        if con.in_transaction:
            yield con
            return
        con.execute("BEGIN")
        try:
            yield con
        finally:
            con.execute("COMMIT")

    def _schema_version(self) -> int:
        has_meta = self._con.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone()
        if not has_meta:
            return 0
        row = self._con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        current = self._schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(f"案件库 {self.path} 的结构版本 {current} 比本程序（{SCHEMA_VERSION}）新，请升级 casemap")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self._tx() as con:
                if self._schema_version() >= version:  # another process migrated it meanwhile
                    continue
                for step in _migrations()[version]:
                    step(con) if callable(step) else con.execute(step)
                con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(version),))

    def backup(self, target: str | os.PathLike | None = None) -> Path:
        """Copy the whole store to ``target``, or to ``<name>.backup-<timestamp><suffix>`` beside it; return the path.

        The copy is consistent even while others write (SQLite's online backup, one read transaction)
        and appears only when complete.  An existing ``target`` is refused (StoreError): nothing is overwritten.
        """
        if target is None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            dest = self.path.with_name(f"{self.path.stem}.backup-{stamp}{self.path.suffix}")
            n = 1
            while dest.exists():
                dest, n = self.path.with_name(f"{self.path.stem}.backup-{stamp}-{n}{self.path.suffix}"), n + 1
        else:
            dest = Path(target)
            if dest.exists():
                raise StoreError(f"{dest} 已存在；备份不会覆盖已有文件，请换一个文件名")
        try:
            copy_database(self._con, dest)
            copy_photos(self.path, dest)
        except OSError as exc:
            raise StoreError(f"无法写入备份文件 {dest}：{exc.strerror or exc}") from exc
        return dest

    def copy_to(self, other: SQLiteStore) -> None:
        """Write this store's whole content over ``other``'s in one transaction on ``other``: its readers
        (other threads, a running app) see the old content or the new, never a mix."""
        self._con.backup(other._con)

class PostGISStore(_SQLStore):
    """The store in a PostgreSQL database with PostGIS, shared by an office: ``postgresql://user@host:port/db``.

    Same tables, SQL and behaviour as the SQLite store; geometry columns are ``geometry(Geometry, 4490)``
    with GiST indexes, written and read as (E)WKB; spatial work stays in Python (the same numbers on both).
    """

    def __init__(self, url: str, *, create: bool = False, busy_timeout: float | None = None) -> None:
        """Open (``create``: or set up in an empty database) the store at ``url``; StoreError (Chinese, naming the
        address) for a bad address, a server that is down, a database without PostGIS or a newer schema."""
        self.url = postgis.check_url(url)
        self.path = postgis.redact(url)
        self._conns = postgis.PgConnections(self.url, timeout=_sqlite.busy_timeout(busy_timeout))
        try:
            postgis.require_postgis(self._con)
            current = self._schema_version()
            if current > SCHEMA_VERSION:
                raise StoreError(f"案件库 {self.path} 的结构版本 {current} 比本程序（{SCHEMA_VERSION}）新，请升级 casemap")
            if 0 < current < SCHEMA_VERSION:
                raise StoreError(f"案件库 {self.path} 的结构版本 {current} 比本程序（{SCHEMA_VERSION}）旧，服务器上的案件库"
                                 "不能就地升级；请用上一版 casemap 的 migrate 迁出到文件，再用本程序 migrate 迁回")
            if current == 0 and not create:
                raise StoreError(f"PostgreSQL 数据库 {self.path} 中还没有 casemap 案件库；请用 "
                                 f"python -m cases init --db {self.path}（空库）新建，或用 python -m cases migrate "
                                 f"--from 原案件库.db --to {self.path} 迁入已有案件库")
            if current == 0:
                with self._tx() as con:
                    self.create_schema(con)
        except BaseException:
            self._conns.close_all()
            raise

    @staticmethod
    def _begin(con: postgis.PgConnection) -> None:
        postgis.begin_write(con)

    @contextmanager
    def snapshot(self) -> Iterator[postgis.PgConnection]:
        """A read-only transaction seeing one consistent state of the store (whole-store copies); inside this
        thread's open transaction, that one."""
        con = self._con
        if con.in_transaction:
            yield con
            return
        con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield con
        finally:
            con.execute("COMMIT")

    def _schema_version(self) -> int:
        if not postgis.has_table(self._con, "meta"):
            return 0
        row = self._con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def drop_schema(self) -> None:
        """Remove the store's tables from the database again (a migration that set them up has failed)."""
        con = self._con
        postgis.begin_write(con)
        try:
            for sql in postgis.drop_statements():
                con.execute(sql)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def create_schema(self, con: postgis.PgConnection, *, replace: bool = False) -> None:
        """Create the store's tables (``replace``: drop a casemap store's tables first) inside the caller's transaction."""
        if replace:
            for sql in postgis.drop_statements():
                con.execute(sql)
        elif not postgis.has_table(con, "meta"):
            taken = [t for t in postgis.TABLES if postgis.has_table(con, t)]
            if taken:
                raise StoreError(f"PostgreSQL 数据库 {self.path} 中已有同名数据表（{'、'.join(taken)}），"
                                 "但不是 casemap 案件库；请为 casemap 另建一个数据库")
        else:
            return
        types = [(f.name, _sql_type(f.type)) for f in _CASE_COLS], [(f.name, _sql_type(f.type)) for f in _PERMIT_COLS]
        for sql in postgis.schema_statements(*types):
            con.execute(sql)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def backup(self, target: str | os.PathLike | None = None) -> Path:
        """Copy the whole store, as one consistent snapshot, into a new SQLite store file ``target`` (default
        ``data/<database>.backup-<timestamp>.db``); ``migrate`` moves it back.  An existing ``target`` is refused."""
        if target is None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            dest = DEFAULT_DB.with_name(f"{postgis.database_name(self.url)}.backup-{stamp}.db")
        else:
            dest = Path(target)
        if dest.exists():
            raise StoreError(f"{dest} 已存在；备份不会覆盖已有文件，请换一个文件名")
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(f".{dest.name}.part-{os.getpid()}")
        try:
            copy = SQLiteStore(part, create=True)
            try:
                copy_all(self, copy, target_at=dest)
            finally:
                copy.close_all()
            os.replace(part, dest)
        except OSError as exc:
            raise StoreError(f"无法写入备份文件 {dest}：{exc.strerror or exc}") from exc
        finally:
            for p in (part, part.with_name(part.name + "-wal"), part.with_name(part.name + "-shm")):
                p.unlink(missing_ok=True)
        return dest


def store_tables() -> list[transfer.Table]:
    """Every table of a store, as whole-store copies (backup of a server store, ``migrate``) move them."""
    return transfer.tables([f.name for f in _CASE_COLS], [f.name for f in _PERMIT_COLS])


def photo_folder(location: Path | str) -> Path | None:
    """Where a store file's photo bytes live: the folder ``<stem>.photos`` beside it; None for a server store
    (its ``photos`` table holds them)."""
    return location.with_name(f"{location.stem}.photos") if isinstance(location, Path) else None


def copy_photos(source: Path, target: Path) -> int:
    """Copy the photo files of the store file ``source`` into the photo folder of the store file ``target``
    (a backup, a restored store); return how many were copied.  Files are named by their content (SHA-256),
    so one already there is the same photo and is kept; each new one appears complete (temp file, then
    rename); nothing is ever deleted."""
    src, dst = photo_folder(source), photo_folder(target)
    if src is None or dst is None or not src.is_dir():
        return 0
    files = [f for f in sorted(src.iterdir()) if f.is_file() and not f.name.startswith(".")]
    copied = 0
    for f in files:
        out = dst / f.name
        if out.exists():
            continue
        dst.mkdir(parents=True, exist_ok=True)
        tmp = dst / f".{f.name}.{os.getpid()}.tmp"
        try:
            shutil.copyfile(f, tmp)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        copied += 1
    return copied


def copy_all(source: _SQLStore, target: _SQLStore, *, replace: bool = False,
             target_at: Path | str | None = None) -> list[transfer.TableReport]:
    """Copy every row of ``source`` (one consistent snapshot) over ``target``'s in one transaction on ``target``,
    the audit log verbatim; StoreError (nothing written) unless counts and checksums agree afterwards.

    ``replace``: ``target`` holds a store already (``migrate --force``): its tables are emptied first.
    Photo bytes move between the ``photos`` table and the folder beside a store file (``target_at``: where
    ``target`` will end up, when it is staged elsewhere), each checked against its SHA-256.
    """
    tables = store_tables()
    with source.snapshot() as con:
        data = {t.name: transfer.read(con, t) for t in tables}
        version = max(source.data_version(), target.data_version())  # caches keyed by it must not see an old one
    photos = next(t for t in tables if t.name == "photos")
    data["photos"] = transfer.photo_rows(data["photos"], photos, source_folder=photo_folder(source.path),
                                         target_folder=photo_folder(target_at or target.path))
    with target._tx() as con:
        if isinstance(target, PostGISStore):
            target.create_schema(con, replace=True)
        elif replace:
            raise ValueError("a SQLite target is replaced by copying a staged store over it (SQLiteStore.copy_to)")
        reports = [transfer.write(con, t, data[t.name], wkb=target._wkb) for t in tables]
        if isinstance(target, PostGISStore):
            con.execute("SELECT setval(pg_get_serial_sequence('audit', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL)"
                        " FROM audit")
        con.execute("INSERT INTO meta VALUES ('data_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(version),))
        bad = [r for r in reports if not r.same]
        if bad:
            raise StoreError("迁移后核对不一致，未写入任何数据：" + "；".join(
                f"{r.table} 源 {r.source_rows} 行 / 目标 {r.target_rows} 行" for r in bad))
    return reports


#: Boundary layer key of the township layers: ``township`` (year not stated) or ``township@2021``.
_TOWNSHIP = "township"


def _township_key(year: int | None) -> str:
    return f"{_TOWNSHIP}@{int(year)}" if year else _TOWNSHIP


def _township_year(key: str) -> int:
    return int(key.split("@", 1)[1]) if "@" in key else 0


def open_store(path: str | os.PathLike | None = None, *, create: bool = False) -> CaseStore:
    """Open the store at ``path``, $CASEMAP_DB or data/casemap.db: the one way to open a store.

    Without ``create`` the file must already be a casemap store: a missing path, an empty file or
    another program's SQLite file raises StoreError (Chinese, naming the path and what to do); nothing
    is created.  With ``create`` a missing file becomes a new, empty store (only ``init``/``init-demo``
    and the app's first run ask for that).
    """
    location = store_location(path)
    if isinstance(location, str):
        return PostGISStore(location, create=create)
    return SQLiteStore(location, create=create)


def _refuse_missing_or_empty(path: Path) -> None:
    if not path.exists():
        raise StoreError(f"案件库文件不存在：{path}。请检查 --db 路径；新建案件库请运行 "
                         f"python -m cases init --db \"{path}\"（空库，含县界和乡镇界线）或 init-demo（示例数据）")
    if path.is_dir():
        raise StoreError(f"{path} 是文件夹，不是 casemap 案件库文件；请检查 --db 路径")
    if path.stat().st_size == 0:
        raise StoreError(f"案件库文件 {path} 是空文件，不是 casemap 案件库；请检查 --db 路径，"
                         "或删除该文件后用 init / init-demo 新建")
