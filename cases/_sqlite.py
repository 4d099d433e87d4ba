"""SQLite plumbing of the store: one connection per thread, a busy timeout, busy errors in Chinese, file copies.

SQLite allows one writer at a time.  Every thread (each Streamlit session run, each worker) gets its own
connection to the file, so one thread's transaction never mixes with another's; a writer that finds the
file locked waits up to the busy timeout (30 s, ``$CASEMAP_BUSY_TIMEOUT``), then gets
``StoreError(BUSY_MESSAGE)`` instead of SQLite's ``database is locked``.  The store runs in WAL mode, so
readers never wait for a writer.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geo.errors import StoreError

#: What a user sees when another writer held the store longer than the busy timeout.
BUSY_MESSAGE = "案件库正忙（其他人正在保存或导入），请稍后重试"
#: Seconds a connection waits for another's write transaction before giving up.
BUSY_TIMEOUT_S = 30.0
_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


def busy_timeout(explicit: float | None = None) -> float:
    """The busy timeout in seconds: ``explicit``, else $CASEMAP_BUSY_TIMEOUT, else 30."""
    if explicit is not None:
        return float(explicit)
    env = os.environ.get("CASEMAP_BUSY_TIMEOUT", "").strip()
    try:
        return float(env) if env else BUSY_TIMEOUT_S
    except ValueError:
        raise StoreError(f"环境变量 CASEMAP_BUSY_TIMEOUT 应为秒数（如 30），而不是「{env}」") from None


def is_busy(exc: sqlite3.Error) -> bool:
    """True for SQLite's "database is locked/busy" errors (the busy timeout ran out)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _BUSY_CODES
    return "database is locked" in str(exc) or "database is busy" in str(exc)


class _Connection(sqlite3.Connection):
    """A connection whose busy errors become ``StoreError(BUSY_MESSAGE)``: no raw SQLite error, no path."""

    def execute(self, sql: str, parameters=(), /) -> sqlite3.Cursor:
        with _busy_as_store_error():
            return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters, /) -> sqlite3.Cursor:
        with _busy_as_store_error():
            return super().executemany(sql, parameters)


@contextmanager
def _busy_as_store_error() -> Iterator[None]:
    """Turn a busy/locked SQLite error into ``StoreError(BUSY_MESSAGE)``; other errors pass through."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if is_busy(exc):
            raise StoreError(BUSY_MESSAGE) from exc
        raise


class ThreadConnections:
    """One connection to ``path`` per thread, opened on first use (autocommit; transactions are explicit).

    Connections of threads that have ended are closed when the next one is opened, so a server that
    runs every request in a new thread (Streamlit) keeps only the live ones.  After ``os.fork`` the
    child opens its own: SQLite connections must not cross a fork.
    """

    def __init__(self, path: Path | str, *, timeout: float) -> None:
        self.path, self.timeout = path, timeout
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[tuple[weakref.ref[threading.Thread], Any]] = []

    def get(self) -> sqlite3.Connection:
        """This thread's connection."""
        con = getattr(self._local, "con", None)
        if con is not None and self._pid == os.getpid() and self._usable(con):
            return con
        return self._connect()

    def _usable(self, con: Any) -> bool:
        return True

    def _open_one(self) -> Any:
        """A new connection (overridden for other databases)."""
        con = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False,
                              factory=_Connection)
        con.execute("PRAGMA foreign_keys = ON")
        return con

    def _connect(self) -> Any:
        if self._pid != os.getpid():
            self._inherited = self._open  # the parent's: kept referenced (never closed here), never used
            self._reset()
        con = self._open_one()
        with self._lock:
            live, ended = [], []
            for ref, c in self._open:
                thread = ref()
                (live if thread is not None and thread.is_alive() else ended).append((ref, c))
            self._open = [*live, (weakref.ref(threading.current_thread()), con)]
        for _, c in ended:
            c.close()
        self._local.con = con
        return con

    def use_wal(self) -> None:
        """Switch the file to WAL journal mode (kept in the file; readers no longer wait for writers)."""
        self.get().execute("PRAGMA journal_mode = WAL")

    def close(self) -> None:
        """Close this thread's connection (the next use opens a new one)."""
        con = getattr(self._local, "con", None)
        if con is None:
            return
        self._local.con = None
        with self._lock:
            self._open = [(t, c) for t, c in self._open if c is not con]
        con.close()

    def close_all(self) -> None:
        """Close every thread's connection (call when no thread is using the store)."""
        with self._lock:
            cons, self._open = [c for _, c in self._open], []
        self._local = threading.local()
        for c in cons:
            c.close()


def copy_database(source: sqlite3.Connection, target: Path) -> None:
    """Write a consistent copy of ``source``'s database to the new file ``target``, atomically.

    SQLite's online backup copies every page in one step under a read transaction, so writers may go
    on meanwhile; the copy is a self-contained file (rollback journal mode) renamed into place only
    when complete.
    """
    part = target.with_name(f".{target.name}.part-{os.getpid()}-{threading.get_ident()}")
    dest = sqlite3.connect(part)
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")
    except BaseException:
        dest.close()
        part.unlink(missing_ok=True)
        raise
    dest.close()
    os.replace(part, target)


def read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to ``path`` (nothing in the file is changed, nothing is created)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
