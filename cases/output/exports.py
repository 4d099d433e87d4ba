"""One export as a download: the 附件2/附件3 ledger workbook or a geodata file, as (file name, bytes)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from cases.assignment import township_scope
from cases.county import county_of
from cases.io.exchange import export_geodata
from cases.ledger.writer import TITLES, write_ledger
from cases.store import CaseStore


def export_name(store: CaseStore, fmt: str, *, township: str | None = None) -> str:
    """The file name of one export (known before the file is built, for a deferred download)."""
    suffix = f"_{township}" if township else ""
    county = county_of(store).name
    if fmt in ("land.xlsx", "mining.xlsx"):
        return f"{TITLES[fmt.split('.')[0]][1].format(county=county)}{suffix}.xlsx"
    return f"{county}用地用矿案件{suffix}{fmt}"


def export_bytes(store: CaseStore, fmt: str, *, township: str | None = None) -> tuple[str, bytes]:
    """(file name, content) of one export: ``land.xlsx``/``mining.xlsx`` (附件2/附件3) or a geodata format."""
    with tempfile.TemporaryDirectory() as tmp:
        county = county_of(store).name
        name = export_name(store, fmt, township=township)
        if fmt in ("land.xlsx", "mining.xlsx"):
            kind = fmt.split(".")[0]
            cases = store.cases()
            chosen, current, _ = township_scope(store, cases, township)
            path = write_ledger(cases, Path(tmp) / name, kind=kind, township=chosen, current=current, county=county)
        else:
            path = Path(export_geodata(store, Path(tmp) / name, township=township)["path"])
        return name, path.read_bytes()
