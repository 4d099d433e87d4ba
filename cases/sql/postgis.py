"""PostgreSQL/PostGIS plumbing of the store: server URLs, one connection per thread, the schema, errors in Chinese.

The store's SQL is written once, for SQLite.  :class:`PgConnection` runs it on PostgreSQL: ``?``
placeholders become ``%s``, the column ``user`` (a reserved word there) is quoted, plain WKB parameters
take the storage SRID (4490) from the ``geometry(Geometry, 4490)`` columns themselves (PostGIS gives a geometry
without an SRID its column's), and geometry reads back as hex EWKB (``shapely.from_wkb`` takes both), and a lock wait that
outlasts the busy timeout becomes ``StoreError(BUSY_MESSAGE)`` as with SQLite.  Writers take one
transaction-level advisory lock, so they run one at a time as SQLite's ``BEGIN IMMEDIATE`` makes them:
a version checked inside a write transaction cannot change before it commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict

from cases._sqlite import BUSY_MESSAGE, ThreadConnections
from geo.errors import StoreError

#: The advisory lock every casemap write transaction holds (one writer at a time per database).
WRITE_LOCK_KEY = 0x6361_7365  # "case"
#: Schemes accepted as a PostgreSQL server address.
SCHEMES = ("postgresql", "postgres")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
_LOOKS_PG = re.compile(r"^postgres(ql)?:", re.IGNORECASE)
_USER = re.compile(r'(?<!["\w.])user(?!["\w])')
_CONNECT_TIMEOUT_S = 10
#: The SRID of every geometry column (CGCS2000 lon/lat, as ``geo.crs.STORAGE_CRS``).
STORAGE_SRID = 4490


def is_url(location: Any) -> bool:
    """True for ``scheme://…`` and ``postgres(ql):…`` text: a server address, never a file name."""
    text = str(location)
    return bool(_SCHEME.match(text) or _LOOKS_PG.match(text))


def check_url(url: str) -> str:
    """``url`` if it is a usable ``postgresql://user@host:port/db`` address; StoreError (Chinese, naming it) if not."""
    shown = redact(url)
    match = _SCHEME.match(url)
    if not match or match.group(1).lower() not in SCHEMES:
        raise StoreError(f"案件库地址「{shown}」无效：服务器上的案件库应写作 postgresql://用户名@主机:端口/数据库名"
                         "（也可写 postgres://）；本地案件库请写文件路径")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a bad port raises ValueError)
        conninfo_to_dict(url)
    except (ValueError, psycopg.ProgrammingError) as exc:
        raise StoreError(f"案件库地址「{shown}」无效（{exc}）：应写作 postgresql://用户名@主机:端口/数据库名") from None
    if not parts.hostname or not parts.path.strip("/"):
        raise StoreError(f"案件库地址「{shown}」缺少{'主机' if not parts.hostname else '数据库名'}："
                         "应写作 postgresql://用户名@主机:端口/数据库名")
    return url


def redact(url: str) -> str:
    """``url`` without its password (for messages and ``store.path``)."""
    return re.sub(r"^([A-Za-z][\w+.\-]*://[^:/@]*):[^@/]*@", r"\1:***@", str(url))


def database_name(url: str) -> str:
    """The database name of a checked URL."""
    return urlsplit(url).path.strip("/")


def translate(sql: str) -> str:
    """SQLite-flavoured SQL as psycopg runs it: ``?`` → ``%s``, ``%`` → ``%%``, ``user`` → ``"user"``
    (string literals are left alone except for ``%``)."""
    out = []
    for i, part in enumerate(sql.split("'")):
        part = part.replace("%", "%%")
        if i % 2 == 0:  # outside a string literal
            part = _USER.sub('"user"', part.replace("?", "%s"))
        out.append(part)
    return "'".join(out)


class PgConnection:
    """A psycopg connection (autocommit; transactions explicit) that speaks the store's SQLite-flavoured SQL."""

    def __init__(self, raw: psycopg.Connection, *, where: str) -> None:
        self.raw, self.where = raw, where

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence | None = ()) -> psycopg.Cursor:
        with _errors(self.where):
            return self.raw.execute(translate(sql), tuple(params or ()))

    def executemany(self, sql: str, rows: Iterable[Sequence]) -> psycopg.Cursor:
        with _errors(self.where):
            cur = self.raw.cursor()
            cur.executemany(translate(sql), [tuple(r) for r in rows])
            return cur

    def close(self) -> None:
        self.raw.close()


