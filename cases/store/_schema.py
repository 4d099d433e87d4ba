"""The store's tables: case and permit columns, values to and from SQL, and the migrations by schema version."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from cases import audit
from cases.model import Case, Permit
from cases.store import _areas

SCHEMA_VERSION = 5

_CASE_COLS = [f for f in fields(Case) if f.name != "geometry"]
_PERMIT_COLS = [f for f in fields(Permit) if f.name != "geometry"]
_DATE_COLS = {"found_date", "filing_date", "valid_from", "valid_to"}
_BOOL_COLS = {f.name for f in _CASE_COLS if f.type in ("bool", bool)}
#: Case columns added after version 1, by the schema version that added them (on ``cases`` and ``deleted_cases``).
#: A new store has them from version 1 on (its tables are made from today's Case), so adding one skips a
#: column that is there already.
ADDED_CASE_COLUMNS: dict[int, tuple[str, ...]] = {5: ("mined_value_wan",)}
#: The oldest schema version a PostgreSQL store is upgraded from in place (older ones move through ``migrate``).
PG_UPGRADABLE_FROM = 4


def _sql_type(t: Any) -> str:
    t = str(t)
    if "int" in t or "bool" in t:
        return "INTEGER"
    if "float" in t:
        return "REAL"
    return "TEXT"


def _add_case_columns(version: int) -> Callable[[sqlite3.Connection], None]:
    """The migration step that adds the case columns of ``version`` to ``cases`` and ``deleted_cases`` (old rows: NULL)."""
    types = {f.name: _sql_type(f.type) for f in _CASE_COLS}

    def step(con: sqlite3.Connection) -> None:
        for table in ("cases", "deleted_cases"):
            have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
            for name in ADDED_CASE_COLUMNS[version]:
                if name not in have:
                    con.execute(f"ALTER TABLE {table} ADD COLUMN {name} {types[name]}")
    return step


def add_area_columns(con: sqlite3.Connection) -> None:
    """Add the store-kept area columns (:mod:`cases.store._areas`) to ``cases`` and ``deleted_cases`` where missing."""
    for table in ("cases", "deleted_cases"):
        have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
        for name, kind in _areas.AREA_COLUMNS:
            if name not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


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
        # 开采矿产品价值（万元） of a mining case (criminal-referral threshold), kept with deleted cases too; each
        # case's area measured in the county zone when saved (cases.store._areas), old rows measured now
        5: [_add_case_columns(5), add_area_columns, _areas.fill],
    }


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


#: Boundary layer key of the township layers: ``township`` (year not stated) or ``township@2021``.
_TOWNSHIP = "township"


def _township_key(year: int | None) -> str:
    return f"{_TOWNSHIP}@{int(year)}" if year else _TOWNSHIP


def _township_year(key: str) -> int:
    return int(key.split("@", 1)[1]) if "@" in key else 0
