"""The semimonthly bulletin: schedule, progress table, what changed (audit log), .docx and .pdf files."""

from __future__ import annotations

import datetime as dt

import docx
import pandas as pd
import pytest
from pypdf import PdfReader

from cases.campaign import load_campaign
from cases.cli.main import main
from cases.demo import init_demo
from cases.output.bulletin import (
    TITLE,
    build_bulletin,
    bulletin_number,
    previous_bulletin_day,
    progress_table,
)
from cases.output.bulletin_files import write_bulletin
from cases.store import SQLiteStore, open_store
from geo.errors import ValidationError
from tests.demo_division import TOWNSHIPS

D = dt.date


@pytest.fixture(scope="module")
def dated_store(tmp_path_factory):
    """A demo store loaded on 2019-06-20, with status changes on 07-05 and 07-10 (and 07-20, after)."""
    mp = pytest.MonkeyPatch()
    path = tmp_path_factory.mktemp("bulletin") / "b.db"
    store = open_store(path, create=True)
    mp.setattr(SQLiteStore, "_now", staticmethod(lambda: "2019-06-20T10:00:00"))
    init_demo(store)
    cases = store.cases()
    early = cases[pd.to_datetime(cases["found_date"]) <= pd.Timestamp("2019-07-01")]
    a, b, c = early["case_id"].iloc[0], early["case_id"].iloc[1], early["case_id"].iloc[2]
    for when, cid, status in (("2019-07-05T09:00:00", a, "查处整改中"), ("2019-07-10T16:30:00", b, "已销号"),
                              ("2019-07-20T08:00:00", c, "已销号")):
        mp.setattr(SQLiteStore, "_now", staticmethod(lambda when=when: when))
        old = store.get_case(cid)
        if old.status == status:
            status = "已立案"
        store.update_case(cid, {"status": status}, expected_version=old.version, user="测试员")
    mp.undo()
    store.changed = (a, b, c)
    return store


class TestSchedule:
    @pytest.mark.parametrize(("day", "previous"), [
        (D(2019, 7, 15), D(2019, 6, 30)), (D(2019, 7, 30), D(2019, 7, 15)), (D(2019, 7, 31), D(2019, 7, 30)),
        (D(2019, 7, 16), D(2019, 7, 15)), (D(2019, 3, 1), D(2019, 2, 28)), (D(2020, 3, 10), D(2020, 2, 29)),
        (D(2019, 7, 1), D(2019, 6, 30)),
    ])
    def test_previous_bulletin_day(self, day, previous):
        assert previous_bulletin_day(day) == previous

    @pytest.mark.parametrize(("day", "number"), [
        (D(2019, 6, 15), 1), (D(2019, 6, 30), 2), (D(2019, 7, 15), 3), (D(2019, 11, 15), 11), (D(2019, 6, 5), 1),
    ])
    def test_issue_number_counts_15ths_and_30ths_from_the_campaign_start(self, day, number):
        assert bulletin_number(day, load_campaign()) == number


class TestProgressTable:
    def test_counts_per_township(self):
        cases = pd.DataFrame({
            "township": ["上馆镇", "上馆镇", "峨口镇"], "kind": ["land", "mining", "mining"], "category": [1, 7, 6],
            "status": ["排查发现", "已立案", "已销号"], "fine_wan": [0, 2.5, 1.0], "criminal_persons": [0, 1, 0],
            "accountability_persons": [0, 0, 2], "area_mu_declared": [1.5, 2.0, 3.0],
        })
        import geopandas as gpd
        from shapely.geometry import Point

        frame = gpd.GeoDataFrame(cases, geometry=[Point(113.0, 39.0)] * 3, crs=4490)
        t = progress_table(frame, townships=TOWNSHIPS).set_index("township")
        assert t.loc["上馆镇", ["found", "filed", "rectified", "closed"]].tolist() == [2, 1, 0, 0]
        assert t.loc["峨口镇", ["found", "filed", "rectified", "closed"]].tolist() == [1, 1, 1, 1]
        assert t.loc["合计", "filed"] == 2 and t.loc["合计", "fine_wan"] == 3.5
        assert t.loc["合计", "area_mu"] == 6.5 and t.loc["合计", "criminal_persons"] == 1
        assert t.loc["聂营镇", "found"] == 0 and len(t) == 12


