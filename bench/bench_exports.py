"""Benchmark of the export writers with 10,000 cases: the 附件2/附件3 ledger xlsx and the KMZ (target ≤ 3 s each).

    python -m bench.bench_exports [--cases 10000] [--repeat 2] [--check]

Each writer is timed against the writer it replaced (:mod:`bench._export_baseline`, the per-cell openpyxl
styling and the ElementTree KML) in the same process, on a store of the demo cases replicated and jittered
(:func:`bench.bench_map.big_store`), and the ratio printed.  The KML is checked to be byte for byte the
baseline's; ``--check`` also compares every ledger cell (value, type, font, border, alignment, fill,
number format, quote prefix), merged ranges, row heights and print set-up with the baseline's (slow).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import tempfile
import zipfile
from pathlib import Path

import openpyxl

from bench import _export_baseline as baseline
from bench._timing import best_of
from bench.bench_map import big_store
from cases.county import county_of
from cases.io.exchange import export_geodata, select
from cases.io.kml import write_kmz
from cases.ledger.writer import write_ledger

LIMIT_S = 3.0
DAY = dt.date(2026, 1, 1)


def timed(fn, repeat: int) -> float:
    """:func:`best_of`, after collecting the garbage the previous writer left (a baseline workbook is about a
    million objects: scanning them would be charged to whatever runs next)."""
    gc.collect()
    return best_of(fn, repeat)


def workbook_signature(path: Path) -> list:
    """Everything a reader sees of a workbook: sheets, print set-up, merged ranges, sizes and every cell."""
    wb = openpyxl.load_workbook(path)
    out: list = []
    for ws in wb.worksheets:
        out.append((ws.title, ws.sheet_state, sorted(map(str, ws.merged_cells.ranges)), ws.freeze_panes,
                    ws.print_title_rows, ws.print_area, ws.page_setup.orientation, ws.page_setup.paperSize,
                    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight, ws.oddFooter.center.text, ws.max_row,
                    ws.max_column))
        out.append(sorted((k, v.height) for k, v in ws.row_dimensions.items() if v.height))
        out.append(sorted((k, v.width) for k, v in ws.column_dimensions.items()))
        out += [(c.coordinate, c.value, c.data_type, repr(c.font), repr(c.border), repr(c.alignment), repr(c.fill),
                 c.number_format, c.quotePrefix) for row in ws.iter_rows() for c in row]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--check", action="store_true", help="compare every ledger cell with the baseline's (slow)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        store = big_store(tmp / "big.db", args.cases)
        cases = store.cases()
        print(f"{len(cases)} 个案件（用地 {int((cases['kind'] == 'land').sum())}，采矿 {int((cases['kind'] == 'mining').sum())}）")
        for kind in ("land", "mining"):
            old_path, new_path = tmp / f"old_{kind}.xlsx", tmp / f"new_{kind}.xlsx"
            old = timed(lambda p=old_path, k=kind: baseline.write_ledger(cases, p, kind=k, fill_date=DAY), args.repeat)
            new = timed(lambda p=new_path, k=kind: write_ledger(cases, p, kind=k, fill_date=DAY), args.repeat)
            same = workbook_signature(old_path) == workbook_signature(new_path) if args.check else None
            print(f"台账 {kind:6s}: 原 {old:6.2f} s → 现 {new:5.2f} s，快 {old / new:5.1f} 倍"
                  f"{'' if same is None else '；内容相同' if same else '；内容不同！'}"
                  f"（目标 ≤ {LIMIT_S:.0f} s：{'达到' if new <= LIMIT_S else '未达到'}）")

        title = f"{county_of(store).name}用地用矿执法案件"

        def old_kmz() -> bytes:
            c, p = select(store)
            kml = baseline.kml_bytes(c, p, title=title)
            write_kmz(tmp / "old.kmz", kml)
            return kml

        old = timed(old_kmz, args.repeat)
        new = timed(lambda: export_geodata(store, tmp / "new.kmz"), args.repeat)
        with zipfile.ZipFile(tmp / "new.kmz") as z:
            same = z.read("doc.kml") == old_kmz()
        print(f"KMZ       : 原 {old:6.2f} s → 现 {new:5.2f} s，快 {old / new:5.1f} 倍；doc.kml {'逐字节相同' if same else '不同！'}"
              f"（目标 ≤ {LIMIT_S:.0f} s：{'达到' if new <= LIMIT_S else '未达到'}）")


if __name__ == "__main__":
    main()
