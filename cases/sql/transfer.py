"""Whole-store copies between backends (SQLite ↔ PostgreSQL/PostGIS): every table's rows, counted and checksummed.

Rows are copied verbatim, the audit log with its ids and hashes (so its hash chain still verifies) and
accounts with their password hashes.  Geometry is moved as WKB; the checksum reads it back as canonical
WKB, so the same shapes give the same checksum on either backend.  ``meta.data_version`` (a cache key that
every write bumps) is left out of the checksum.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import shapely

from geo.errors import StoreError

#: Meta keys left out of the checksum (bumped by every write transaction).
VOLATILE_META = ("data_version",)


@dataclass(frozen=True)
class Table:
    """One table as copies see it: its columns (geometry last, named ``geom``) and the order rows are read in."""

    name: str
    columns: tuple[str, ...]
    order: str
    geometry: bool = False
    where: str = ""
    #: Columns left out of the checksum: a photo's bytes, kept in the table by a server store and in files
    #: beside a store file (the copy checks them against their SHA-256 instead).
    payload: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableReport:
    """Rows and SHA-256 of one table in the source and, read back, in the target."""

    table: str
    source_rows: int
    target_rows: int
    source_sha256: str
    target_sha256: str

    @property
    def same(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sha256 == self.target_sha256


def tables(case_cols: Sequence[str], permit_cols: Sequence[str], *, kept: Sequence[str] = ()) -> list[Table]:
    """The store's tables (the newest schema), with the key that orders their rows; ``kept``: the columns the store
    keeps of each case and deleted case besides its fields (its measured area), copied as they are."""
    deleted = (*case_cols, "geom", "deleted_at", "deleted_by", "delete_reason", *kept)
    no_volatile = "key NOT IN (" + ", ".join(f"'{k}'" for k in VOLATILE_META) + ")"
    return [
        Table("meta", ("key", "value"), "key", where=no_volatile),
        Table("cases", (*case_cols, "geom", *kept), "case_id", geometry=True),
        Table("permits", (*permit_cols, "geom"), "permit_no", geometry=True),
        Table("boundaries", ("layer", "name", "approximate", "source", "geom"), "rowid", geometry=True),
        Table("deleted_cases", deleted, "deleted_at, case_id", geometry=True),
        Table("audit", ("id", "at", "user", "case_id", "action", "field", "old", "new", "hash"), "id"),
        Table("users", ("name", "role", "township", "department", "password_hash", "disabled", "failed_logins",
                        "locked_until", "created_at", "created_by"), "name"),
        Table("sessions", ("token_hash", "user", "created_at", "expires_at"), "token_hash"),
        Table("photos", ("case_id", "sha256", "seq", "file", "original_name", "media_type", "size_bytes", "width",
                         "height", "taken_at", "lon", "lat", "direction", "note", "added_at", "added_by", "data",
                         "thumb"), "case_id, sha256", payload=("data", "thumb")),
    ]


def read(con: Any, table: Table) -> list[tuple]:
    """Every row of ``table`` (geometry as the backend returns it: WKB bytes or hex EWKB)."""
    where = f" WHERE {table.where}" if table.where else ""
    return [tuple(r) for r in con.execute(f"SELECT {', '.join(table.columns)} FROM {table.name}{where}"
                                          f" ORDER BY {table.order}").fetchall()]


def write(con: Any, table: Table, rows: list[tuple], *, wkb: Callable[[Any], Any]) -> TableReport:
    """Insert ``rows`` (read from another store) into the emptied ``table`` through ``con``, geometry converted by
    ``wkb`` (the target's writer), then read it back: the report compares counts and checksums."""
    if table.name == "meta":
        con.execute(f"DELETE FROM meta WHERE {table.where}")
    if rows:
        shaped = [_with_geometry(r, table, wkb) for r in rows] if table.geometry else rows
        try:
            con.executemany(f"INSERT INTO {table.name} ({', '.join(table.columns)})"
                            f" VALUES ({', '.join('?' * len(table.columns))})", shaped)
        except (sqlite3.Error, psycopg.Error) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise StoreError(f"数据表 {table.name} 的数据无法写入目标案件库（{first}），未写入任何数据") from exc
    back = read(con, table)
    return TableReport(table.name, len(rows), len(back), digest(rows, table), digest(back, table))


def _with_geometry(row: tuple, table: Table, wkb: Callable[[Any], Any]) -> tuple:
    at = table.columns.index("geom")
    value = row[at]
    return (*row[:at], wkb(shapely.from_wkb(value)) if value is not None else None, *row[at + 1:])


def digest(rows: list[tuple], table: Table) -> str:
    """SHA-256 of ``rows`` in order, values serialised the same way whichever backend they came from."""
    at = table.columns.index("geom") if table.geometry else -1
    skip = {table.columns.index(c) for c in table.payload}
    h = hashlib.sha256()
    for row in rows:
        values = [_canonical(v, geometry=i == at) for i, v in enumerate(row) if i not in skip]
        h.update(json.dumps(values, ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _canonical(value: Any, *, geometry: bool) -> Any:
    if value is None:
        return None
    if geometry:
        return shapely.to_wkb(shapely.from_wkb(value), hex=True, include_srid=False)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def photo_rows(rows: list[tuple], table: Table, *, source_folder: Path | None, target_folder: Path | None) -> list[tuple]:
    """Photo rows as the target keeps them: a store file's photo bytes live in files beside it (``target_folder``,
    written here, columns emptied), a server store's in the ``data``/``thumb`` columns.  Bytes come from the row or
    from ``source_folder``; each photo must match its SHA-256 (StoreError naming it otherwise)."""
    at = {c: table.columns.index(c) for c in ("sha256", "file", "data", "thumb")}
    out = []
    for row in rows:
        sha, name = row[at["sha256"]], row[at["file"]]
        data, thumb = row[at["data"]], row[at["thumb"]]
        if data is None and source_folder is not None:
            data, thumb = _read(source_folder / name), _read(source_folder / f"{sha}.thumb.jpg")
        if data is None or hashlib.sha256(bytes(data)).hexdigest() != sha:
            raise StoreError(f"照片 {name}（案件 {row[0]}）的内容缺失或与其 SHA-256 不符，未迁移任何数据")
        if target_folder is not None:
            _write(target_folder / name, bytes(data))
            if thumb is not None:
                _write(target_folder / f"{sha}.thumb.jpg", bytes(thumb))
            data = thumb = None
        values = list(row)
        values[at["data"]], values[at["thumb"]] = data, thumb
        out.append(tuple(values))
    return out


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"照片文件 {path} 无法读取：{exc.strerror or exc}") from exc


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (content-addressed: an existing file of that size is the same) via a renamed temp file."""
    if path.exists() and path.stat().st_size == len(data):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.part-{os.getpid()}")
    try:
        with open(part, "wb") as fh:
            fh.write(data)
        os.replace(part, path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise StoreError(f"无法写入照片文件 {path}：{exc.strerror or exc}") from exc
