"""Command line: ``python -m cases check|stats|init-demo|backup|restore|load-townships …``."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pandas as pd

from cases.assignment import derived_division
from cases.cli import briefing as briefing_commands
from cases.cli import evidence as evidence_commands
from cases.cli import ledger as ledger_commands
from cases.cli import migrate as migrate_commands
from cases.cli import triage as triage_commands
from cases.cli import users as user_commands
from cases.cli.session import add_user_option, require_county, store_for
from cases.county import county_of
from cases.demo import DEMO_USER, init_demo, non_demo_records
from cases.io.checkinput import read_case_file, read_permit_file, read_township_file, refuse_outside
from cases.io.files import guard_csv_frame
from cases.model import COUNTY
from cases.restore import restore_store
from cases.service import (
    APPROX_NOTE,
    declared_in,
    layer_division,
    new_empty_store,
    results_to_records,
    row_names,
    store_cases,
    store_divisions,
    store_notes,
)
from cases.stats import township_stats, with_chinese_headers
from cases.store import CaseStore, default_db_path, open_store
from cases.triage.layers import KINDS as LAYER_KINDS
from cases.triage.layers import load_demo_layers
from cases.triage.referral import FLAG_LABEL as REFERRAL_LABEL
from cases.triage.workflow import add_referral_flags
from geo.checks import FLAGS, check_cases
from geo.errors import CasemapError, StoreError, ValidationError


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
    store, _ = store_for(args)
    county = county_of(store)  # files are read, and areas measured, in the store's county's zone
    cases, notes = read_case_file(args.cases_file, division=county)
    if args.permits:
        permits, pn = read_permit_file(args.permits, division=county)
        notes += pn
    else:
        permits = store.permits()
    if args.townships:
        towns = read_township_file(args.townships, name_field=args.name_field, division=county)
    else:
        towns = store.townships()
    if towns["approximate"].any():
        notes.append(APPROX_NOTE)
    if args.townships:
        refuse_outside(towns, store.county(), what=f"乡镇界线文件 {Path(args.townships).name}")
    # like with like: a declared township of another division is carried into the layer's by the change table
    cases = cases.assign(township=declared_in(cases, towns, store_divisions(store)))
    res = check_cases(cases, towns, permits, store.county(), tolerance_m=args.tolerance_m, area_crs=county.area_crs)
    notes += add_referral_flags(store, cases, res)  # CRIMINAL_THRESHOLD, from the store's reference layers and rules
    notes += _outside_notes(cases, res, from_file=bool(args.townships))
    records = results_to_records(res)
    if args.format == "json":
        _emit(res, "json", json_records=records, notes=notes)
        return 0
    flat = pd.DataFrame(records)
    flat["townships"] = ["；".join(f"{t['name']} {t['area_mu']:.2f}亩" for t in ts) for ts in flat["townships"]]
    flat["flags"] = ["、".join(f"{f}({FLAGS.get(f) or REFERRAL_LABEL})" for f in fl) for fl in flat["flags"]]
    _emit(flat, args.format, notes=notes)
    return 0


def _outside_notes(cases: pd.DataFrame, res: pd.DataFrame, *, from_file: bool) -> list[str]:
    """A note per located case lying in no township of the layer (it gets no township, not an error)."""
    located = ~(cases.geometry.isna() | cases.geometry.is_empty).to_numpy()
    lost = res.loc[located & res["township"].isna().to_numpy(), "case_id"].astype(str).tolist()
    if not lost:
        return []
    layer = "所给乡镇界线文件" if from_file else "乡镇界线"
    shown = "、".join(lost[:20]) + (f" 等 {len(lost)} 个" if len(lost) > 20 else "")
    return [f"注意：案件 {shown} 不在{layer}的任何乡镇内，未判定所在乡镇。"]


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the per-township statistics of the store (a township account: its own township's cases), per
    township of the current division or, with ``--division YEAR``, of the division in force in that year."""
    store, _ = store_for(args)
    cases, towns = store_cases(store, year=args.division)
    table = township_stats(cases, townships=row_names(cases, towns), area_crs=county_of(store).area_crs)
    notes = store_notes(store)
    if args.division is not None:
        shown = towns.attrs.get("valid_from") or "未注明年份"
        current = store.townships().attrs.get("valid_from")
        notes.append(f"区划：{args.division} 年的乡镇（{shown} 年起的乡镇界线"
                     + ("，即现行区划）" if shown == current else f"；现行区划为 {current or '未注明年份'} 年起）"))
    if args.format == "json":
        _emit(table, "json", notes=notes)
    else:
        _emit(with_chinese_headers(table), args.format, notes=notes)
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
    with store.transaction():  # the cases, permits and the demo reference layers together, or nothing
        counts = init_demo(store)
        layers = load_demo_layers(store, user=DEMO_USER)  # so that the demo shows 涉嫌犯罪移送 too
    print(f"已在 {store.path} 生成示例数据：{counts['cases']} 个案件，{counts['permits']} 个采矿许可证，"
          f"示例参考图层 {len(layers)} 个（{'、'.join(f'{LAYER_KINDS[k]} {n} 个要素' for k, n in layers.items())}）。")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Create a new, empty store: 代县 with its shipped boundaries, or (``--county``) any county-level division."""
    store = new_empty_store(args.db, adcode=args.county, name=args.name)
    if args.county is None:
        print(f"已新建案件库 {store.path}（含县界和乡镇界线，没有案件）；可用 import、import-permits 导入台账和许可证。")
        return 0
    c = county_of(store)
    towns = "含县界和乡镇界线" if len(store.townships()) else "含县界，未加载乡镇界线（乡镇核查将跳过）"
    print(f"已新建案件库 {store.path}：{c.name}（行政区划代码 {c.adcode}），CGCS2000 3 度带第 {c.zone} 带"
          f"（中央经线 {c.central_meridian:g}°E，EPSG:{c.epsg_with_prefix} 带带号 / EPSG:{c.epsg_without_prefix} 不带带号）；"
          f"{towns}，没有案件。可用 load-townships 载入官方乡镇界线，用 import、import-permits 导入台账和许可证。")
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
    again = (f"python -m cases restore \"{out}\" --db \"{store.path}\" --force" if isinstance(store.path, Path)
             else f"python -m cases migrate --from \"{out}\" --to \"{store.path}\" --force")
    print(f"已把案件库 {store.path} 备份到 {out}（{n} 个案件）。恢复：{again}")
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
    """Load an official township layer as the division valid from ``--year`` (default: the year of the division
    whose townships it names), keeping the other divisions; the newest is the current one."""
    if (args.file is None) == (args.derive is None):
        raise ValidationError("请给出乡镇界线文件，或用 --derive 年份 由现有界线按区划调整推算（二者选一）")
    store, user = store_for(args)
    county = store.county()
    divisions = store_divisions(store)
    if args.derive is not None:
        if divisions is None or store.townships().empty:
            raise ValidationError("该县没有区划数据或案件库中没有乡镇界线，无法推算；请用 load-townships 文件 载入官方乡镇界线")
        towns, year = derived_division(store.townships(), divisions, args.derive), divisions.at(args.derive).valid_from
        how = "由现有乡镇界线按区划调整（data/divisions/）推算出"
    else:
        towns = read_township_file(args.file, name_field=args.name_field, county=county, division=county_of(store))
        how = f"已用 {args.file} 载入"
        year, order = layer_division(list(towns["name"]), divisions, year=args.year,
                                     county=str(county["name"].iloc[0]) if len(county) else COUNTY)
        towns = towns.set_index("name").loc[list(order)].reset_index()
    store.add_township_division(towns, year=year, user=user)
    years = store.township_years()
    current = years[-1] if years else year
    state = "现行区划" if current == year else f"较早的区划；现行区划为 {current} 年起的乡镇界线"
    kind = "示意界线" if towns["approximate"].any() else "官方界线"
    print(f"{how} {year} 年起的乡镇界线（{len(towns)} 个乡镇，{kind}，{state}），存入 {store.path}；"
          f"案件库中的区划：{'、'.join(f'{y} 年起' if y else '未注明年份' for y in years)}。")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    p = argparse.ArgumentParser(prog="python -m cases", description="代县用地用矿执法案件地图 casemap 命令行")
    sub = p.add_subparsers(dest="command", required=True)

    def add_db(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--db", help="案件库文件，或服务器上的案件库 postgresql://用户名@主机:端口/数据库名"
                                     "（默认 $CASEMAP_DB 或 data/casemap.db）")
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
    s.add_argument("--division", type=int, metavar="YEAR",
                   help="按该年的乡镇区划统计（默认现行区划，即最新载入的乡镇界线），如 --division 2019")
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
    i.add_argument("--county", metavar="ADCODE",
                   help="县级行政区的 6 位行政区划代码（默认代县 140923）：用随程序提供的县界和所在 3 度带，不含乡镇界线")
    i.add_argument("--name", metavar="NAME", help="县名（默认按行政区划代码取官方名称）")
    i.set_defaults(func=cmd_init)

    t = sub.add_parser("load-townships", help="载入官方乡镇界线（新的区划；保留以前的区划，最新的为现行区划）")
    t.add_argument("file", metavar="FILE", nargs="?", help="乡镇界线文件（用 --derive 时不需要）")
    t.add_argument("--derive", type=int, metavar="YEAR",
                   help="没有官方界线时：由现行乡镇界线按 data/divisions/ 的更名、合并表推算该年的区划（示意界线），"
                        "如代县 --derive 2021 得到 9 个乡镇")
    t.add_argument("--name-field", default="name", help="乡镇名称字段（默认 name）")
    t.add_argument("--year", type=int, metavar="YEAR",
                   help="该界线的生效年份（默认：按乡镇名称对应 data/divisions/ 中的区划年份）")
    add_db(t)
    t.set_defaults(func=cmd_load_townships)

    # Sub-commands of other modules: each module has register(sub, add_db).
    for module in (ledger_commands, briefing_commands, user_commands, triage_commands, migrate_commands,
                   evidence_commands):
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
