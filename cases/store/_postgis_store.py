"""The store in a PostgreSQL/PostGIS database, and whole-store copies between stores of either backend."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cases import _sqlite
from cases.sql import postgis, transfer
from cases.store import _areas
from cases.store._base import _SQLStore
from cases.store._location import DEFAULT_DB
from cases.store._photos import photo_folder
from cases.store._schema import (
    _CASE_COLS,
    _PERMIT_COLS,
    ADDED_CASE_COLUMNS,
    PG_UPGRADABLE_FROM,
    SCHEMA_VERSION,
    _sql_type,
)
from cases.store._sqlite_store import SQLiteStore
from geo.errors import StoreError


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
            if 0 < current < PG_UPGRADABLE_FROM:
                raise StoreError(f"案件库 {self.path} 的结构版本 {current} 比本程序（{SCHEMA_VERSION}）旧，服务器上的案件库"
                                 "不能就地升级；请用上一版 casemap 的 migrate 迁出到文件，再用本程序 migrate 迁回")
            if current == 0 and not create:
                raise StoreError(f"PostgreSQL 数据库 {self.path} 中还没有 casemap 案件库；请用 "
                                 f"python -m cases init --db {self.path}（空库）新建，或用 python -m cases migrate "
                                 f"--from 原案件库.db --to {self.path} 迁入已有案件库")
            if current == 0:
                with self._tx() as con:
                    self.create_schema(con)
            elif current < SCHEMA_VERSION:
                self._upgrade()
            elif not postgis.has_column(self._con, "cases", _areas.AREA_COLUMNS[-1][0]):
                with self._tx() as con:  # a store of schema 5 made before its areas were kept (never released)
                    _add_area_columns(con)
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

    def _upgrade(self) -> None:
        """Bring a store of version ``PG_UPGRADABLE_FROM`` or later up to ``SCHEMA_VERSION`` in place, one
        transaction per version (each adds case columns: old rows hold NULL)."""
        types = {f.name: _sql_type(f.type) for f in _CASE_COLS}
        for version in range(PG_UPGRADABLE_FROM + 1, SCHEMA_VERSION + 1):
            with self._tx() as con:
                if self._schema_version() >= version:  # done already (by another process meanwhile)
                    continue
                for sql in postgis.add_case_column_statements([(n, types[n]) for n in ADDED_CASE_COLUMNS[version]]):
                    con.execute(sql)
                if version == 5:  # each case's area, measured now for the cases already there
                    _add_area_columns(con)
                con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))

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
        for sql in postgis.schema_statements(*types, _areas.AREA_COLUMNS):
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


def _add_area_columns(con: postgis.PgConnection) -> None:
    """Add the store-kept area columns (:mod:`cases.store._areas`) where missing and measure the cases already there."""
    for sql in postgis.add_case_column_statements(list(_areas.AREA_COLUMNS)):
        con.execute(sql)
    _areas.fill(con)


def store_tables() -> list[transfer.Table]:
    """Every table of a store, as whole-store copies (backup of a server store, ``migrate``) move them."""
    return transfer.tables([f.name for f in _CASE_COLS], [f.name for f in _PERMIT_COLS],
                           kept=[n for n, _ in _areas.AREA_COLUMNS])


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
