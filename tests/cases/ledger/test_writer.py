"""Ledger export: the seed's 附件2/附件3 layout, print set-up, and the round trip export → import."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

import openpyxl
import pytest

from cases.ledger.importer import import_ledger
from cases.ledger.writer import NOTES, write_ledger
from cases.model import Case
from tests.cases.ledger_fixtures import empty_store


def _merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


class TestLayout:
    def test_land_sheet_matches_the_seed(self, demo, tmp_path):
        path = write_ledger(demo.cases(), tmp_path / "land.xlsx", kind="land", unit="代县自然资源局",
                            fill_date=dt.date(2019, 6, 19))
        ws = openpyxl.load_workbook(path).active
        assert ws["A1"].value == "附件2" and ws["A2"].value == "代县违法违规用地清单"
        assert ws["A3"].value == "填报单位：代县自然资源局" and ws["I3"].value == "填报时间：2019年6月19日"
        assert [ws.cell(4, c).value for c in (1, 2, 3, 4, 12)] == ["序号", "县\n（市、区）", "基本情况（摘要）", "查处情况", "验收情况"]
        assert [ws.cell(5, c).value for c in range(4, 15)] == [
            "处理方式", "立案机关", "立案时间", "处罚决定及执行情况", "追刑情况（人）", "追责情况（人）", "移送法院执行情况",
            "备注", "县级", "市级", "省级"]
        assert {"A2:N2", "A4:A5", "B4:B5", "C4:C5", "D4:K4", "L4:N4"} <= _merged(ws)
        last = 5 + 66
        assert ws.cell(6, 1).value == 1 and ws.cell(last, 1).value == 66
        assert {ws.cell(r, c).value for r in range(6, last + 1) for c in (12, 13, 14)} == {"是", "否"}
        assert ws.cell(last + 1, 1).value == "填表说明" and ws.cell(last + 1, 3).value == NOTES["land"]
        assert NOTES["land"].startswith("1、“基本情况”简要说明违法主体、时间、地点、亩数等情况")
        assert [ws.cell(last + 3, c).value for c in (1, 6, 11)] == ["填报人：", "审核人：", "负责人："]
        # print: A4 landscape, one page wide, header rows repeated, extras outside the print area
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$4:$5"
        assert ws.print_area.endswith("$A$1:$N$" + str(last + 3))
        assert ws.cell(4, 15).value == "casemap 管理信息（导入时使用，请勿删除）" and ws.cell(5, 15).value == "案件编号"

    def test_mining_sheet_has_three_header_rows(self, demo, tmp_path):
        ws = openpyxl.load_workbook(write_ledger(demo.cases(), tmp_path / "m.xlsx", kind="mining")).active
        assert ws["A1"].value == "附件3" and ws["A2"].value == "代县非法违法采矿清单"
        assert [ws.cell(5, c).value for c in (11, 12, 13)] == ["县级", "市级", "省级"]
        assert [ws.cell(6, c).value for c in (11, 12, 13)] == ["是否达标", "是否验收", "是否销号"]
        assert {"A4:A6", "D4:J4", "K4:M4", "D5:D6"} <= _merged(ws)
        assert ws.print_title_rows == "$4:$6"
        assert ws.cell(7 + 44, 3).value == NOTES["mining"]

    def test_mining_acceptance_columns_answer_their_lowest_label(self, demo, tmp_path):
        # 附件3 prints 是否达标/是否验收/是否销号 beneath 县级/市级/省级: a closed mine reads 是 under 是否销号.
        cases = demo.cases()
        ws = openpyxl.load_workbook(write_ledger(cases, tmp_path / "m.xlsx", kind="mining")).active
        mines = cases[cases.kind == "mining"].sort_values("seq").reset_index(drop=True)
        header = {ws.cell(2 + 4, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(6, c).value}
        rows = {ws.cell(r, 1).value: r for r in range(7, 7 + len(mines))}
        for _, m in mines.iterrows():
            r = rows[m.seq]
            got = [ws.cell(r, header[h]).value for h in ("是否达标", "是否验收", "是否销号")]
            assert got == ["是" if v else "否" for v in (m.is_compliant, m.is_accepted, m.is_closed)], m.case_id
        assert (mines.status == "已销号").sum() == sum(ws.cell(r, header["是否销号"]).value == "是" for r in rows.values())

    def test_rows_are_tall_enough_for_wrapped_text(self, tmp_path):
        # Excel/WPS do not fit wrapped rows on open: the writer sets the height from the text.
        # 基本情况 is 38 units wide: 20 CJK characters (40 units) need 2 lines, 100 need 6.
        from shapely.geometry import Point

        store = empty_store(tmp_path / "h.db")
        mk = lambda i, text: Case(case_id=f"YD-{i}", kind="land", category=1, township="峨口镇",
                                  geometry=Point(113.2, 39.085), seq=i, summary=text)
        store.upsert_cases([mk(1, "短"), mk(2, "字" * 20), mk(3, "字" * 100)], user="t")
        ws = openpyxl.load_workbook(write_ledger(store.cases(), tmp_path / "h.xlsx", kind="land")).active
        heights = [ws.row_dimensions[r].height for r in (6, 7, 8)]
        assert heights == [18.0, 13.5 * 2 + 4, 13.5 * 6 + 4]

    def test_fine_in_wan_and_text_kept_as_text(self, tmp_path):
        store = empty_store(tmp_path / "t.db")
        from shapely.geometry import Point

        case = Case(case_id="YD-1", kind="land", category=1, township="峨口镇", geometry=Point(113.2, 39.085), seq=1,
                    summary="=HYPERLINK(\"http://x\")<script>alert(1)</script>", penalty="没收", fine_wan=2.5)
        store.upsert_cases([case], user="t")
        path = write_ledger(store.cases(), tmp_path / "x.xlsx", kind="land", township="峨口")
        ws = openpyxl.load_workbook(path).active
        assert ws["A3"].value == "填报单位：峨口镇人民政府"
        assert ws["C6"].value == case.summary and ws["C6"].data_type == "s"
        assert ws["G6"].value == "没收（罚款2.5万元）"
        rep = import_ledger(store, path)
        assert rep.unchanged == ["YD-1"]  # the appended fine is taken off again on import
        assert store.get_case("YD-1").penalty == "没收"


class TestRoundTrip:
    @pytest.mark.parametrize("kind, n", [("land", 66), ("mining", 44)])
    def test_export_then_import_gives_back_the_same_cases(self, demo, tmp_path, kind, n):
        path = write_ledger(demo.cases(), tmp_path / f"{kind}.xlsx", kind=kind)
        rep = import_ledger(demo, path, dry_run=True)
        assert (len(rep.unchanged), rep.changed, rep.added) == (n, {}, [])
        fresh = empty_store(tmp_path / "fresh.db")
        rep = import_ledger(fresh, path)
        assert len(rep.added) == n
        skip = {"version", "updated_at", "updated_by"}
        for cid in rep.added:
            a, b = demo.get_case(cid), fresh.get_case(cid)
            for f in fields(Case):
                if f.name not in skip:
                    va, vb = getattr(a, f.name), getattr(b, f.name)
                    assert va == vb or (va in (None, "") and vb in (None, "")), (cid, f.name, va, vb)

    def test_long_geometry_goes_to_the_geometry_sheet(self, tmp_path):
        import shapely

        store = empty_store(tmp_path / "t.db")
        ring = shapely.Point(113.2, 39.085).buffer(0.005, quad_segs=600)  # 2400 vertices → WKT > 32 000 characters
        store.upsert_cases([Case(case_id="YD-big", kind="land", category=2, township="峨口镇", geometry=ring, seq=1)], user="t")
        path = write_ledger(store.cases(), tmp_path / "big.xlsx", kind="land")
        wb = openpyxl.load_workbook(path)
        ws = wb.active
        col = next(c for c in range(1, ws.max_column + 1) if ws.cell(5, c).value == "坐标（WKT）")
        assert ws.cell(6, col).value == "见工作表「几何」" and wb["几何"].sheet_state == "hidden"
        assert import_ledger(store, path).unchanged == ["YD-big"]