@contextmanager
def _errors(where: str) -> Iterator[None]:
    """Lock timeouts → ``StoreError(BUSY_MESSAGE)``; a lost server → StoreError naming it; other errors pass."""
    try:
        yield
    except pg_errors.LockNotAvailable as exc:
        raise StoreError(BUSY_MESSAGE) from exc
    except psycopg.OperationalError as exc:
        if isinstance(exc, pg_errors.QueryCanceled):
            raise
        raise StoreError(f"与 PostgreSQL 案件库 {where} 的连接出错：{_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def connect(url: str, *, timeout: float) -> PgConnection:
    """A new connection to ``url``; StoreError (Chinese) if the server is down, refuses the login or has no such database.

    Session settings: ``jit = off`` (the store's queries are short), custom plans only (psycopg prepares a
    repeated query; a generic plan of ``case_id IN (?, …)`` would scan the whole table), lock waits bounded
    by ``timeout`` seconds (the busy timeout).
    """
    shown = redact(url)
    parts = urlsplit(url)
    try:
        raw = psycopg.connect(url, autocommit=True, connect_timeout=_CONNECT_TIMEOUT_S,
                              options=f"-c jit=off -c plan_cache_mode=force_custom_plan -c lock_timeout={int(timeout * 1000)}",
                              application_name="casemap")
    except psycopg.OperationalError as exc:
        text = str(exc)
        if "does not exist" in text and "database" in text:
            why = (f"数据库「{database_name(url)}」不存在；请数据库管理员先建库：CREATE DATABASE {database_name(url)}; "
                   "并在库中执行 CREATE EXTENSION postgis;")
        elif "authentication" in text or "password" in text or "role" in text:
            why = f"登录被拒绝（用户名或密码不对，或无权访问）：{_first_line(exc)}"
        else:
            why = (f"连接不上服务器 {parts.hostname}:{parts.port or 5432}（服务器未运行、地址或端口不对，或被防火墙阻挡）："
                   f"{_first_line(exc)}")
        raise StoreError(f"无法打开 PostgreSQL 案件库 {shown}：{why}") from None
    return PgConnection(raw, where=shown)


class PgConnections(ThreadConnections):
    """One connection to the server per thread, opened on first use (as ``cases._sqlite.ThreadConnections``)."""

    def __init__(self, url: str, *, timeout: float) -> None:
        super().__init__(url, timeout=timeout)
        self.url = url

    def _usable(self, con: PgConnection) -> bool:
        return not (con.raw.closed or con.raw.broken)

    def _open_one(self) -> PgConnection:
        return connect(self.url, timeout=self.timeout)


def begin_write(con: PgConnection) -> None:
    """BEGIN a write transaction and wait (up to the lock timeout) until no other casemap writer holds the store."""
    con.execute("BEGIN")
    try:
        con.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK_KEY,))
    except BaseException:
        con.execute("ROLLBACK")
        raise


def has_table(con: PgConnection, name: str) -> bool:
    """True if the database's search path holds the table ``name``."""
    return con.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0]


def has_column(con: PgConnection, table: str, column: str) -> bool:
    """True if ``table`` of the search path has the column ``column``."""
    return con.execute("SELECT 1 FROM information_schema.columns WHERE table_name = ? AND column_name = ?"
                       " AND table_schema = ANY (current_schemas(false))", (table, column)).fetchone() is not None


def require_postgis(con: PgConnection) -> None:
    """StoreError (Chinese, naming the database) unless the PostGIS extension is installed in it."""
    if con.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
        return
    available = con.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone()
    fix = ("请数据库管理员在该库中执行 CREATE EXTENSION postgis;" if available
           else "该服务器未安装 PostGIS，请先安装 PostGIS（如 Debian 的 postgis 包或 Windows 的 Stack Builder），"
                "再在该库中执行 CREATE EXTENSION postgis;")
    raise StoreError(f"PostgreSQL 数据库 {con.where} 中没有 PostGIS 扩展：{fix}")


