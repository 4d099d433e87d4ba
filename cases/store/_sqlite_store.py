"""The default store: one SQLite file."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cases import _sqlite
from cases._sqlite import ThreadConnections, copy_database
from cases.store._areas import AREA_COLUMNS, fill
from cases.store._base import _SQLStore
from cases.store._location import _refuse_missing_or_empty
from cases.store._photos import copy_photos
from cases.store._schema import SCHEMA_VERSION, _migrations, add_area_columns
from geo.errors import StoreError


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
        if not {n for n, _ in AREA_COLUMNS} <= {r[1] for r in self._con.execute("PRAGMA table_info(cases)")}:
            with self._tx() as con:  # a store of schema 5 made before its areas were kept (never released)
                add_area_columns(con)
                fill(con)

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
