"""Restoring the store from a backup: check the file, back up the current store, replace it atomically."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from cases._sqlite import copy_database, read_only
from cases.store import SCHEMA_VERSION, SQLiteStore, default_db_path
from geo.errors import StoreError


def restore_store(source: str | os.PathLike, target: str | os.PathLike | None = None, *,
                  force: bool = False) -> Path | None:
    """Replace the store at ``target`` (else $CASEMAP_DB, else data/casemap.db) with the backup ``source``.

    ``source`` must be an intact casemap store of a schema this program opens; an older one is
    migrated in a copy, ``source`` itself is never changed.  A store holding cases or permits is
    replaced only with ``force``, and is backed up beside itself first; a store that cannot be opened
    (damaged) is, with ``force``, renamed aside instead.  The replacement is atomic: the backup is
    copied into the store in one SQLite transaction (a running app sees the old contents or the new,
    never a mix, and its caches see a higher data version), or renamed into place when there is no store.

    Returns the path the replaced store was saved to (None when there was none).
    """
    source, target = Path(source), default_db_path(target)
    _check_backup(source, target)
    staged = target.with_name(f".{target.name}.restore-{os.getpid()}")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = read_only(source)
    try:
        copy_database(src, staged)
    finally:
        src.close()
    try:
        new = SQLiteStore(staged)  # migrates an older schema in the copy
        try:
            return _replace(new, source, target, force=force)
        finally:
            new.close_all()
    finally:
        for p in _with_sidecars(staged):
            p.unlink(missing_ok=True)


def _check_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise StoreError(f"备份文件不存在：{source}")
    if source.stat().st_size == 0:
        raise StoreError(f"{source} 是空文件，不是 casemap 案件库备份")
    if target.exists() and source.resolve() == target.resolve():
        raise StoreError(f"{source} 就是要恢复的案件库本身；请指定备份文件")
    try:
        con = read_only(source)
        try:
            has_meta = con.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone()
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() if has_meta else None
            intact = con.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{source} 不是 casemap 案件库备份（无法作为 SQLite 数据库读取：{exc}）") from exc
    version = int(row[0]) if row else 0
    if version == 0:
        raise StoreError(f"{source} 是 SQLite 数据库，但不是 casemap 案件库（其中没有 casemap 的数据表）")
    if version > SCHEMA_VERSION:
        raise StoreError(f"{source} 的结构版本 {version} 比本程序（{SCHEMA_VERSION}）新，无法恢复；请先升级 casemap")
    if intact != "ok":
        raise StoreError(f"{source} 已损坏（SQLite 完整性检查：{intact}），不能用来恢复")


def _replace(new: SQLiteStore, source: Path, target: Path, *, force: bool) -> Path | None:
    if not target.exists():
        new.close_all()
        os.replace(new.path, target)
        return None
    try:
        current = SQLiteStore(target)
    except StoreError as exc:
        if not force:
            raise StoreError(f"当前案件库无法打开（{exc}）；如要用 {source.name} 替换它，请加 --force（原文件会改名保留）") from exc
        new.close_all()
        return _rename_aside_and_replace(new.path, target)
    try:
        held = len(current.cases()), len(current.permits())
        if any(held) and not force:
            raise StoreError(f"恢复会用 {source.name} 替换当前案件库 {target}（现有 {held[0]} 个案件、{held[1]} 个采矿许可证）；"
                             "确认请加 --force（会先备份当前案件库）")
        new.set_meta({"data_version": str(max(current.data_version(), new.data_version()) + 1)})
        saved = current.backup()
        new.copy_to(current)
        return saved
    finally:
        current.close_all()


def _rename_aside_and_replace(staged: Path, target: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = target.with_name(f"{target.stem}.damaged-{stamp}{target.suffix}")
    for old, new in zip(_with_sidecars(target), _with_sidecars(aside)):
        if old.exists():
            os.replace(old, new)
    os.replace(staged, target)
    return aside


def _with_sidecars(path: Path) -> list[Path]:
    """The database file and its WAL and shared-memory files."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
