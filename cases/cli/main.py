"""Command line: ``python -m cases check|stats|init-demo|backup|restore|load-townships …``."""

from __future__ import annotations

import argparse
import io
import json
import sys

import pandas as pd

from cases.cli import briefing as briefing_commands
from cases.cli import ledger as ledger_commands
from cases.cli import users as user_commands
from cases.cli.session import add_user_option, require_county, store_for
from cases.demo import init_demo, non_demo_records
from cases.io.checkinput import read_case_file, read_permit_file, read_township_file
from cases.io.files import guard_csv_frame
from cases.restore import restore_store
from cases.service import APPROX_NOTE, new_empty_store, results_to_records, store_notes
from cases.stats import township_stats, with_chinese_headers
from cases.store import CaseStore, default_db_path, open_store
from geo.checks import FLAGS, check_cases
from geo.errors import CasemapError, StoreError


def _out() -> io.TextIOBase:
    # UTF-8 output whatever the console code page (Windows consoles default to GBK).
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    return sys.stdout


def _emit(frame: pd.DataFrame, fmt: str, *, json_records: list | None = None, notes: list[str] = ()) -> None:
    out = _out()
    if fmt == "json":
        out.write(json.dumps(json_records if json_records is not None else frame.to_dict("records"),
                             ensure_ascii=False, indent=1) + "\n")
    elif fmt == "csv":
        guard_csv_frame(frame).to_csv(out, index=False, lineterminator="\n")
    else:
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250):
            out.write(frame.to_string(index=False) + "\n")
        for n in notes:
            out.write(n + "\n")
    if fmt != "table":
        for n in notes:
            print(n, file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    """Check the cases of a file against townships, the county and permits."""
    cases, notes = read_case_file(args.cases_file)
    store = None
    if args.permits:
        permits, pn = read_permit_file(args.permits)
        notes += pn
    else:
        store, _ = store_for(args)
        permits = store.permits()
    if args.townships:
        towns = read_township_file(args.townships, name_field=args.name_field)
    else:
        store = store or store_for(args)[0]
        towns = store.townships()
    if towns["approximate"].any():
        notes.append(APPROX_NOTE)
    store = store or store_for(args)[0]
    res = check_cases(cases, towns, permits, store.county(), tolerance_m=args.tolerance_m)
    records = results_to_records(res)
    if args.format == "json":
        _emit(res, "json", json_records=records, notes=notes)
        return 0
    flat = pd.DataFrame(records)
    flat["townships"] = ["；".join(f"{t['name']} {t['area_mu']:.2f}亩" for t in ts) for ts in flat["townships"]]
    flat["flags"] = ["、".join(f"{f}({FLAGS[f]})" for f in fl) for fl in flat["flags"]]
    _emit(flat, args.format, notes=notes)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the per-township statistics of the store (a township account: its own township's cases)."""
    store, _ = store_for(args)
    table = township_stats(store.cases())
    if args.format == "json":
        _emit(table, "json", notes=store_notes(store))
    else:
        _emit(with_chinese_headers(table), args.format, notes=store_notes(store))
    return 0


def cmd_init_demo(args: argparse.Namespace) -> int:
    """(Re)create a store holding the shipped boundaries and the demo data (in one transaction).

    Refuses, without ``--force``, a store holding anything init-demo did not write (imported, entered
    or edited cases, imported permits); with ``--force`` the store is backed up first.
    """
    require_county(args)
    store = open_store(args.db, create=True)
    try:
        return _init_demo(store, force=args.force)
    finally:
        store.close_all()


def _init_demo(store: CaseStore, *, force: bool) -> int:
    cases, permits = non_demo_records(store)
    if cases or permits:
        what = "、".join([f"{len(cases)} 个真实案件"] * bool(cases) + [f"{len(permits)} 个导入的采矿许可证"] * bool(permits))
        first = "、".join((cases + permits)[:5]) + ("等" if len(cases) + len(permits) > 5 else "")
        if not force:
            raise StoreError(
                f"案件库 {store.path} 中已有 {what}（导入、录入或修改过的，如 {first}），init-demo 会清空它们；"
                "如确需重建示例库，请加 --force（会先备份原文件），或用 --db 指定新的文件。"
            )
        backup = store.backup()
        print(f"已备份原案件库到 {backup}")
    counts = init_demo(store)
    print(f"已在 {store.path} 生成示例数据：{counts['cases']} 个案件，{counts['permits']} 个采矿许可证。")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Create a new, empty store holding the shipped county and township boundaries."""
    store = new_empty_store(args.db)
    print(f"已新建案件库 {store.path}（含县界和乡镇界线，没有案件）；可用 import、import-permits 导入台账和许可证。")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the store to a new file, consistently even while the app or an import writes (county accounts)."""
    require_county(args)
    store = open_store(args.db)
    try:
        out = store.backup(args.out)
        n = len(store.cases())
    finally:
        store.close_all()
    print(f"已把案件库 {store.path} 备份到 {out}（{n} 个案件）。"
          f"恢复：python -m cases restore \"{out}\" --db \"{store.path}\" --force")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the store with a backup (checked first; the current store is backed up first)."""
    target = default_db_path(args.db)
    if target.exists():
        require_county(args)
    saved = restore_store(args.file, target, force=args.force)
    restored = open_store(target)
    restored.log_event(user=args.user or "命令行", action="restore",
                       detail=f"用 {args.file} 恢复" + (f"，原案件库保存为 {saved}" if saved else ""))
    restored.close_all()
    if saved is not None:
        print(f"已把原案件库保存到 {saved}")
    print(f"已用 {args.file} 恢复案件库 {target}。")
    return 0


def cmd_load_townships(args: argparse.Namespace) -> int:
    """Replace the approximate township layer with the county's official one."""
    towns = read_township_file(args.file, name_field=args.name_field)
    store, user = store_for(args)
    store.replace_boundaries("township", towns, user=user)
    print(f"已用 {args.file} 替换乡镇界线（{len(towns)} 个乡镇，官方界线），存入 {store.path}。")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    p = argparse.ArgumentParser(prog="python -m cases", description="代县用地用矿执法案件地图 casemap 命令行")
    sub = p.add_subparsers(dest="command", required=True)

    def add_db(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--db", help="案件库文件（默认 $CASEMAP_DB 或 data/casemap.db）")
        add_user_option(sp)

    c = sub.add_parser("check", help="核查案件文件：所在乡镇、是否越界开采、无证、矿种不符、许可证过期")
    c.add_argument("cases_file", metavar="CASES_FILE")
    c.add_argument("--permits", metavar="FILE", help="采矿许可证范围文件（默认用案件库中的）")
    c.add_argument("--townships", metavar="FILE", help="乡镇界线文件（默认用案件库中的）")
    c.add_argument("--name-field", default="name", help="乡镇界线文件中的名称字段（默认 name）")
    c.add_argument("--tolerance-m", type=float, default=1.0, help="越界容差（米），默认 1.0")
    c.add_argument("--format", choices=("json", "csv", "table"), default="table")
    add_db(c)
    c.set_defaults(func=cmd_check)

    s = sub.add_parser("stats", help="分乡镇统计")
    add_db(s)
    s.add_argument("--format", choices=("json", "csv", "table"), default="table")
    s.set_defaults(func=cmd_stats)

    d = sub.add_parser("init-demo", help="（重新）生成示例数据案件库")
    add_db(d)
    d.add_argument("--force", action="store_true", help="案件库中有真实案件时仍重建（先备份）")
    d.set_defaults(func=cmd_init_demo)

    b = sub.add_parser("backup", help="备份案件库到新文件（应用运行、他人保存时也一致）")
    b.add_argument("--out", required=True, metavar="FILE", help="备份文件（不能已存在）")
    add_db(b)
    b.set_defaults(func=cmd_backup)

    r = sub.add_parser("restore", help="用备份文件恢复案件库（先检查备份、先备份当前案件库）")
    r.add_argument("file", metavar="FILE", help="备份文件（casemap 案件库）")
    add_db(r)
    r.add_argument("--force", action="store_true", help="当前案件库中有案件或许可证（或已损坏）时仍替换（先备份）")
    r.set_defaults(func=cmd_restore)

    i = sub.add_parser("init", help="新建空案件库（含县界和乡镇界线，没有案件）")
    add_db(i)
    i.set_defaults(func=cmd_init)

    t = sub.add_parser("load-townships", help="用官方乡镇界线替换示意界线")
    t.add_argument("file", metavar="FILE")
    t.add_argument("--name-field", default="name", help="乡镇名称字段（默认 name）")
    add_db(t)
    t.set_defaults(func=cmd_load_townships)

    # Sub-commands of other modules: each module has register(sub, add_db).
    for module in (ledger_commands, briefing_commands, user_commands):
        module.register(sub, add_db)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; CasemapError becomes a Chinese message on stderr and exit code 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CasemapError as exc:
        if hasattr(sys.stderr, "reconfigure"):
            sys.stderr.reconfigure(encoding="utf-8")
        print(f"错误：{exc}", file=sys.stderr)
        return 2
