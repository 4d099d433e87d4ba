"""``python -m cases migrate --from STORE --to STORE [--force]``: move a whole store between files and PostgreSQL."""

from __future__ import annotations

import argparse
import sys

from cases.cli.session import add_user_option, require_county
from cases.restore import Migration, migrate_store
from cases.sql.postgis import redact


def register(sub: argparse._SubParsersAction, add_db: object = None) -> None:
    """Add the ``migrate`` sub-command (it names two stores, so it has no ``--db``)."""
    m = sub.add_parser("migrate", help="迁移整个案件库：文件 ↔ PostgreSQL/PostGIS（案件、许可证、界线、审计记录、账号），并核对行数和校验和")
    m.add_argument("--from", dest="source", required=True, metavar="STORE",
                   help="来源案件库：文件路径或 postgresql://用户名@主机:端口/数据库名")
    m.add_argument("--to", dest="target", required=True, metavar="STORE",
                   help="目标案件库：文件路径或 postgresql://用户名@主机:端口/数据库名（须为空，或加 --force）")
    m.add_argument("--force", action="store_true", help="目标案件库不是空的时仍替换（目标为文件时先备份）")
    add_user_option(m)
    m.set_defaults(func=cmd_migrate, db=None)


def cmd_migrate(args: argparse.Namespace) -> int:
    """Check who may (a county account once either store has accounts), migrate, print the comparison."""
    require_county(args, args.source)
    require_county(args, args.target)
    done = migrate_store(args.source, args.target, force=args.force)
    _print(done)
    return 0


def _print(done: Migration) -> None:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    print(f"已把案件库 {redact(done.source)} 迁移到 {redact(done.target)}" + (f"（替换了：{done.replaced}）" if done.replaced else "") + "。")
    print(f"{'数据表':<14}{'来源行数':>10}{'目标行数':>10}  {'SHA-256（来源）':<18}{'SHA-256（目标）':<18}核对")
    for r in done.tables:
        print(f"{r.table:<16}{r.source_rows:>12}{r.target_rows:>12}  {r.source_sha256[:16]:<20}{r.target_sha256[:16]:<20}"
              f"{'一致' if r.same else '不一致'}")
    print("审计记录链：" + ("完整（逐条校验通过）" if not done.audit_problems else "；".join(done.audit_problems)))
