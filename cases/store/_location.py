"""Where a store is: a file (default data/casemap.db, or $CASEMAP_DB) or a PostgreSQL server address."""

from __future__ import annotations

import os
from pathlib import Path

from cases import _sqlite
from cases.sql import postgis
from geo.errors import StoreError

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_DB = ROOT / "data" / "casemap.db"


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


def _refuse_missing_or_empty(path: Path) -> None:
    if not path.exists():
        raise StoreError(f"案件库文件不存在：{path}。请检查 --db 路径；新建案件库请运行 "
                         f"python -m cases init --db \"{path}\"（空库，含县界和乡镇界线）或 init-demo（示例数据）")
    if path.is_dir():
        raise StoreError(f"{path} 是文件夹，不是 casemap 案件库文件；请检查 --db 路径")
    if path.stat().st_size == 0:
        raise StoreError(f"案件库文件 {path} 是空文件，不是 casemap 案件库；请检查 --db 路径，"
                         "或删除该文件后用 init / init-demo 新建")
