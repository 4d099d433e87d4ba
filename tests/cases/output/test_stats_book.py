"""The 乡镇统计 workbook reads as a document: title, 数据截至, full category names, notes, widths, print set-up."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd

from cases.county import county_of
from cases.model import CATEGORIES
from cases.output.stats_book import stats_workbook
from cases.service import APPROX_NOTE, DEMO_NOTE, row_names, store_notes
from cases.stats import township_stats


def _book(store, **kw) -> openpyxl.Workbook:
    cases = store.cases()
    stats = township_stats(cases, townships=row_names(cases, store.townships()))
    data = stats_workbook(stats, county=county_of(store).name, as_of=dt.date(2019, 7, 15), notes=store_notes(store), **kw)
    return openpyxl.load_workbook(io.BytesIO(data))


def _texts(ws) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


class TestStatsWorkbook:
    def test_title_date_and_notes(self, demo):
        ws = _book(demo).active
        assert ws["A1"].value == "代县用地用矿案件分乡镇统计表"
        assert ws["A2"].value == "数据截至：2019年7月15日"
        texts = _texts(ws)
        assert APPROX_NOTE in texts and DEMO_NOTE in texts
        assert any(t.startswith("说明：") and "整改到位" in t for t in texts)

    def test_full_category_names_and_the_numbers(self, demo):
        ws = _book(demo).active
        header = ["乡镇", *(ws.cell(4, c).value for c in range(2, ws.max_column + 1))]
        for k, name in CATEGORIES.items():
            assert f"{k}. {name}" in header
        assert not any(str(h).startswith("类别") for h in header)
        assert ws.cell(3, 1).value == "乡镇" and "违法违规用地类别" in [ws.cell(3, c).value for c in range(1, 20)]
        rows = {ws.cell(r, 1).value: r for r in range(5, ws.max_row + 1)}
        total = rows["合计"]
        col = header.index("用地案件") + 1
        assert ws.cell(total, col).value == 66 and ws.cell(total, col).font.b
        assert ws.cell(rows["雁门关乡"], header.index("已销号") + 1).value is not None
        frame = pd.DataFrame([[ws.cell(r, c).value for c in range(1, ws.max_column + 1)] for r in range(5, total + 1)],
                             columns=header)
        cats = [f"{k}. {CATEGORIES[k]}" for k in CATEGORIES]
        assert frame.loc[frame["乡镇"] == "合计", cats].sum(axis=1).iloc[0] == 110

    def test_widths_print_setup_and_frozen_header(self, demo):
        ws = _book(demo).active
        assert ws.column_dimensions["A"].width >= 10 and ws.column_dimensions["D"].width >= 10
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$3:$4" and ws.freeze_panes == "B5"

    def test_division_named_when_not_the_current_one(self, demo):
        assert "区划：2018 年起的区划" in _book(demo, division="2018 年起的区划").active["A2"].value

    def test_township_text_is_never_a_formula(self, demo):
        stats = pd.DataFrame([{**{k: 0 for k in township_stats(demo.cases().iloc[0:0], townships=["x"]).columns},
                               "township": "=HYPERLINK(\"http://x\")"}])
        ws = openpyxl.load_workbook(io.BytesIO(stats_workbook(stats, county="代县", as_of=dt.date(2019, 7, 15),
                                                               notes=[]))).active
        assert ws.cell(5, 1).data_type == "s" and ws.cell(5, 1).value.startswith("=HYPERLINK")
