"""导入导出 page under AppTest: upload (injected into session_state), preview with errors per row, confirm, downloads."""

from __future__ import annotations

from cases.store import SQLiteStore
from tests.cases.ledger.test_corners import _permit_text
from tests.cases.ledger_fixtures import EKOU, land_rows, square_wkt, write_township_ledger
from tests.ui.conftest import page_app
from ui.pages.page_import import KEY_PERMIT_UPLOAD, KEY_UPLOAD


def _ledger_bytes(tmp_path, rows=None) -> tuple[str, bytes]:
    extra = {"坐标（WKT）": [square_wkt(EKOU[0] + 0.002 * i, EKOU[1]) for i in range(3)]}
    path = write_township_ledger(tmp_path / "峨口镇台账.xlsx", rows, extra=extra)
    return path.name, path.read_bytes()


def test_upload_preview_confirm(demo_db, tmp_path):
    at = page_app("page_import")
    at.session_state[KEY_UPLOAD] = _ledger_bytes(tmp_path)
    at.run()
    assert not at.exception
    at.button(key="imp_preview").click().run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame["案件编号"]) == ["YD-峨口镇-001", "YD-峨口镇-002", "YD-峨口镇-003"]
    assert list(frame["行号"]) == [7, 8, 9] and (frame["错误"] == "").all()
    assert any("将导入 3 个案件：新增 **3** 个" in m.value for m in at.markdown)
    at.button(key="imp_confirm").click().run()
    assert not at.exception
    assert at.success[0].value == "已导入 3 个案件：新增 3 个，变更 0 个，未变 0 个"
    store = SQLiteStore(demo_db)
    assert store.get_case("YD-峨口镇-002").township == "峨口镇" and len(store.cases()) == 113


def test_bad_rows_are_listed_and_nothing_can_be_confirmed(demo_db, tmp_path):
    rows = land_rows()
    rows[2][5] = "2019-02-30"
    at = page_app("page_import")
    at.session_state[KEY_UPLOAD] = _ledger_bytes(tmp_path, rows)
    at.run()
    at.button(key="imp_preview").click().run()
    frame = at.dataframe[0].value
    assert list(frame["错误"] != "") == [False, False, True]
    assert "第 9 行 F 列（立案时间）：「2019-02-30」不是有效日期" in at.error[0].value
    assert not [b for b in at.button if b.key == "imp_confirm"]
    assert len(SQLiteStore(demo_db).cases()) == 110


def test_corrupt_upload_shows_chinese_message(demo_db):
    at = page_app("page_import")
    at.session_state[KEY_UPLOAD] = ("坏文件.xlsx", b"not an excel file")
    at.run()
    at.button(key="imp_preview").click().run()
    assert not at.exception
    assert "坏文件.xlsx 已损坏或不是 Excel 文件" in at.error[0].value


def test_permits_preview_and_import(demo_db):
    at = page_app("page_import")
    at.session_state[KEY_PERMIT_UPLOAD] = ("拐点.txt", _permit_text(no="C1409002019127130099").encode("gbk"))
    at.run()
    assert not at.exception
    assert at.dataframe[0].value["采矿许可证号"].tolist() == ["C1409002019127130099"]
    at.button(key="imp_permit_confirm").click().run()
    assert at.success[0].value == "已导入 1 个采矿许可证：新增 1 个，更新 0 个"
    assert len(SQLiteStore(demo_db).permits()) == 21


def test_download_buttons_for_every_format(demo_db):
    at = page_app("page_import").run()
    assert not at.exception
    labels = sorted(b.proto.label for b in at.get("download_button"))
    assert labels == sorted(["附件2 违法违规用地清单 (.xlsx)", "附件3 非法违法采矿清单 (.xlsx)", "GeoPackage (.gpkg)",
                      "Shapefile (.shp.zip)", "GeoJSON", "KML（奥维/Google Earth）", "KMZ（奥维/Google Earth）"])


def test_a_case_added_between_preview_and_confirm_stops_the_import(demo_db, tmp_path):
    """The preview said 新增 3; someone adds one of those ids before 确认导入: nothing is written."""
    import datetime as dt

    from shapely.geometry import Point

    from cases.model import Case

    at = page_app("page_import")
    at.session_state[KEY_UPLOAD] = _ledger_bytes(tmp_path)
    at.run()
    at.button(key="imp_preview").click().run()
    other = SQLiteStore(demo_db)
    other.upsert_cases([Case(case_id="YD-峨口镇-002", kind="land", category=1, township="峨口镇", remarks="张三先录入",
                             found_date=dt.date(2019, 7, 1), geometry=Point(113.05, 39.05))], user="张三")
    at.button(key="imp_confirm").click().run()
    assert "YD-峨口镇-002" in at.error[0].value and "未写入任何数据" in at.error[0].value
    store = SQLiteStore(demo_db)
    assert store.get_case("YD-峨口镇-002").remarks == "张三先录入" and len(store.cases()) == 111