def schema_statements(case_cols: list[tuple[str, str]], permit_cols: list[tuple[str, str]],
                      kept_cols: Sequence[tuple[str, str]] = ()) -> list[str]:
    """The DDL of the whole store (the SQLite schema at its newest version) for PostgreSQL/PostGIS.

    ``case_cols``/``permit_cols`` are (name, SQLite type) pairs; the first is the primary key.  ``kept_cols``
    (pairs too) are columns the store keeps of each case besides its fields (its measured area), after the
    geometry in ``cases`` and after the deletion columns in ``deleted_cases``, as SQLite's migrations add them.  Geometry is
    ``geometry(Geometry, 4490)`` with a GiST index; ``boundaries.rowid`` keeps the order features were
    written in (SQLite's implicit rowid); the audit log refuses UPDATE, DELETE and TRUNCATE by trigger.
    """
    def cols(pairs: list[tuple[str, str]]) -> str:
        return ", ".join(f"{n} {_PG_TYPES[t]}{' PRIMARY KEY' if i == 0 else ''}" for i, (n, t) in enumerate(pairs))

    plain = ", ".join(f"{n} {_PG_TYPES[t]}" for n, t in case_cols)
    kept = "".join(f", {n} {_PG_TYPES[t]}" for n, t in kept_cols)
    geom = "geometry(Geometry, 4490)"
    return [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
        f"CREATE TABLE cases ({cols(case_cols)}, geom {geom}{kept})",
        f"CREATE TABLE permits ({cols(permit_cols)}, geom {geom})",
        f"CREATE TABLE boundaries (layer TEXT, name TEXT, approximate BIGINT, source TEXT, geom {geom},"
        " rowid BIGSERIAL, PRIMARY KEY (layer, name))",
        "CREATE TABLE audit (id BIGSERIAL PRIMARY KEY, at TEXT, \"user\" TEXT, case_id TEXT, action TEXT, field TEXT,"
        " old TEXT, new TEXT, hash TEXT)",
        "CREATE INDEX audit_case ON audit (case_id, at)",
        "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, township TEXT, department TEXT,"
        " password_hash TEXT NOT NULL, disabled BIGINT NOT NULL DEFAULT 0, failed_logins BIGINT NOT NULL"
        " DEFAULT 0, locked_until TEXT, created_at TEXT, created_by TEXT)",
        "CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, \"user\" TEXT NOT NULL, created_at TEXT,"
        " expires_at TEXT NOT NULL)",
        f"CREATE TABLE deleted_cases ({plain}, geom {geom}, deleted_at TEXT, deleted_by TEXT, delete_reason TEXT{kept})",
        "CREATE TABLE photos (case_id TEXT NOT NULL, sha256 TEXT NOT NULL, seq BIGINT NOT NULL, file TEXT NOT NULL,"
        " original_name TEXT, media_type TEXT, size_bytes BIGINT, width BIGINT, height BIGINT, taken_at TEXT,"
        " lon DOUBLE PRECISION, lat DOUBLE PRECISION, direction DOUBLE PRECISION, note TEXT, added_at TEXT,"
        " added_by TEXT, data BYTEA, thumb BYTEA, PRIMARY KEY (case_id, sha256))",
        "CREATE INDEX cases_geom ON cases USING gist (geom)",
        "CREATE INDEX permits_geom ON permits USING gist (geom)",
        "CREATE INDEX boundaries_geom ON boundaries USING gist (geom)",
        "CREATE FUNCTION casemap_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION '审计记录只能追加，不能修改'; END IF;"
        " RAISE EXCEPTION '审计记录只能追加，不能删除'; END $$",
        "CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit"
        " FOR EACH ROW EXECUTE FUNCTION casemap_audit_append_only()",
        "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
        " FOR EACH STATEMENT EXECUTE FUNCTION casemap_audit_append_only()",
    ]


def add_case_column_statements(columns: list[tuple[str, str]]) -> list[str]:
    """DDL adding case columns ((name, SQLite type) pairs) to ``cases`` and ``deleted_cases`` of an older store."""
    return [f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {_PG_TYPES[kind]}"
            for table in ("cases", "deleted_cases") for name, kind in columns]


#: Tables and functions of a casemap store on PostgreSQL (dropped together by ``migrate --force``).
TABLES = ("meta", "cases", "permits", "boundaries", "audit", "users", "sessions", "deleted_cases", "photos")
_PG_TYPES = {"TEXT": "TEXT", "INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION"}


def drop_statements() -> list[str]:
    """DDL that removes a casemap store's tables from a database (in a transaction: all or nothing)."""
    return [f"DROP TABLE IF EXISTS {', '.join(TABLES)} CASCADE",
            "DROP FUNCTION IF EXISTS casemap_audit_append_only() CASCADE"]
