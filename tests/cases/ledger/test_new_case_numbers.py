"""A case added by hand gets its township ledger's next 序号; an unchanged export re-imports with 0 changes."""

from __future__ import annotations

import shapely

from cases.cli.main import main
from cases.ledger.rows import next_seq
from cases.model import Case
from cases.output.sheets import ledger_rows
from tests.cases.conftest import copy_store

#: A 基本情况 naming a time, a place and an area, with those ledger columns left blank (as 案件管理 saves it).
SUMMARY = "违法主体：张某；违法时间：2019年3月；地点：峨口镇某村；占地5.2亩建房"


def _added(store, *, seq: int | None) -> Case:
    case = Case(case_id="YD-2019-NEW", kind="land", category=1, township="峨口镇", summary=SUMMARY, party="张某",
                geometry=shapely.Point(113.2, 39.085), seq=seq)
    store.upsert_cases([case], user="测试")
    return case


class TestNextSeq:
    def test_one_more_than_the_township_ledger(self, demo):
        cases = demo.cases()
        mine = cases[(cases["kind"] == "land") & (cases["township"] == "峨口镇")]
        assert next_seq(cases, kind="land", township="峨口镇") == int(mine["seq"].max()) + 1 == 58
        assert next_seq(cases, kind="mining", township="峨口镇") == 42
        assert next_seq(cases, kind="land", township="没有案件的乡镇") == 1
        assert next_seq(cases.iloc[0:0], kind="land", township="峨口镇") == 1


class TestUnchangedExportReimports:
    def test_case_added_by_hand_round_trips_with_no_change(self, demo, tmp_path, capsys):
        db = tmp_path / "c.db"
        store = copy_store(demo, db)
        _added(store, seq=next_seq(store.cases(), kind="land", township="峨口镇"))
        store.close_all()
        out = tmp_path / "附件2.xlsx"
        assert main(["export-ledger", "--kind", "land", "--out", str(out), "--db", str(db)]) == 0
        capsys.readouterr()
        assert main(["import", str(out), "--db", str(db), "--dry-run"]) == 0
        assert "将导入 67 个案件：新增 0 个，变更 0 个，未变 67 个（试运行，未写入）" in capsys.readouterr().out

    def test_blank_fact_cells_with_a_changed_summary_are_still_read_from_it(self, demo, tmp_path):
        from cases.ledger.importer import import_ledger
        from cases.ledger.writer import write_ledger

        store = copy_store(demo, tmp_path / "c.db")
        _added(store, seq=58)
        path = write_ledger(store.cases(), tmp_path / "l.xlsx", kind="land")
        import openpyxl

        wb = openpyxl.load_workbook(path)
        ws = wb.active
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == SUMMARY:
                    cell.value = SUMMARY.replace("2019年3月", "2019年4月")
        wb.save(path)
        rep = import_ledger(store, path, dry_run=True)
        assert "违法时间" in rep.changed["YD-2019-NEW"]
        store.close_all()


class TestSheetNumbers:
    def test_seq_prints_as_a_whole_number(self, demo, tmp_path):
        store = copy_store(demo, tmp_path / "c.db")
        _added(store, seq=None)  # one case without 序号: the column comes back as floats
        cases = store.cases()
        rec = cases[cases["case_id"] == "CK-2019-004"].iloc[0].to_dict()
        pairs, _ = ledger_rows(rec)
        cells = [c for row in pairs for c in row]
        assert cells[cells.index("序号") + 1] == "4"
        store.close_all()
