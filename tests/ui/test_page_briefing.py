"""简报输出 page and the reusable 导出地图 buttons under Streamlit's AppTest."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from cases.service import app_store, new_empty_store, store_notes
from geo.checks import outside_parts
from geo.printmap.snapshot import MapContent
from tests.ui.conftest import add_test_accounts, login_token, page_app
from ui.auth import KEY_TOKEN
from ui.export_buttons import snapshot_maker


def labels(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


class TestBriefingPage:
    def test_page_offers_every_output(self, demo_db):
        at = page_app("page_briefing").run()
        assert not at.exception
        assert at.header[0].value == "简报输出"
        assert any("示例数据" in w.value for w in at.warning)
        got = labels(at)
        assert {"下载地图 PNG", "下载地图 PDF", "下载通报 Word（可编辑）", "下载通报 PDF"} <= set(got)
        assert any(x.startswith("下载 ") and x.endswith("核查单 PDF") for x in got)
        assert any(x.startswith("下载上馆镇核查单图册 PDF（") for x in got)
        assert "**将导出 110 个案件**（全县）" in [m.value for m in at.markdown]

    def test_township_and_filters_set_what_is_exported(self, demo_db):
        store = app_store(demo_db)
        cases = store.cases()
        expected = int(((cases["township"] == "峨口镇") & (cases["kind"] == "mining")).sum())
        at = page_app("page_briefing").run()
        at.selectbox(key="brf_town").set_value("峨口镇").run()
        at.multiselect(key="brf_kind").set_value(["mining"]).run()
        assert not at.exception
        assert f"**将导出 {expected} 个案件**（峨口镇）" in [m.value for m in at.markdown]
        assert "下载地图 PDF" in labels(at)

    def test_atlas_button_counts_the_township_cases(self, demo_db):
        cases = app_store(demo_db).cases()
        n = int((cases["township"] == "峪口乡").sum())
        at = page_app("page_briefing").run()
        at.selectbox(key="brf_atlas_town").set_value("峪口乡").run()
        assert f"下载峪口乡核查单图册 PDF（{n} 页）" in labels(at)

    def test_bulletin_summary_for_a_date(self, demo_db):
        at = page_app("page_briefing").run()
        at.date_input(key="brf_day").set_value(dt.date(2019, 7, 15)).run()
        assert not at.exception
        md = [m.value for m in at.markdown]
        assert any(v.startswith("**第 3 期**") and "2019年6月30日至2019年7月15日" in v for v in md)
        assert any("第三阶段：查处整改" in v for v in md)
        metrics = {m.label for m in at.metric}
        assert {"本期新增案件", "状态变更", "本期销号", "逾期事项"} <= metrics

    def test_a_past_bulletin_counts_the_cases_of_its_day(self, demo_db):
        cases = app_store(demo_db).cases()
        n = int((cases["found_date"] <= dt.date(2019, 7, 15)).sum())
        at = page_app("page_briefing").run()
        at.date_input(key="brf_day").set_value(dt.date(2019, 7, 15)).run()
        md = [m.value for m in at.markdown]
        assert n == 33 < len(cases)
        assert f"**通报所列案件 {n} 起**（正文、分乡镇表与分布图相同）" in md
        assert any(f"全县共排查发现非法违法用地用矿案件 {n} 起" in v for v in md)
        new = next(m for m in at.metric if m.label == "本期新增案件")
        found = cases["found_date"].between(dt.date(2019, 6, 30), dt.date(2019, 7, 15))
        assert int(new.value) == int(found.sum()) > 0

    def test_a_day_that_cannot_be_rebuilt_is_refused_with_the_reason(self, demo_db):
        at = page_app("page_briefing").run()
        at.date_input(key="brf_day").set_value(dt.date(2019, 6, 1)).run()
        assert not at.exception
        assert any("案件库最早的案件记录是 2019年6月12日" in e.value and "无法重建2019年6月1日的案件状态" in e.value
                   for e in at.error)
        assert not {"下载通报 Word（可编辑）", "下载通报 PDF"} & set(labels(at))
        assert {"下载地图 PNG", "下载地图 PDF"} <= set(labels(at))  # the other tabs stay

    def test_a_store_filled_today_opens_on_a_day_it_can_rebuild(self, demo_db, tmp_path, monkeypatch):
        path = tmp_path / "fresh.db"
        store = new_empty_store(path)
        store.upsert_cases([app_store(demo_db).get_case("YD-2019-001")], user="导入")  # imported today
        store.close_all()
        add_test_accounts(path)
        monkeypatch.setenv("CASEMAP_DB", str(path))
        at = page_app("page_briefing").run()
        assert not at.exception and not at.error
        assert at.date_input(key="brf_day").value == dt.date.today()
        assert "**通报所列案件 1 起**（正文、分乡镇表与分布图相同）" in [m.value for m in at.markdown]


class TestExportButtons:
    def test_snapshot_maker_returns_a_png_of_the_page_size(self, demo_db):
        store = app_store(demo_db)
        cases = store.cases()
        shown = cases[cases["township"] == "峨口镇"]
        content = MapContent(cases=shown, townships=store.townships(), permits=store.permits(), county=store.county(),
                             title="测试导出", area_name="代县峨口镇", date_text="2019年7月15日",
                             notes=store_notes(store), outside=outside_parts(shown, store.permits()))
        png = snapshot_maker(content, extent=tuple(shown.total_bounds), fmt="png", size="A4", landscape=True,
                             dpi=100)()
        w, h = Image.open(io.BytesIO(png)).size
        assert abs(w - 1169) <= 1 and abs(h - 827) <= 1
        pdf = snapshot_maker(content, extent=None, fmt="pdf", size="A3", landscape=False)()
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1 and "测试导出" in reader.pages[0].extract_text()

    def test_popover_offers_png_and_pdf(self, demo_db):
        script = (
            "from ui import common\nfrom ui.export_buttons import snapshot_download\n"
            "cases = common.load_cases(common.db_path(), common.version())\n"
            "snapshot_download(cases.head(5), None, '导出测试图', 'exp')\n"
        )
        at = AppTest.from_string(script, default_timeout=90)
        at.session_state[KEY_TOKEN] = login_token(demo_db, "测试管理员")
        at.run()
        assert not at.exception
        assert labels(at) == ["下载 PNG", "下载 PDF"]
        assert any("导出当前显示的 5 个案件" in c.value for c in at.caption)
