"""Whole-store moves: restoring a file store from a backup (check it, back up the current store, replace it
atomically), and migrating a store between files and PostgreSQL/PostGIS databases (``migrate``)."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from cases._sqlite import copy_database, read_only
from cases.sql.postgis import redact
from cases.sql.transfer import TableReport
from cases.store import (
    SCHEMA_VERSION,
    CaseStore,
    PostGISStore,
    SQLiteStore,
    copy_all,
    copy_photos,
    default_db_path,
    open_store,
    store_exists,
    store_location,
)
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
            saved = _replace(new, source, target, force=force)
        finally:
            new.close_all()
        copy_photos(source, target)  # the backup's photos join the store's (named by content: none replaced)
        return saved
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


@dataclass(frozen=True)
class Migration:
    """What ``migrate`` did: every table's rows and checksums in both stores, and the target's audit-chain check."""

    source: str
    target: str
    tables: list[TableReport]
    audit_problems: list[str]
    replaced: str | None = None


def migrate_store(source: str | os.PathLike, target: str | os.PathLike, *, force: bool = False) -> Migration:
    """Move everything in the store at ``source`` into ``target`` (a file or a ``postgresql://`` database, either way).

    Cases, deleted cases, permits, every boundary layer and township division, the audit log verbatim (its
    hash chain still verifies), accounts with their password hashes, sessions, settings and field photos (their
    bytes between the folder beside a store file and a server's ``photos`` table); counts and
    checksums of every table are compared before anything lands (StoreError and nothing written if they
    differ).  A target that holds a store with cases, permits, accounts or audit rows is replaced only with
    ``force``; a file target is then backed up beside itself first.  The target is written in one transaction.
    """
    src_at, dst_at = store_location(source), store_location(target)
    if str(src_at) == str(dst_at) or (isinstance(src_at, Path) and isinstance(dst_at, Path) and dst_at.exists()
                                      and src_at.resolve() == dst_at.resolve()):
        raise StoreError(f"迁移的来源和目标是同一个案件库（{redact(str(src_at))}）；请用 --to 指定另一个案件库")
    src = open_store(src_at)
    try:
        held = _held(dst_at) if store_exists(dst_at) else None
        if held and not force:
            raise StoreError(f"目标案件库 {redact(str(dst_at))} 不是空的（{held}）；迁移会用 {src.path} 的内容替换它，"
                             "确认请加 --force（目标为文件时会先备份）")
        if isinstance(dst_at, str):
            return _migrate_to_server(src, dst_at, replacing=held)
        return _migrate_to_file(src, dst_at, replacing=held)
    finally:
        src.close_all()


def _held(location: Path | str) -> str:
    """What a store holds that a migration would overwrite (empty text: nothing), e.g. 「3 个案件、12 条审计记录」."""
    try:
        store = open_store(location)
    except StoreError:
        if isinstance(location, Path) and location.stat().st_size:
            return "无法作为 casemap 案件库打开的文件"
        return ""
    try:
        counts = [(t, store.query(f"SELECT COUNT(*) FROM {t}")[0][0]) for t in _HELD]
    finally:
        store.close_all()
    return "、".join(f"{n} {_HELD[t]}" for t, n in counts if n)


_HELD = {"cases": "个案件", "deleted_cases": "个已删除案件", "permits": "个采矿许可证", "users": "个账号",
         "photos": "张现场照片", "audit": "条审计记录"}


def _migrate_to_server(src: CaseStore, url: str, *, replacing: str | None) -> Migration:
    created = replacing is None
    dst = PostGISStore(url, create=True)
    try:
        reports = copy_all(src, dst, replace=True)
        problems = dst.audit_problems()
    except BaseException:
        if created:  # the tables this call set up go again: nothing half-written
            dst.drop_schema()
        raise
    finally:
        dst.close_all()
    return Migration(str(src.path), dst.path, reports, problems, replaced=replacing or None)


def _migrate_to_file(src: CaseStore, target: Path, *, replacing: str | None) -> Migration:
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.migrate-{os.getpid()}")
    for p in _with_sidecars(staged):
        p.unlink(missing_ok=True)
    try:
        new = SQLiteStore(staged, create=True)
        try:
            reports = copy_all(src, new, target_at=target)
            problems = new.audit_problems()
            saved = None
            if target.exists():
                try:
                    current = SQLiteStore(target)
                except StoreError:
                    new.close_all()
                    saved = _rename_aside_and_replace(staged, target)
                else:
                    try:
                        saved = current.backup()
                        new.set_meta({"data_version": str(max(current.data_version(), new.data_version()) + 1)})
                        new.copy_to(current)
                    finally:
                        current.close_all()
            else:
                new.close_all()
                os.replace(staged, target)
        finally:
            new.close_all()
    finally:
        for p in _with_sidecars(staged):
            p.unlink(missing_ok=True)
    note = f"{replacing}；原案件库已备份到 {saved}" if saved else replacing
    return Migration(str(src.path), str(target), reports, problems, replaced=note or None)
