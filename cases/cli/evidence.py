"""``python -m cases attach CASE_ID PHOTO…`` and ``python -m cases photos CASE_ID``: field photos of a case."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cases.cli.session import store_for
from cases.evidence import attach_photos, photo_records
from cases.evidence.images import check_photo_size
from cases.model import STATUSES
from geo.errors import ValidationError


def _utf8(stream):
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(encoding="utf-8")
    return stream


def _read(paths: list[str]) -> list[tuple[str, bytes]]:
    """(name, bytes) of each photo file; ValidationError naming every missing, empty or too large one (its size
    is checked before it is read)."""
    out, errors = [], []
    for text in paths:
        path = Path(text)
        if not path.is_file():
            errors.append(f"照片文件「{text}」不存在或不是文件")
            continue
        try:
            check_photo_size(path.stat().st_size, name=path.name)
            out.append((path.name, path.read_bytes()))
        except ValidationError as exc:
            errors.append(str(exc))
        except OSError as exc:
            errors.append(f"照片文件「{text}」无法读取：{exc.strerror or exc}")
    if errors:
        raise ValidationError("；".join(errors) + "。本次未保存任何照片")
    return out


def cmd_attach(args: argparse.Namespace) -> int:
    """Attach photos to a case: all or nothing, audited; duplicates are skipped with a note."""
    store, user = store_for(args)
    report = attach_photos(store, args.case_id, _read(args.photos), note=args.note or "",
                           proposed_status=args.propose_status, user=user)
    out = _utf8(sys.stdout)
    for rec in report.added:
        where = f"东经 {rec['lon']:.6f}° 北纬 {rec['lat']:.6f}°" if rec["lon"] is not None else "无位置"
        dist = f"，距案件 {rec['distance_m']:.1f} 米" if rec["distance_m"] is not None else ""
        flags = f"，{'、'.join(rec['flag_labels'])}" if rec["flag_labels"] else ""
        out.write(f"已保存 {rec['original_name']} → {rec['file']}（拍摄 {rec['taken_at'] or '时间不详'}，{where}{dist}{flags}）\n")
    if report.proposed_status and report.added:
        out.write(f"已记录建议状态：{report.proposed_status}\n")
    for note in report.notes:
        print(note, file=_utf8(sys.stderr))
    out.write(f"案件 {args.case_id}：新增 {len(report.added)} 张照片。\n")
    return 0


def cmd_photos(args: argparse.Namespace) -> int:
    """List the photos of a case with their time, position, distance and flags."""
    store, _ = store_for(args)
    records = photo_records(store, args.case_id)
    out = _utf8(sys.stdout)
    if args.format == "json":
        out.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
        return 0
    if not records:
        out.write(f"案件 {args.case_id} 还没有现场照片。\n")
        return 0
    table = pd.DataFrame({
        "文件": [r["file"] for r in records],
        "原文件名": [r["original_name"] for r in records],
        "拍摄时间": [r["taken_at"] or "" for r in records],
        "经度": [f"{r['lon']:.6f}" if r["lon"] is not None else "" for r in records],
        "纬度": [f"{r['lat']:.6f}" if r["lat"] is not None else "" for r in records],
        "距案件（米）": [f"{r['distance_m']:.1f}" if r["distance_m"] is not None else "" for r in records],
        "标记": ["、".join(r["flag_labels"]) for r in records],
        "备注": [r["note"] or "" for r in records],
    })
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250):
        out.write(table.to_string(index=False) + "\n")
    return 0


def register(sub: argparse._SubParsersAction, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``attach`` and ``photos`` to the CLI."""
    a = sub.add_parser("attach", help="为案件添加现场照片（读取拍摄时间和卫星定位，计算与案件的距离）")
    a.add_argument("case_id", metavar="CASE_ID")
    a.add_argument("photos", metavar="PHOTO", nargs="+", help="照片文件（JPEG、PNG、HEIC）")
    a.add_argument("--note", metavar="TEXT", help="现场核查备注")
    a.add_argument("--propose-status", choices=STATUSES, metavar="STATUS",
                   help=f"建议的办理状态（记入审计记录，不直接修改案件）：{'、'.join(STATUSES)}")
    add_db(a)
    a.set_defaults(func=cmd_attach)

    p = sub.add_parser("photos", help="列出案件的现场照片：拍摄时间、位置、与案件的距离和标记")
    p.add_argument("case_id", metavar="CASE_ID")
    p.add_argument("--format", choices=("json", "table"), default="table")
    add_db(p)
    p.set_defaults(func=cmd_photos)
