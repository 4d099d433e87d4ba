"""Every page under Streamlit's AppTest: no exception, the expected tables, filters, editing.

AppTest does not render components (st_folium); the map HTML is tested in tests/geo/test_mapview.py
and in the browser tests.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from cases.store import SQLiteStore
from tests.demo_division import TOWNSHIPS
from tests.ui.conftest import ROOT, login_token, page_app
from ui.auth import KEY_TOKEN


def _result_count(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**筛选结果"))


class TestApp:
    def test_app_opens_on_the_map(self, demo_db):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        at.session_state[KEY_TOKEN] = login_token(demo_db, "测试管理员")
        at.run()
        assert not at.exception
        assert at.header[0].value == "案件地图"
        assert "示例数据" in " ".join(w.value for w in at.warning)
        assert any("乡镇界线为示意" in w.value for w in at.warning)


class TestMapPage:
    def test_filters_change_the_count(self, demo_db):
        at = page_app("page_map").run()
        assert not at.exception
        assert _result_count(at) == "**筛选结果：110 个案件**（共 110 个）"
        at.sidebar.multiselect(key="flt_town").set_value(["峨口镇"]).run()
        assert _result_count(at) == "**筛选结果：12 个案件**（共 110 个）"
        at.sidebar.multiselect(key="flt_kind").set_value(["mining"]).run()
        n_mining = int(_result_count(at).split("：")[1].split(" ")[0])
        assert 0 < n_mining < 12
        at.sidebar.multiselect(key="flt_town").set_value([]).run()
        at.sidebar.multiselect(key="flt_kind").set_value([]).run()
        at.sidebar.multiselect(key="flt_flag").set_value(["OUT_OF_BOUNDS"]).run()
        assert _result_count(at) == "**筛选结果：12 个案件**（共 110 个）"
        at.sidebar.multiselect(key="flt_flag").set_value([]).run()
        at.sidebar.text_input(key="flt_text").set_value("CK-2019-00").run()
        assert _result_count(at) == "**筛选结果：9 个案件**（共 110 个）"

    def test_case_detail_shows_check_results(self, demo_db):
        at = page_app("page_map").run()
        at.selectbox(key="map_pick").set_value("CK-2019-004").run()
        assert not at.exception
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["许可范围外面积"] == "46.92 亩"
        assert metrics["最远越界距离"] == "156.5 米"
        assert "越界开采" in at.error[0].value
        table = at.dataframe[0].value
        assert dict(zip(table["字段"], table["内容"]))["案件编号"] == "CK-2019-004"
        assert "违法主体" in set(table["字段"]) and "矿种" in set(table["字段"])

    def test_map_offers_snapshot_and_check_sheet_downloads(self, demo_db):
        at = page_app("page_map").run()
        at.selectbox(key="map_pick").set_value("CK-2019-004").run()
        assert not at.exception
        labels = [b.proto.label for b in at.get("download_button")]
        assert labels == ["下载 PNG", "下载 PDF", "下载案件核查单（PDF）"]
        assert at.radio(key="map_export_size").value == "A4"


class TestCheckPage:
    def test_default_case_is_outside_its_permit(self, demo_db):
        at = page_app("page_check").run()
        assert not at.exception
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["界外面积（亩）"] == "46.92"
        assert metrics["界外面积（平方米）"] == "31,282"
        assert metrics["最远越界距离（米）"] == "156.5"
        assert [b.proto.label for b in at.get("download_button")] == ["下载 PNG", "下载 PDF"]

    def test_pasted_gauss_kruger_coordinates(self, demo_db):
        at = page_app("page_check").run()
        at.radio(key="check_source").set_value("粘贴坐标").run()
        at.selectbox(key="check_permit").set_value("（不对照许可证）").run()
        # a 100 m x 100 m square, Y before X (swapped), without the zone prefix
        at.text_area(key="check_geom_text").set_value(
            "413372.0 4318979.0\n413472.0 4318979.0\n413472.0 4319079.0\n413372.0 4319079.0").run()
        assert not at.exception
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["面积（平方米）"] == "10,000"
        assert metrics["面积（亩）"] == "15.00"
        assert any("X、Y 顺序颠倒" in i.value for i in at.info)

    def test_bad_coordinates_are_explained(self, demo_db):
        at = page_app("page_check").run()
        at.radio(key="check_source").set_value("粘贴坐标").run()
        at.text_area(key="check_geom_text").set_value("116.4, 39.9\n116.5, 39.9\n116.5, 40.0").run()
        assert not at.exception
        assert "不像经纬度也不像高斯-克吕格坐标" in at.error[0].value


class TestStatsPage:
    def test_table_has_eleven_townships_and_total(self, demo_db):
        at = page_app("page_stats").run()
        assert not at.exception
        table = at.dataframe[0].value
        assert table["乡镇"].tolist() == [*TOWNSHIPS, "合计"]
        total = table.set_index("乡镇").loc["合计"]
        assert total["用地案件"] == 66 and total["采矿案件"] == 44
        assert [b.label for b in at.get("download_button")] == ["下载 Excel（xlsx）", "下载 CSV（Excel 可直接打开）"]


class TestTimelinePage:
    def test_phases_deadlines_and_township_table(self, demo_db):
        at = page_app("page_timeline").run()
        at.date_input(key="timeline_day").set_value(__import__("datetime").date(2019, 10, 28)).run()
        assert not at.exception
        assert at.info[0].value == "2019年10月28日处于第3阶段“查处整改”，本阶段还剩 3 天"
        phases = at.table[0].value
        assert phases["状态"].tolist() == ["已结束", "已结束", "进行中", "未开始"]
        per_town = at.dataframe[0].value
        assert per_town["乡镇"].tolist() == [*TOWNSHIPS, "合计"]
        total = per_town.set_index("乡镇").loc["合计"]
        assert total["乡镇完成辖区验收（10-25）逾期"] == total["乡镇完成辖区验收（10-25）未完成"] > 0
        assert total["县领导组完成验收（11-15）逾期"] == 0


def _submit(at):
    next(b for b in at.button if b.label == "保存修改").click().run()


class TestCasesPage:
    def test_edit_is_audited_and_a_stale_save_is_refused(self, demo_db):
        a, b = page_app("page_cases", user="张三").run(), page_app("page_cases", user="李四").run()
        for at in (a, b):
            at.selectbox(key="edit_case").set_value("YD-2019-001").run()
        a.selectbox(key="e_YD-2019-001_status").set_value("已销号")
        _submit(a)
        assert a.success[0].value == "已保存案件 YD-2019-001 的 1 处修改（办理状态），现为版本 2。"
        # saved, but the status now runs ahead of the 县级验收 box: the inspector is asked to check
        assert any(w.value == "案件 YD-2019-001：办理状态为「已销号」，但“县级验收”未填“是”；请核对。" for w in a.warning)
        audit = a.dataframe[-1].value
        assert audit.iloc[0][["修改人", "操作", "字段", "原值", "新值"]].tolist() == ["张三", "修改", "办理状态", "已立案", "已销号"]
        b.number_input(key="e_YD-2019-001_fine_wan").set_value(5.0)
        _submit(b)
        assert "已被 张三" in b.error[0].value and "您的修改未保存" in b.error[0].value
        case = SQLiteStore(demo_db).get_case("YD-2019-001")
        assert case.status == "已销号" and case.fine_wan != 5.0 and case.version == 2

    def test_validation_messages_in_chinese(self, demo_db):
        at = page_app("page_cases", user="张三").run()
        at.selectbox(key="edit_case").set_value("YD-2019-002").run()
        at.number_input(key="e_YD-2019-002_fine_wan").set_value(-1.0)
        _submit(at)
        assert "罚款（万元）不能为负数（-1.0）" in at.error[0].value
        assert SQLiteStore(demo_db).get_case("YD-2019-002").version == 1

    def test_nothing_is_shown_before_logging_in(self, demo_db):
        at = page_app("page_cases", user=None).run()
        assert not at.exception
        assert [w.label for w in at.text_input] == ["用户名", "密码"]
        assert [b.label for b in at.button] == ["登录"]
        assert not at.dataframe and not at.selectbox

    def test_add_a_case_with_pasted_coordinates(self, demo_db):
        at = page_app("page_cases", user="王五").run()
        at.text_area(key="add_geom_text").set_value("113.0, 39.0\n113.001, 39.0\n113.001, 39.001\n113.0, 39.001").run()
        at.text_input(key="add_case_id").set_value("YD-2019-900")
        at.text_input(key="add_party").set_value("测试主体")
        next(b for b in at.button if b.label == "新增案件").click().run()
        assert not at.exception
        assert at.success[0].value == "已新增案件 YD-2019-900（用地，上馆镇，台账序号 57）。"
        case = SQLiteStore(demo_db).get_case("YD-2019-900")
        assert case.party == "测试主体" and case.geometry.geom_type == "Polygon" and case.updated_by == "王五"
        assert case.seq == 57  # the next 序号 of 上馆镇's 用地 ledger (its largest is 56)

    def test_add_refuses_an_existing_id(self, demo_db):
        at = page_app("page_cases", user="王五").run()
        at.text_area(key="add_geom_text").set_value("113.05, 39.05").run()
        at.text_input(key="add_case_id").set_value("YD-2019-001")
        next(b for b in at.button if b.label == "新增案件").click().run()
        assert "案件编号「YD-2019-001」已存在" in at.error[0].value


class TestUnlocatedCases:
    """Cases imported from a ledger without coordinates (未定位) are listed, flagged and kept off the maps."""

    def _add(self, demo_db):
        import datetime as dt

        from cases.model import Case

        s = SQLiteStore(demo_db)
        s.upsert_cases([Case(case_id="YD-WDW-001", kind="land", category=1, township="峨口镇",
                             found_date=dt.date(2019, 7, 1), summary="台账无坐标")], user="t", allow_unlocated=True)
        s.close()

    def test_map_page_lists_and_explains_them(self, demo_db):
        self._add(demo_db)
        at = page_app("page_map").run()
        assert not at.exception
        assert any("1 个案件尚未定位" in c.value and "YD-WDW-001" in c.value for c in at.caption)
        picks = at.selectbox(key="map_pick").options
        assert len(picks) == 112 and "YD-WDW-001" in picks  # 111 cases + （未选择）: an unlocated case has its detail
        at.selectbox(key="map_pick").set_value("YD-WDW-001").run()
        assert not at.exception
        assert "未定位" in at.warning[-1].value or any("未定位" in e.value for e in at.error)
        assert any("尚未定位" in i.value for i in at.info)
        assert not [b for b in at.get("download_button") if b.proto.label == "下载案件核查单（PDF）"]

    def test_check_page_offers_located_cases_only(self, demo_db):
        self._add(demo_db)
        at = page_app("page_check").run()
        assert not at.exception
        options = at.selectbox(key="check_case").options
        assert len(options) == 110 and not any("YD-WDW-001" in o for o in options)
