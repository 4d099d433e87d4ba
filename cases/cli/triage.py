"""Sub-commands ``load-layer``, ``triage`` and ``set-rules`` of ``python -m cases`` (天上看: 卫片图斑)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cases.cli.session import store_for
from cases.county import county_of
from cases.io.files import FORCE_HELP, check_output, guard_csv_frame
from cases.triage.files import OUT_SUFFIXES, write_triage_file
from cases.triage.layers import KINDS, kind_of, load_demo_layers, load_layer_file
from cases.triage.patches import flat_table, read_patches, records
from cases.triage.rules import save_rules, store_rules
from cases.triage.workflow import judge, referral_by_township, store_referrals
from geo.errors import ValidationError

_KIND_HELP = "、".join(f"{k}（{v}）" for k, v in KINDS.items())
_HEADERS = {"patch_id": "图斑编号", "township": "所在乡镇", "area_mu": "面积（亩）", "covered_by": "覆盖依据",
            "covered_share": "覆盖比例", "suggestion": "建议", "reason": "理由", "handled": "已处理情况"}


def _out():
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    return sys.stdout


def cmd_load_layer(args: argparse.Namespace) -> int:
    """Replace one reference layer of the store with a file (any CRS it declares); audited."""
    if args.demo:
        store, user = store_for(args)
        loaded = load_demo_layers(store, user=user)
        print(f"已载入示例参考图层（示例数据）：{'、'.join(f'{KINDS[k]} {n} 个要素' for k, n in loaded.items())}，"
              f"存入 {store.path}", file=_out())
        return 0
    if not args.kind or not args.file:
        raise ValidationError("请给出图层类型和文件：load-layer KIND FILE（或用 --demo 载入示例参考图层）")
    kind = kind_of(args.kind)
    store, user = store_for(args)
    n = load_layer_file(store, kind, args.file, user=user, name_field=args.name_field)
    print(f"已载入参考图层「{KINDS[kind]}」（{kind}）：{n} 个要素，来自 {args.file}，存入 {store.path}", file=_out())
    return 0


def cmd_set_rules(args: argparse.Namespace) -> int:
    """Check a rule file and keep it as the store's rules (county accounts)."""
    store, user = store_for(args)
    rules = save_rules(store, args.file, user=user)
    print(f"已把规则文件 {args.file} 存入案件库 {store.path}：" + json.dumps(rules.as_json(), ensure_ascii=False),
          file=_out())
    return 0


def cmd_triage(args: argparse.Namespace) -> int:
    """Judge every patch of a 卫片图斑 file against the store's reference layers; print or write the result."""
    if args.out:
        check_output(args.out, force=args.force)
        if Path(args.out).suffix.lower() not in OUT_SUFFIXES:
            raise ValidationError(f"--out 文件「{Path(args.out).name}」的类型不支持，应为 .xlsx（核查台账）或 .gpkg（图斑图层）")
    store, _ = store_for(args)
    rules = store_rules(store, args.rules)
    county = county_of(store)
    patches = read_patches(args.patches_file, id_field=args.id_field, division=county, county=store.county())
    results = judge(store, patches, rules=rules)
    kinds = list(results["overlaps"].iloc[0]) if len(results) else []
    out = _out()
    if args.out:
        write_triage_file(results, patches, args.out, kinds=kinds, county=county.name, year=args.year,
                          as_of=dt.date.today(), rules_source=rules.source)
    if args.format == "json":
        out.write(json.dumps(records(results), ensure_ascii=False, indent=1) + "\n")
    else:
        flat = flat_table(results, kinds)
        if args.format == "csv":
            guard_csv_frame(flat).to_csv(out, index=False, lineterminator="\n")
        else:
            table = flat.rename(columns={**_HEADERS, **{f"{k}_mu": f"{KINDS.get(k, '采矿许可证')}（亩）" for k in kinds}})
            with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250):
                out.write(table.to_string(index=False) + "\n")
    counts = results["suggestion"].value_counts()
    summary = "、".join(f"{k} {counts.get(k, 0)} 个" for k in ("合法", "疑似违法", "需核实"))
    done = f"；已写出 {args.out}" if args.out else ""
    print(f"共研判图斑 {len(results)} 个：{summary}（规则：{rules.source}）{done}", file=sys.stderr)
    return 0


