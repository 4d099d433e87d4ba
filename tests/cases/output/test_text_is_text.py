"""Text is text in every output: map tooltips, printed maps and sheets (``$`` is no mathtext), the xlsx
ledger (``=…`` is no formula) and the CSV tables of a .shp.zip export (no formula injection)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from matplotlib.text import Text
from pypdf import PdfReader
from shapely.geometry import Point, box

from cases.io.exchange import export_geodata, read_geo_table
from cases.io.files import guard_csv_cell, unguard_csv_cell
from cases.ledger.importer import read_ledger
from cases.ledger.writer import write_ledger
from cases.output.bulletin_files import write_bulletin
from cases.output.casemap import build_case_map, case_id_from_tooltip
from cases.output.fonts import font_family
from cases.output.sheets import sheet_data, sheet_page, write_sheets
from cases.output.snapshots import SnapshotRequest, render_snapshot, write_snapshot
from geo.crs import STORAGE_CRS
from tests.geo.webmap.browser import inspect_map

IMG = '<img src=x onerror="window.__xss=1">'
FRAC = "$\\frac{1}{$"  # not valid mathtext: matplotlib raises when it tries to parse it
DOLLARS = "甲村$5号与$6号"  # valid mathtext: printed garbled (5号与 in italics, the $ gone) when parsed
HYPERLINK = '=HYPERLINK("http://example.invalid/x","点我")'


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(data) -> str:
    return _flat("".join(p.extract_text() for p in PdfReader(data).pages))


@pytest.fixture(scope="module")
def odd(demo):
    """The demo store with one land case whose 地点/基本情况 hold ``$`` and whose 备注/违法主体 start like formulas."""
    cid = "YD-2019-001"
    old = demo.get_case(cid)
    demo.update_case(cid, {"location": f"{DOLLARS}{FRAC}", "summary": f"在{DOLLARS}占地，见{FRAC}",
                           "remarks": HYPERLINK, "party": "@SUM(1+1)"},
                     expected_version=old.version, user="测试")
    return demo, cid


# -- map tooltips -----------------------------------------------------------------------------------
def _cases() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"case_id": [f"YD-1{IMG}", "CK-2<b>粗</b>"], "kind": ["land", "mining"], "category": [1, 6],
         "status": ["已立案", "排查发现"], "township": ["<b>峨口镇</b>", "峨口镇"]},
        geometry=[box(112.95, 39.03, 112.96, 39.04), Point(112.97, 39.05)], crs=STORAGE_CRS)


class TestCaseMapTooltips:
    def test_rendered_case_map_holds_no_markup(self):
        html = build_case_map(_cases()).get_root().render()
        assert "<img" not in html and "<b>粗" not in html and "<b>峨口镇" not in html
        assert "\\u003cimg src=x" in html  # the text is there, escaped for the script

    def test_in_chromium_no_image_is_made_and_ids_read_back(self, tmp_path):
        cases = _cases()
        out = inspect_map(build_case_map(cases), tmp_path)
        assert out["xss"] == 0 and out["imgs"] == 0 and out["bolds"] == 0
        assert f"YD-1{IMG}｜用地｜<b>峨口镇</b>｜已立案" in out["tips"]
        assert "CK-2<b>粗</b>｜采矿｜峨口镇｜排查发现" in out["tips"]
        # a click hands the tooltip's text back to the app, which finds the case by its literal id
        assert {case_id_from_tooltip(t, cases["case_id"]) for t in out["clicked"]} == set(cases["case_id"])


# -- matplotlib: $ is a dollar sign ---------------------------------------------------------------------
def _parsed_texts(fig) -> list[str]:
    """Texts on ``fig`` that matplotlib would read as mathtext."""
    return [t.get_text() for t in fig.findobj(Text) if t.get_text() and t.get_parse_math()]


class TestDollarSigns:
    def test_every_text_of_sheet_and_snapshot_is_drawn_as_typed(self, odd):
        store, cid = odd
        data = sheet_data(store, [cid], unit=DOLLARS)[0]
        assert _parsed_texts(sheet_page(data, font=font_family()).fig) == []
        fig = render_snapshot(store, SnapshotRequest(case_id=cid, title=f"案件{FRAC}位置图", unit=DOLLARS))
        assert _parsed_texts(fig) == []

    def test_check_sheet_pdf_holds_the_literal_text(self, odd, tmp_path):
        store, cid = odd
        out = tmp_path / "sheet.pdf"
        assert write_sheets(store, out, [cid], unit=DOLLARS) == 1
        text = _pdf_text(out)
        assert _flat(f"{DOLLARS}{FRAC}") in text and _flat(f"在{DOLLARS}占地，见{FRAC}") in text
        assert f"制表单位：{DOLLARS}" in text

    def test_snapshot_png_and_pdf_are_written(self, odd, tmp_path):
        store, cid = odd
        request = SnapshotRequest(case_id=cid, title=f"案件{FRAC}位置图", unit=DOLLARS)
        write_snapshot(store, tmp_path / "s.png", request, dpi=40)
        assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"
        write_snapshot(store, tmp_path / "s.pdf", request)
        text = _pdf_text(tmp_path / "s.pdf")
        assert f"案件{FRAC}位置图" in text and f"制图单位：{DOLLARS}" in text

    def test_bulletin_pdf_holds_the_literal_text(self, odd, tmp_path):
        store, _ = odd
        path, _ = write_bulletin(store, tmp_path / "b.pdf", day=dt.date(2019, 7, 15), unit=f"{DOLLARS}{FRAC}")
        assert _flat(f"{DOLLARS}{FRAC}") in _pdf_text(path)


# -- spreadsheets: =… is no formula ---------------------------------------------------------------------
class TestLedgerXlsx:
    def test_formula_like_remarks_stay_text_and_read_back_the_same(self, odd, tmp_path):
        store, cid = odd
        path = write_ledger(store.cases(), tmp_path / "land.xlsx", kind="land")
        ws = openpyxl.load_workbook(path).active
        cells = [c for row in ws.iter_rows() for c in row if c.value == HYPERLINK]
        assert len(cells) == 1
        assert cells[0].data_type == "s"  # a string, not a formula
        assert cells[0].quotePrefix  # and Excel keeps it text when the cell is edited
        party = next(c for row in ws.iter_rows() for c in row if c.value == "@SUM(1+1)")
        assert party.data_type == "s" and party.quotePrefix
        back = {c.case_id: c for c in read_ledger(path).cases}
        assert back[cid].remarks == HYPERLINK and back[cid].party == "@SUM(1+1)"

    def test_formula_like_case_id_in_the_geometry_sheet_stays_text(self, tmp_path):
        parcel = Point(112.955, 39.035).buffer(0.004, quad_segs=800)  # its WKT is too long for a cell
        cases = gpd.GeoDataFrame({"case_id": ["=1+1"], "kind": ["land"], "category": [1], "township": ["峨口镇"],
                                  "seq": [1], "status": ["排查发现"]}, geometry=[parcel], crs=STORAGE_CRS)
        assert len(parcel.wkt) > 32000
        path = write_ledger(cases, tmp_path / "geom.xlsx", kind="land")
        geo_ws = openpyxl.load_workbook(path)["几何"]
        assert geo_ws["A2"].value == "=1+1" and geo_ws["A2"].data_type == "s"


class TestCsvInShapefileZip:
    def test_formula_like_cells_are_quoted_and_read_back_whole(self, odd, tmp_path):
        store, cid = odd
        path = tmp_path / "all.shp.zip"
        export_geodata(store, path)
        with zipfile.ZipFile(path) as z:
            table = pd.read_csv(io.BytesIO(z.read("cases.csv")), dtype=str, keep_default_na=False, encoding="utf-8-sig")
        row = table.set_index("case_id").loc[cid]
        assert row["remarks"] == "'" + HYPERLINK and row["party"] == "'@SUM(1+1)"
        assert not any(v.startswith(("=", "+", "@")) for col in table.columns for v in table[col])
        frame, _ = read_geo_table(path)
        back = frame.set_index("case_id").loc[cid]
        assert back["party"] == "@SUM(1+1)"  # the DBF holds it as typed

    @pytest.mark.parametrize(("value", "written"), [
        ("=1+1", "'=1+1"), ("+86 139", "'+86 139"), ("-x", "'-x"), ("@A1", "'@A1"), ("\tx", "'\tx"),
        ("-12.5", "-12.5"), ("+3", "+3"), ("'=1", "''=1"), ("'abc", "'abc"), ("普通文本", "普通文本"), (7, 7),
    ])
    def test_guard_is_lossless(self, value, written):
        assert guard_csv_cell(value) == written
        assert unguard_csv_cell(written) == value
