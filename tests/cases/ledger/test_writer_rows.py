"""Ledger export: the data rows written as sheet XML (cases.ledger._xlsxrows) read back exactly as openpyxl's
own cells did — text as text (line breaks, carriage returns, outer spaces, markup, "=…"), numbers as numbers,
dates as dates in the 年月日 format, one style per kind of cell — and every row number appears once."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import openpyxl
from shapely.geometry import Point

from cases.ledger.importer import import_ledger
from cases.ledger.writer import write_ledger
from cases.model import Case
from tests.cases.ledger_fixtures import empty_store

AWKWARD = " 前后有空格 & <b>标记</b>\r\n第二行\t制表 "


def _case(i: int, **kw) -> Case:
    return Case(case_id=f"YD-{i}", kind="land", category=1, township="峨口镇", geometry=Point(113.2, 39.085 + i / 1e4),
                seq=i, **kw)


class TestSplicedRows:
    def test_text_numbers_and_dates_read_back_as_written(self, tmp_path):
        store = empty_store(tmp_path / "t.db")
        store.upsert_cases([_case(1, summary=AWKWARD, remarks="=SUM(A1:A2)", area_mu_declared=12.345678901234567,
                                  filing_date=dt.date(2019, 7, 3), filing_authority="代县自然资源局"),
                            _case(2, summary="", criminal_persons=2)], user="t")
        path = write_ledger(store.cases(), tmp_path / "x.xlsx", kind="land", fill_date=dt.date(2019, 7, 15))
        ws = openpyxl.load_workbook(path).active
        head = {ws.cell(5, c).value or ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
        summary, filed, remarks = head["基本情况（摘要）"], head["立案时间"], head["备注"]
        assert ws.cell(6, summary).value == AWKWARD and ws.cell(6, summary).data_type == "s"
        assert ws.cell(6, remarks).value == "=SUM(A1:A2)" and ws.cell(6, remarks).data_type == "s"
        assert ws.cell(6, remarks).quotePrefix  # typed over in Excel it stays text, never a formula
        assert ws.cell(6, 1).value == 1 and isinstance(ws.cell(6, 1).value, int)
        assert ws.cell(6, filed).value == dt.datetime(2019, 7, 3) and ws.cell(6, filed).number_format == 'yyyy"年"m"月"d"日"'
        assert ws.cell(7, filed).value is None and ws.cell(7, summary).value is None
        assert ws.cell(6, summary).font.name == "宋体" and ws.cell(6, summary).border.left.style == "thin"
        assert ws.cell(6, summary).alignment.horizontal == "left" and ws.cell(6, 1).alignment.horizontal == "center"
        assert ws.cell(6, head["案件编号"]).fill.fgColor.rgb.endswith("EDEDED")
        assert ws.freeze_panes == "D6" and ws.cell(8, 1).value == "填表说明"
        with zipfile.ZipFile(path) as z:
            rows = re.findall(rb'<row r="(\d+)"', z.read("xl/worksheets/sheet1.xml"))
        assert len(rows) == len(set(rows)) and [int(r) for r in rows] == sorted(int(r) for r in rows)

    def test_awkward_text_survives_the_round_trip(self, tmp_path):
        store = empty_store(tmp_path / "t.db")
        # (the importer trims a cell's outer spaces, so the round trip is checked with inner ones only)
        store.upsert_cases([_case(1, summary="违法 & <b>占地</b>\n第二行", penalty="罚款 & 没收 <全部>", remarks="=1+1")],
                           user="t")
        path = write_ledger(store.cases(), tmp_path / "x.xlsx", kind="land")
        assert import_ledger(store, path, dry_run=True).unchanged == ["YD-1"]
        fresh = empty_store(tmp_path / "fresh.db")
        import_ledger(fresh, path)
        got = fresh.get_case("YD-1")
        assert (got.summary, got.penalty, got.remarks) == ("违法 & <b>占地</b>\n第二行", "罚款 & 没收 <全部>", "=1+1")

    def test_empty_ledger_has_header_and_footer_only(self, tmp_path):
        path = write_ledger(empty_store(tmp_path / "t.db").cases(), tmp_path / "x.xlsx", kind="mining")
        ws = openpyxl.load_workbook(path).active
        assert ws.cell(7, 1).value == "填表说明" and ws.print_area.endswith("$A$1:$M$9")
