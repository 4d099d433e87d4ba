"""Ledger import: the seed layout found by header text, defaults, re-import, all-or-nothing row errors."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.ledger.importer import import_ledger, read_ledger
from geo.errors import LedgerFormatError, RowErrors
from tests.cases.ledger_fixtures import (
    EKOU,
    corner_cell,
    empty_store,
    first_data_row,
    land_rows,
    square_wkt,
    write_township_ledger,
)


@pytest.fixture
def store(tmp_path):
    s = empty_store(tmp_path / "t.db")
    yield s
    s.close()


def _wkt_extra(n: int = 3) -> dict:
    return {"坐标（WKT）": [square_wkt(EKOU[0] + 0.002 * i, EKOU[1]) for i in range(n)]}


class TestTownshipLedger:
    def test_imports_with_merged_header_blank_row_and_defaults(self, tmp_path, store):
        path = write_township_ledger(tmp_path / "峨口镇.xlsx", extra=_wkt_extra())
        rep = import_ledger(store, path)
        assert rep.added == ["YD-峨口镇-001", "YD-峨口镇-002", "YD-峨口镇-003"]
        c1 = store.get_case("YD-峨口镇-001")
        assert c1.township == "峨口镇"  # from 填报单位
        assert c1.kind == "land" and c1.category == 1  # 设施农业 in the summary
        assert c1.filing_date == dt.date(2019, 6, 4)  # "2019.6.4"
        assert c1.fine_wan == 3.0 and c1.accountability_persons == 1  # "罚款3万元", "1人"
        assert c1.party == "代县东庄建材有限公司" and c1.location == "峨口镇东庄村" and c1.area_mu_declared == 12.5
        assert c1.status == "查处整改中"
        c2 = store.get_case("YD-峨口镇-002")
        assert c2.remarks == "<b>急</b><script>x</script>"  # HTML kept verbatim, as text
        assert c2.category == 3 and c2.status == "排查发现"
        c3 = store.get_case("YD-峨口镇-003")
        assert c3.filing_date == dt.date(2019, 7, 1)  # "2019年7月1日"
        assert c3.area_mu_declared == 12.5  # full-width "１２.５亩"
        assert c3.accept_county and c3.status == "县级已验收" and c3.category == 5
        missing = {row.row: res.missing for row, res in rep.parsed.results}
        assert missing[first_data_row() + 1] == ("亩数",)

    def test_reimport_same_file_does_not_duplicate_and_reports_changes(self, tmp_path, store):
        path = write_township_ledger(tmp_path / "l.xlsx", extra=_wkt_extra())
        import_ledger(store, path)
        again = import_ledger(store, path)
        assert (again.added, again.changed, len(again.unchanged)) == ([], {}, 3)
        rows = land_rows()
        rows[1][3] = "责令停止建设"
        path2 = write_township_ledger(tmp_path / "l2.xlsx", rows, extra=_wkt_extra())
        rep = import_ledger(store, path2)
        assert rep.changed == {"YD-峨口镇-002": ["办理状态", "处理方式"]}
        assert len(store.cases()) == 3

    def test_moved_column_and_no_blank_row(self, tmp_path, store):
        path = write_township_ledger(tmp_path / "m.xlsx", blank_row=False, move_remarks=True)
        parsed = read_ledger(path)
        assert parsed.sheets[0]["columns"]["N"] == "备注"
        # no geometry anywhere (the seed's own layout) → the rows import as 未定位 cases, each with a note
        assert parsed.all_errors == []
        notes = [n for _, r in parsed.results for n in r.notes]
        assert any(n.startswith("第 6 行：没有位置，作为“未定位”案件导入") for n in notes)
        assert all(c.geometry is None for c in parsed.cases)
        assert set(parsed.preview()["位置"]) == {"未定位"}

    def test_seed_layout_without_positions_imports_as_unlocated(self, tmp_path, store):
        from cases.service import check_store

        rep = import_ledger(store, write_township_ledger(tmp_path / "n.xlsx"))
        assert len(rep.added) == len(store.cases()) > 0
        res = check_store(store)
        assert all(f == ["NO_LOCATION"] for f in res["flags"])
        # positions added later from a second file keep the ledger fields and clear the flag
        import_ledger(store, write_township_ledger(tmp_path / "w.xlsx", extra=_wkt_extra()))
        assert not any("NO_LOCATION" in f for f in check_store(store)["flags"])

    def test_geometry_kept_from_store_when_file_has_none(self, tmp_path, store):
        import_ledger(store, write_township_ledger(tmp_path / "a.xlsx", extra=_wkt_extra()))
        rows = land_rows()
        rows[0][10] = "已复查"
        rep = import_ledger(store, write_township_ledger(tmp_path / "b.xlsx", rows))
        assert rep.changed == {"YD-峨口镇-001": ["备注"]}

    def test_dry_run_writes_nothing(self, tmp_path, store):
        rep = import_ledger(store, write_township_ledger(tmp_path / "d.xlsx", extra=_wkt_extra()), dry_run=True)
        assert len(rep.added) == 3 and "试运行" in rep.summary()
        assert store.cases().empty

    def test_corner_points_and_lonlat_columns(self, tmp_path, store):
        extra = {"坐标": [corner_cell(*EKOU), None, None], "经度": [None, EKOU[0], 113.21], "纬度": [None, EKOU[1], 39.08]}
        rep = import_ledger(store, write_township_ledger(tmp_path / "c.xlsx", extra=extra))
        g1 = store.get_case("YD-峨口镇-001").geometry
        assert g1.geom_type == "Polygon" and abs(g1.bounds[0] - EKOU[0]) < 1e-6
        assert store.get_case("YD-峨口镇-002").geometry.geom_type == "Point"
        assert len(rep.added) == 3


class TestRowErrors:
    def _errors(self, tmp_path, store, rows=None, extra=None) -> list[str]:
        path = write_township_ledger(tmp_path / "bad.xlsx", rows, extra=extra)
        with pytest.raises(RowErrors) as exc:
            import_ledger(store, path)
        assert store.cases().empty  # all or nothing
        return exc.value.errors

    def test_every_bad_row_named_with_row_column_and_reason(self, tmp_path, store):
        rows = land_rows()
        rows[0][5] = "2019-13-45"
        rows[2][11] = "也许"
        errs = self._errors(tmp_path, store, rows, extra=_wkt_extra())
        assert errs == [
            "第 7 行 F 列（立案时间）：「2019-13-45」不是有效日期，应为 2019-06-04、2019.6.4 或 2019年6月4日",
            "第 9 行 L 列（县级验收）：「也许」应只填“是”或“否”",
        ]

    @pytest.mark.parametrize("geom, expected", [
        ("POLYGON((113.2 39.08, 113.21 39.09, 113.21 39.08, 113.2 39.09, 113.2 39.08))", None),  # bow-tie: repaired
        ("POLYGON((113.2 39.08, 113.21 39.08, 113.21 39.09, 113.2 39.09))", None),  # unclosed: closed
        ("POLYGON((113.2 39.08, 113.21 39.08, 113.2 39.08))", "至少需要 3 个点"),
        ("POINT(39.08 113.2)", "经纬度疑似颠倒"),
        ("POINT(38512345 4320000)", "疑似高斯-克吕格坐标"),
        ("POINT(112.5 38.7)", "在代县县界以外"),
        ("POINT(100 30)", "不在代县范围内"),
    ])
    def test_geometry_problems(self, tmp_path, store, geom, expected):
        extra = {"坐标（WKT）": [geom, square_wkt(*EKOU), square_wkt(EKOU[0] + 0.01, EKOU[1])]}
        path = write_township_ledger(tmp_path / "g.xlsx", extra=extra)
        if expected is None:
            rep = import_ledger(store, path)
            notes = [n for n in rep.parsed.results[0][1].notes if "违法类别" not in n]
            assert len(notes) == 1 and notes[0].startswith("第 7 行 O 列（坐标（WKT））：")
            assert ("已自动修复" in notes[0]) or ("已自动闭合" in notes[0])
            assert store.get_case("YD-峨口镇-001").geometry.is_valid
        else:
            errs = self._errors(tmp_path, store, extra=extra)
            assert len(errs) == 1 and errs[0].startswith("第 7 行 O 列（坐标（WKT））：") and expected in errs[0]

    def test_merged_cells_in_data_rows(self, tmp_path, store):
        import openpyxl

        path = write_township_ledger(tmp_path / "m.xlsx", extra=_wkt_extra())
        wb = openpyxl.load_workbook(path)
        ws = wb.active
        ws.merge_cells("E7:E8")  # 立案机关 over two rows: filled down
        ws.merge_cells("H8:H9")  # 追刑 over two rows: refused
        wb.save(path)
        with pytest.raises(RowErrors) as exc:
            import_ledger(store, path)
        assert exc.value.errors == ["第 8–9 行 H 列（追刑情况（人））是合并单元格，该列每行应单独填写；请取消合并并逐行填写"]
        ws.unmerge_cells("H8:H9")
        wb.save(path)
        rep = import_ledger(store, path)
        assert store.get_case("YD-峨口镇-002").filing_authority == "代县自然资源局"
        assert any("E 列（立案机关）是合并单元格，已把其内容填入每一行" in n for n in rep.parsed.notes)

    def test_horizontal_merge_in_data_row(self, tmp_path, store):
        import openpyxl

        path = write_township_ledger(tmp_path / "h.xlsx", extra=_wkt_extra())
        wb = openpyxl.load_workbook(path)
        wb.active.merge_cells("D8:E8")
        wb.save(path)
        with pytest.raises(RowErrors, match="第 8 行：单元格 D8:E8 跨列合并"):
            import_ledger(store, path)

    def test_excel_serial_date_and_formula_without_result(self, tmp_path, store):
        rows = land_rows()
        rows[0][5] = 43620  # Excel serial of 2019-06-04
        rows[1][7] = "=1+1"  # a formula openpyxl saves without a cached result
        path = write_township_ledger(tmp_path / "f.xlsx", rows, extra=_wkt_extra())
        with pytest.raises(RowErrors) as exc:
            import_ledger(store, path)
        assert exc.value.errors == ["第 8 行 H 列（追刑情况（人））：是公式「=1+1」且没有保存计算结果；请在 Excel 中打开并保存，或改为填写数值"]
        rows[1][7] = 0
        import_ledger(store, write_township_ledger(tmp_path / "f2.xlsx", rows, extra=_wkt_extra()))
        assert store.get_case("YD-峨口镇-001").filing_date == dt.date(2019, 6, 4)

    def test_duplicate_sequence_numbers(self, tmp_path, store):
        rows = land_rows()
        rows[2][0] = 1
        errs = self._errors(tmp_path, store, rows, extra=_wkt_extra())
        assert errs == ["第 9 行：生成的案件编号「YD-峨口镇-001」与第 7 行相同（序号重复）；请修改序号或填写案件编号"]


class TestFlatAndCsv:
    HEADER = "案件编号,违法类别,责任乡镇,基本情况（摘要）,立案时间,县级,经度,纬度\n"
    BODY = ("YD-X-1,1,峨口镇,王某在峨口镇东庄村以设施农业为名占地５亩,2019年6月4日,是,113.2,39.085\n"
            "YD-X-2,设施农业,胡峪乡,赵某某2019年在胡峪乡石门村建房,43620,否,113.21,38.96\n")

    @pytest.mark.parametrize("encoding, name", [("utf-8", "UTF-8"), ("gbk", "GBK"), ("utf-8-sig", "UTF-8")])
    def test_csv_encodings(self, tmp_path, store, encoding, name):
        path = tmp_path / "flat.csv"
        path.write_bytes((self.HEADER + self.BODY).encode(encoding))
        rep = import_ledger(store, path, kind="land")
        assert rep.added == ["YD-X-1", "YD-X-2"]
        assert f"flat.csv 按 {name} 编码读取" in rep.parsed.notes
        c = store.get_case("YD-X-2")
        assert c.filing_date == dt.date(2019, 6, 4) and c.township == "胡峪乡" and c.category == 1
        assert store.get_case("YD-X-1").area_mu_declared == 5.0

    def test_gbk_csv_in_the_seed_layout(self, tmp_path, store):
        lines = [
            "附件2,,,,,,,,,,,,,,,",
            "代县违法违规用地清单,,,,,,,,,,,,,,,",
            "填报单位：胡峪乡人民政府          填报时间：2019年6月18日,,,,,,,,,,,,,,,",
            "序号,县（市、区）,基本情况（摘要）,查处情况,,,,,,,,验收情况,,,经度,纬度",
            ",,,处理方式,立案机关,立案时间,处罚决定及执行情况,追刑情况（人）,追责情况（人）,移送法院执行情况,备注,县级,市级,省级,,",
            "1,代县,赵某某于2019年3月在胡峪乡石门村非法占地3亩,,,,,,,,,否,否,否,113.21,38.96",
            ",,,,,,,,,,,,,,,",
            "2,代县,钱某在胡峪乡北坡村卫片图斑违法建房0.8亩,拆除,代县自然资源局,2019/7/2,罚款0.5万元,0,0,,,是,否,否,113.215,38.962",
            "填表说明,,1、“基本情况”简要说明违法主体、时间、地点、亩数等情况,,,,,,,,,,,,,",
            "填报人：,,,,,审核人：,,,,负责人：,,,,,,",
        ]
        path = tmp_path / "胡峪乡.csv"
        path.write_bytes("\n".join(lines).encode("gbk"))
        rep = import_ledger(store, path)
        assert rep.added == ["YD-胡峪乡-001", "YD-胡峪乡-002"]
        c = store.get_case("YD-胡峪乡-002")
        assert (c.category, c.fine_wan, c.accept_county, c.status) == (2, 0.5, True, "县级已验收")
        assert "胡峪乡.csv 按 GBK 编码读取" in rep.parsed.notes

    def test_flat_table_needs_kind(self, tmp_path, store):
        path = tmp_path / "flat.csv"
        path.write_text(self.HEADER + self.BODY, encoding="utf-8")
        with pytest.raises(RowErrors, match="无法判断是用地（附件2）还是采矿（附件3）清单；请用 --kind"):
            import_ledger(store, path)

    def test_xls_and_xls_saved_as_xlsx(self, tmp_path, store):
        xlwt = pytest.importorskip("xlwt")
        book = xlwt.Workbook(encoding="utf-8")
        sh = book.add_sheet("台账")
        for r, line in enumerate((self.HEADER + self.BODY).strip().split("\n")):
            for c, v in enumerate(line.split(",")):
                sh.write(r, c, float(v) if v.replace(".", "").isdigit() and c >= 4 else v)
        book.save(str(tmp_path / "a.xls"))
        rep = import_ledger(store, tmp_path / "a.xls", kind="land", dry_run=True)
        assert rep.added == ["YD-X-1", "YD-X-2"]
        (tmp_path / "a.xlsx").write_bytes((tmp_path / "a.xls").read_bytes())
        rep = import_ledger(store, tmp_path / "a.xlsx", kind="land", dry_run=True)
        assert "a.xlsx 的扩展名是 .xlsx，但实际是旧版 .xls 格式，已按 .xls 读取" in rep.parsed.notes


class TestBadFiles:
    @pytest.mark.parametrize("content, message", [
        (b"this is not a workbook at all", "已损坏或不是 Excel 文件"),
        (b"PK\x03\x04" + b"\x00" * 200, "已损坏，无法作为 Excel 工作簿打开"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64, "设有打开密码"),
        (b"<html><table><tr><td>1</td></tr></table></html>", "实际是网页（HTML/XML）表格"),
        (b"", "是空文件"),
    ])
    def test_refused_with_message(self, tmp_path, store, content, message):
        path = tmp_path / "bad.xlsx"
        path.write_bytes(content)
        with pytest.raises(LedgerFormatError, match=message):
            import_ledger(store, path)

    def test_empty_workbook_and_non_ledger(self, tmp_path, store):
        import openpyxl

        wb = openpyxl.Workbook()
        wb.save(tmp_path / "empty.xlsx")
        with pytest.raises(RowErrors, match="所有工作表都是空的"):
            import_ledger(store, tmp_path / "empty.xlsx")
        wb.active.append(["姓名", "电话", "住址"])
        wb.active.append(["张三", "123", "代县"])
        wb.save(tmp_path / "other.xlsx")
        with pytest.raises(RowErrors, match="不是附件2/附件3 台账.*第一行有内容的是：姓名、电话、住址"):
            import_ledger(store, tmp_path / "other.xlsx")

    def test_file_above_size_limit_refused_before_reading(self, tmp_path, store, monkeypatch):
        path = tmp_path / "huge.xlsx"
        with open(path, "wb") as f:
            f.truncate(2 * 1024 ** 3)  # a sparse 2 GB file
        with pytest.raises(LedgerFormatError, match="大小为 2048.0 MB，超过导入上限 50.0 MB"):
            import_ledger(store, path)
        monkeypatch.setenv("CASEMAP_MAX_IMPORT_MB", "1")
        small = write_township_ledger(tmp_path / "s.xlsx", extra=_wkt_extra())
        assert import_ledger(store, small, dry_run=True).added
        with pytest.raises(LedgerFormatError, match="超过导入上限 0.0 MB"):
            import_ledger(store, small, max_bytes=10)
