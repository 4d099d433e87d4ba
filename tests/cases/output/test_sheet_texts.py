"""案件核查单 of a land case or a mine without a permit: the header says 无, never nan."""

from __future__ import annotations

from pypdf import PdfReader

from cases.cli.main import main
from cases.demo import init_demo
from cases.store import open_store


def test_sheet_of_an_unlicensed_mine_says_no_permit(tmp_path):
    db = tmp_path / "demo.db"
    store = open_store(db, create=True)
    init_demo(store)
    cases = store.cases()
    unlicensed = cases[(cases["kind"] == "mining") & cases["permit_no"].isna()]["case_id"].iloc[0]
    land = cases[cases["kind"] == "land"]["case_id"].iloc[0]
    for case_id in (unlicensed, land):
        out = tmp_path / f"{case_id}.pdf"
        assert main(["sheet", case_id, "--out", str(out), "--db", str(db)]) == 0
        text = "\n".join(p.extract_text() for p in PdfReader(str(out)).pages)
        assert "nan" not in text.lower()
        assert "采矿许可证号：无" in text.replace(" ", "")