class TestBulletinContent:
    def test_changes_since_the_previous_bulletin(self, dated_store):
        a, b, _ = dated_store.changed
        bl = build_bulletin(dated_store, day=D(2019, 7, 15), with_map=False)
        assert bl.since == D(2019, 6, 30) and bl.number == 3
        assert len(bl.new_cases) == 0  # created on 06-20, before the window
        assert list(bl.status_changes["案件编号"]) == [a, b]  # the 07-20 change is after the bulletin
        assert list(bl.closed["案件编号"]) == [b] and bl.closed["时间"].iloc[0] == "2019-07-10"
        assert "查处整改" in bl.phase_text and "第三阶段" in bl.phase_text

    def test_since_option_widens_the_window(self, dated_store):
        bl = build_bulletin(dated_store, day=D(2019, 7, 15), since=D(2019, 6, 1), with_map=False)
        cases = dated_store.cases()
        found = int((pd.to_datetime(cases["found_date"]) <= pd.Timestamp("2019-07-15")).sum())
        assert len(bl.new_cases) == found > 0

    def test_overdue_by_deadline(self, dated_store):
        bl = build_bulletin(dated_store, day=D(2019, 10, 30), with_map=False)
        names = [t for t, _ in bl.overdue]
        assert any(t.startswith("乡镇完成辖区验收（10月25日）") for t in names)
        cases = dated_store.cases()
        open_ = cases["status"].isin(["排查发现", "已立案", "查处整改中"])
        text, rows = next((t, r) for t, r in bl.overdue if t.startswith("乡镇完成辖区验收"))
        assert set(rows["案件编号"]) == set(cases.loc[open_, "case_id"]) and f"共 {int(open_.sum())} 起" in text
        assert any("县领导组完成验收（11月15日）" in u for u in bl.upcoming)

    def test_since_after_date_is_refused(self, dated_store):
        with pytest.raises(ValidationError, match="晚于通报日期"):
            build_bulletin(dated_store, day=D(2019, 7, 15), since=D(2019, 7, 20), with_map=False)


class TestFiles:
    def test_docx_has_every_section(self, dated_store, tmp_path):
        a, b, _ = dated_store.changed
        path, _ = write_bulletin(dated_store, tmp_path / "tb.docx", day=D(2019, 7, 15))
        doc = docx.Document(str(path))
        text = "\n".join(p.text for p in doc.paragraphs)
        cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
        for piece in (TITLE, "第 3 期", "2019年7月15日", "一、工作阶段", "查处整改", "二、总体进展",
                      "三、全县案件分布图", "四、逾期未完成事项", "五、本期变化", "2019年6月30日至2019年7月15日",
                      "示例数据", "乡镇界线为示意"):
            assert piece in text, piece
        for piece in ("乡镇", "排查发现", "已立案", "整改到位", "已销号", "面积（亩）", "罚款（万元）", "追刑（人）",
                      "追责（人）", "雁门关乡", "合计", a, b):
            assert piece in cells, piece
        assert len(doc.inline_shapes) == 1  # the county overview map
        headings = [p for p in doc.paragraphs if p.text[:2] in ("一、", "二、", "三、", "四、", "五、")]
        assert len(headings) == 5 and all(p.paragraph_format.keep_with_next for p in headings)

    def test_pdf_pages_and_text(self, dated_store, tmp_path, capsys):
        a, b, _ = dated_store.changed
        out = tmp_path / "tb.pdf"
        assert main(["bulletin", "--date", "2019-07-15", "--out", str(out), "--db", str(dated_store.path)]) == 0
        assert "第 3 期" in capsys.readouterr().out
        reader = PdfReader(str(out))
        n = len(reader.pages)
        text = "\n".join(p.extract_text() for p in reader.pages)
        assert n >= 2
        for piece in (TITLE, "第三阶段：查处整改", "排查发现", "雁门关乡", a, b, "本期销号案件",
                      f"第 1 页，共 {n} 页", "五、本期变化"):
            assert piece in text, piece

    @pytest.mark.parametrize(("args", "message"), [
        (["--date", "2019-07-15", "--out", "x.txt"], "扩展名应为 .docx 或 .pdf"),
        (["--date", "2019-13-01", "--out", "x.pdf"], "--date「2019-13-01」不是有效日期"),
        (["--date", "2019-07-15", "--since", "2019-08-01", "--out", "x.pdf"], "晚于通报日期"),
    ])
    def test_bad_requests(self, dated_store, tmp_path, capsys, args, message):
        args = [a if not a.startswith("x.") else str(tmp_path / a) for a in args]
        assert main(["bulletin", *args, "--db", str(dated_store.path)]) == 2
        assert message in capsys.readouterr().err
