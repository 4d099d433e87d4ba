"""Sub-commands ``snapshot``, ``sheet`` and ``bulletin`` of ``python -m cases`` (briefing outputs)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from cases.cli.session import store_for
from cases.filters import parse_filters
from cases.io.files import FORCE_HELP, check_output
from cases.model import parse_date
from cases.output.bulletin_files import write_bulletin
from cases.output.sheets import township_case_ids, write_sheets
from cases.output.snapshots import SnapshotRequest, write_snapshot
from geo.errors import ValidationError

FILTER_HELP = ("筛选条件 键=值，可重复；同一键的多个值为“或”（可用逗号分隔），不同键为“且”。键：kind（land/mining 或 用地/采矿）、"
               "status（办理状态）、flag（核查标记代码或中文，如 OUT_OF_BOUNDS/越界开采）、category（1–10 或简称）、"
               "township（乡镇）。例：--filter kind=mining --filter status=已立案 --filter flag=OUT_OF_BOUNDS --filter category=7")

DIVISION_HELP = "按该年施行的乡镇区划划分乡镇（默认现行区划）；案件按其在该区划中的乡镇，旧乡镇名按撤并表换算"


def _date(text: str | None, label: str):
    return parse_date(text, field_label=label) if text else None


def cmd_snapshot(args: argparse.Namespace) -> int:
    """Write a map snapshot (PNG or PDF)."""
    check_output(args.out, force=args.force)
    store, _ = store_for(args)
    request = SnapshotRequest(township=args.township, case_id=args.case, case_filter=parse_filters(args.filter),
                              title=args.title, unit=args.unit, date=_date(args.date, "--date"),
                              division=args.division, layers=tuple(args.layer))
    path = write_snapshot(store, args.out, request, size=args.size, landscape=args.landscape, dpi=args.dpi)
    orient = "横向" if args.landscape else "纵向"
    print(f"已生成地图：{path}（{args.size} {orient}，{args.dpi:g} dpi）")
    return 0


def cmd_sheet(args: argparse.Namespace) -> int:
    """Write the check sheet of one case, or the atlas of a township (one page per case)."""
    if bool(args.case_id) == bool(args.township):
        raise ValidationError("请给出一个案件编号（sheet CASE_ID --out 文件.pdf），或用 --township 乡镇 生成该乡镇全部案件的核查单图册，二者选一")
    check_output(args.out, force=args.force)
    store, _ = store_for(args)
    ids = [args.case_id] if args.case_id else township_case_ids(store, args.township)
    pages = write_sheets(store, args.out, ids, unit=args.unit, day=_date(args.date, "--date"))
    what = f"案件 {args.case_id} 的核查单" if args.case_id else f"{args.township}核查单图册（{pages} 个案件）"
    print(f"已生成{what}：{args.out}，共 {pages} 页")
    return 0


def cmd_bulletin(args: argparse.Namespace) -> int:
    """Write the semimonthly bulletin (.docx or .pdf)."""
    check_output(args.out, force=args.force)
    store, _ = store_for(args)
    day = _date(args.date, "--date")
    path, bulletin = write_bulletin(store, args.out, day=day, since=_date(args.since, "--since"), unit=args.unit,
                                    division=args.division)
    print(f"已生成通报：{path}（{bulletin.title_date}，第 {bulletin.number} 期，按该日案件状态列案件 {len(bulletin.case_ids)} 起，"
          f"变化统计自 {bulletin.since_text}）")
    return 0


def register(sub: argparse._SubParsersAction, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add this module's sub-commands to the CLI."""
    s = sub.add_parser("snapshot", help="导出地图（PNG/PDF）：图名、图例、比例尺、指北针、坐标系说明、制图单位")
    s.add_argument("--township", metavar="NAME", help="只画该乡镇（范围与案件）")
    s.add_argument("--case", metavar="ID", help="以该案件为中心（含其采矿许可范围）")
    s.add_argument("--filter", action="append", metavar="KEY=VALUE", help=FILTER_HELP)
    s.add_argument("--out", required=True, metavar="FILE.png|.pdf", help="输出文件，按扩展名输出 PNG 或 PDF")
    s.add_argument("--dpi", type=float, default=150, help="分辨率（PNG 像素密度），默认 150")
    s.add_argument("--size", type=str.upper, choices=("A4", "A3"), default="A4", help="纸张大小，默认 A4")
    s.add_argument("--landscape", action="store_true", help="横向（默认纵向）")
    s.add_argument("--title", help="图名（默认按范围自动生成）")
    s.add_argument("--unit", help="制图单位（默认 代县自然资源局）")
    s.add_argument("--date", metavar="YYYY-MM-DD", help="图上日期（默认今天）")
    s.add_argument("--division", type=int, metavar="YEAR", help=DIVISION_HELP)
    s.add_argument("--layer", action="append", default=[], metavar="KIND",
                   help="同时绘出参考图层（可重复）：basic_farmland、cropland、other_farmland、eco_redline、urban_boundary、"
                        "approved_land、facility_ag 或中文名（须已用 load-layer 载入）")
    s.add_argument("--force", action="store_true", help=FORCE_HELP)
    add_db(s)
    s.set_defaults(func=cmd_snapshot)

    h = sub.add_parser("sheet", help="案件核查单（PDF，A4 一页）；--township 生成乡镇核查单图册（每案一页）")
    h.add_argument("case_id", nargs="?", metavar="CASE_ID")
    h.add_argument("--township", metavar="NAME", help="该乡镇全部案件，每案一页")
    h.add_argument("--out", required=True, metavar="FILE.pdf")
    h.add_argument("--unit", help="制表单位（默认 代县自然资源局）")
    h.add_argument("--date", metavar="YYYY-MM-DD", help="生成日期（默认今天）")
    h.add_argument("--force", action="store_true", help=FORCE_HELP)
    add_db(h)
    h.set_defaults(func=cmd_sheet)

    b = sub.add_parser("bulletin", help="半月通报（每月15日、30日）：阶段、分乡镇进展、全县分布图、逾期事项、本期变化")
    b.add_argument("--date", required=True, metavar="YYYY-MM-DD",
                   help="通报日期：正文、分乡镇表、分布图、逾期事项和本期变化均按该日结束时的案件状态（由审计记录重建）；"
                        "早于案件库第一条案件记录的日期无法重建，不予生成并说明原因；该日之后才录入的案件不计入")
    b.add_argument("--since", metavar="YYYY-MM-DD",
                   help="变化统计起始日（默认上一期通报日，即此前最近的15日或30日）：比较该日开始时与通报日结束时的案件状态")
    b.add_argument("--out", required=True, metavar="FILE.docx|.pdf", help="输出 Word（.docx，可编辑）或 PDF")
    b.add_argument("--unit", help="发文单位（默认 县专项行动领导组办公室）")
    b.add_argument("--division", type=int, metavar="YEAR",
                   help="按该年施行的乡镇区划划分乡镇（默认通报日期所在年份施行的区划）；案件按其在该区划中的乡镇")
    b.add_argument("--force", action="store_true", help=FORCE_HELP)
    add_db(b)
    b.set_defaults(func=cmd_bulletin)