def cmd_referrals(args: argparse.Namespace) -> int:
    """List the store's cases over a criminal-referral threshold (or, ``--by-township``, the per-township counts)."""
    store, _ = store_for(args)
    rules = store_rules(store, args.rules)
    cases = store.cases()
    if args.by_township:
        table = referral_by_township(store, cases, rules=rules)
        if args.format == "json":
            _out().write(json.dumps(table.to_dict("records"), ensure_ascii=False, indent=1, default=int) + "\n")
            return 0
        table = table.rename(columns=_TOWN_HEADERS)
    else:
        ref = store_referrals(store, cases, rules=rules)
        over = ref["fired"].map(bool).to_numpy()
        persons = cases["criminal_persons"].fillna(0).astype(int).to_numpy()
        recs = [{"case_id": c, "township": t, "rules": f, "criminal_persons": int(p)} for c, t, f, p in
                zip(ref["case_id"][over], cases["township"].astype(str)[over], ref["fired"][over], persons[over])]
        if args.format == "json":
            _out().write(json.dumps(recs, ensure_ascii=False, indent=1) + "\n")
            return 0
        table = pd.DataFrame({"案件编号": [r["case_id"] for r in recs], "乡镇": [r["township"] for r in recs],
                              "触发的规则与数字": list(ref["text"][over]), "追刑（人）": [r["criminal_persons"] for r in recs]})
    out = _out()
    if args.format == "csv":
        guard_csv_frame(table).to_csv(out, index=False, lineterminator="\n")
    else:
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250):
            out.write(table.to_string(index=False) + "\n")
    print(f"规则：{rules.source}", file=sys.stderr)
    return 0


_TOWN_HEADERS = {"township": "乡镇", "cases_over": "达到移送标准案件", "criminal_persons_over": "其中已追刑（人）",
                 "over_without_persons": "达到标准但未记录追刑", "criminal_persons": "全部追刑（人）"}


def register(sub: argparse._SubParsersAction, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add this module's sub-commands to the CLI."""
    ly = sub.add_parser("load-layer", help=f"载入参考图层（{'、'.join(KINDS.values())}），替换同类图层；"
                        "其他农用地（林地、园地、草地等）可选，未载入时其他农用地面积按上限估计")
    ly.add_argument("kind", metavar="KIND", nargs="?", help=f"图层类型：{_KIND_HELP}")
    ly.add_argument("file", metavar="FILE", nargs="?", help="图层文件（GeoPackage、Shapefile/.zip、GeoJSON、KML；须有坐标系）")
    ly.add_argument("--demo", action="store_true", help=f"载入随程序提供的 {len(KINDS)} 个示例参考图层（示例数据，data/demo_layers/）")
    ly.add_argument("--name-field", metavar="F", help="批文号/备案号/名称字段（默认按 批文号、备案号、name 等查找）")
    add_db(ly)
    ly.set_defaults(func=cmd_load_layer)

    t = sub.add_parser("triage", help="卫片图斑研判：逐个图斑对照参考图层，给出 合法/疑似违法/需核实 及理由")
    t.add_argument("patches_file", metavar="PATCHES_FILE")
    t.add_argument("--id-field", metavar="F", help="图斑编号字段（默认按 图斑编号、监测编号、patch_id 等查找）")
    t.add_argument("--format", choices=("json", "csv", "table"), default="table")
    t.add_argument("--out", metavar="FILE.xlsx|.gpkg", help="另写出核查台账（.xlsx，可签字）或图斑图层（.gpkg）")
    t.add_argument("--force", action="store_true", help=FORCE_HELP)
    t.add_argument("--rules", metavar="FILE", help="规则文件（默认：案件库中的规则，或 data/rules/default.json）")
    t.add_argument("--year", type=int, metavar="YEAR", help="卫片执法检查年度（写入台账标题）")
    add_db(t)
    t.set_defaults(func=cmd_triage)

    f = sub.add_parser("referrals", help="达到涉嫌犯罪移送标准的案件（触发的规则与数字），或 --by-township 分乡镇统计")
    f.add_argument("--by-township", action="store_true", help="分乡镇：达到标准的案件数与已记录的追刑人数")
    f.add_argument("--rules", metavar="FILE", help="规则文件（默认：案件库中的规则，或 data/rules/default.json）")
    f.add_argument("--format", choices=("json", "csv", "table"), default="table")
    add_db(f)
    f.set_defaults(func=cmd_referrals)

    r = sub.add_parser("set-rules", help="检查规则文件（研判比例、涉嫌犯罪移送标准）并存入案件库")
    r.add_argument("file", metavar="FILE")
    add_db(r)
    r.set_defaults(func=cmd_set_rules)

