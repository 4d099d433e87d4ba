"""Sub-commands ``import``, ``import-permits``, ``export-ledger`` and ``export`` of ``python -m cases``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from cases.assignment import township_scope
from cases.cli.session import store_for
from cases.county import county_of
from cases.io.exchange import export_geodata
from cases.io.files import FORCE_HELP, check_output
from cases.ledger.importer import import_ledger
from cases.ledger.permits import import_permits
from cases.ledger.writer import ledger_selection, write_ledger
from cases.service import store_notes
from geo.errors import LedgerFormatError


def _err() -> object:
    if hasattr(sys.stderr, "reconfigure"):
        sys.stderr.reconfigure(encoding="utf-8")
    return sys.stderr


def _out() -> object:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    return sys.stdout


def text_progress() -> Callable[[float, str], None]:
    """A progress callback drawing ``导入进度 [####......]  40% message`` on stderr."""
    err = _err()
    tty = getattr(err, "isatty", lambda: False)()
    last = [-1]

    def show(fraction: float, message: str) -> None:
        pct = int(round(fraction * 100))
        if not tty and pct - last[0] < 25 and pct < 100:
            return
        last[0] = pct
        bar = "#" * (pct // 5) + "." * (20 - pct // 5)
        end = "\n" if (pct >= 100 or not tty) else ""
        print(f"\r导入进度 [{bar}] {pct:3d}% {message}", end=end, file=err, flush=True)

    return show


def _notes(notes: list[str], out) -> None:
    """Print each note as ``提示：…``."""
    for note in notes:
        print(f"提示：{note}", file=out)


def cmd_import(args: argparse.Namespace) -> int:
    """Import a ledger (xlsx/xls/csv or geodata) into the store, all or nothing."""
    if args.key and not args.geometry:
        raise LedgerFormatError("--key 需与 --geometry 一起使用（--key 是几何文件中的关联字段）")
    store, user = store_for(args, fallback_user="命令行导入")
    rep = import_ledger(store, args.file, kind=args.kind, geometry=args.geometry, key=args.key,
                        dry_run=args.dry_run, user=user, progress=text_progress())
    out = _out()
    for sheet in rep.parsed.sheets:
        print(f"工作表「{sheet['sheet']}」：{sheet['title'] or '（无标题）'}，填报单位：{sheet['unit'] or '（未填）'}，"
              f"填报时间：{sheet['fill_date'] or '（未填）'}", file=out)
    print(rep.summary(), file=out)
    if rep.added:
        print(f"新增：{'、'.join(rep.added)}", file=out)
    for cid, labels in rep.changed.items():
        print(f"变更 {cid}：{'、'.join(labels)}", file=out)
    several = len(rep.parsed.sheets) > 1
    for row, res in rep.parsed.results:
        if res.missing:
            sheet = f"工作表「{row.sheet}」" if several else ""
            print(f"提示：{sheet}第 {row.row} 行 基本情况中未找到：{'、'.join(res.missing)}", file=out)
        _notes(res.notes, out)
    _notes(rep.parsed.notes, out)
    return 0


def cmd_import_permits(args: argparse.Namespace) -> int:
    """Import mining permits from 拐点坐标 text/xlsx or a geodata file."""
    store, user = store_for(args, fallback_user="命令行导入")
    rep = import_permits(store, args.file, user=user)
    out = _out()
    print(f"已导入 {len(rep['permits'])} 个采矿许可证：新增 {len(rep['added'])} 个，更新 {len(rep['changed'])} 个", file=out)
    for p in rep["permits"]:
        print(f"  {p.permit_no} {p.holder} {p.mineral} 有效期 {p.valid_from or '?'}–{p.valid_to or '?'} "
              f"标高 {p.elev_top if p.elev_top is not None else '?'}–{p.elev_bottom if p.elev_bottom is not None else '?'} 米",
              file=out)
    _notes(rep["notes"], out)
    return 0


def cmd_export_ledger(args: argparse.Namespace) -> int:
    """Write the 附件2/附件3 ledger of the store as xlsx."""
    check_output(args.out, force=args.force)
    store, _ = store_for(args)
    cases = store.cases()
    township, current, notes = township_scope(store, cases, args.township)
    path = write_ledger(cases, args.out, kind=args.kind, township=township, current=current,
                        county=county_of(store).name)
    n = len(ledger_selection(cases, kind=args.kind, township=township, current=current))
    name = "违法违规用地清单（附件2）" if args.kind == "land" else "非法违法采矿清单（附件3）"
    out = _out()
    print(f"已导出{name} {n} 行到 {path}（A4 横向，表头每页重复）", file=out)
    _notes(notes, out)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write cases and permits as GeoPackage, zipped Shapefile, GeoJSON, KML or KMZ."""
    check_output(args.file, force=args.force, option="FILE")
    store, _ = store_for(args)
    rep = export_geodata(store, args.file, township=args.township)
    out = _out()
    print(f"已导出 {rep['cases']} 个案件、{rep['permits']} 个采矿许可证到 {rep['path']}", file=out)
    _notes(rep["notes"] + store_notes(store), out)
    return 0


def register(sub: argparse._SubParsersAction, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add this module's sub-commands to the CLI."""
    i = sub.add_parser("import", help="导入附件2/附件3 台账（xlsx/xls/csv 或 GeoPackage/Shapefile/GeoJSON/KML/KMZ），全部成功才写入")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--kind", choices=("land", "mining"), help="台账类型：land 用地（附件2）/ mining 采矿（附件3）；默认按标题判断")
    i.add_argument("--geometry", metavar="GEOFILE", help="几何文件（GeoPackage、Shapefile/.zip、GeoJSON、KML、KMZ）")
    i.add_argument("--key", metavar="FIELD", help="几何文件中与案件编号（或序号）对应的字段")
    add_db(i)
    i.add_argument("--dry-run", action="store_true", help="只检查并显示将导入的内容，不写入")
    i.set_defaults(func=cmd_import)

    p = sub.add_parser("import-permits", help="导入采矿许可证（拐点坐标 txt/xlsx，或 GeoPackage/Shapefile/GeoJSON）")
    p.add_argument("file", metavar="FILE")
    add_db(p)
    p.set_defaults(func=cmd_import_permits)

    e = sub.add_parser("export-ledger", help="导出附件2/附件3 台账 xlsx（A4 横向，可直接打印签字）")
    e.add_argument("--kind", choices=("land", "mining"), required=True)
    e.add_argument("--township", metavar="NAME", help="只导出一个乡镇")
    e.add_argument("--out", metavar="FILE.xlsx", required=True)
    e.add_argument("--force", action="store_true", help=FORCE_HELP)
    add_db(e)
    e.set_defaults(func=cmd_export_ledger)

    x = sub.add_parser("export", help="导出案件和许可证：.gpkg、.shp.zip、.geojson、.kml、.kmz")
    x.add_argument("file", metavar="FILE")
    x.add_argument("--township", metavar="NAME", help="只导出一个乡镇")
    x.add_argument("--force", action="store_true", help=FORCE_HELP)
    add_db(x)
    x.set_defaults(func=cmd_export)
