"""The semimonthly bulletin: schedule, progress table, the cases as they were on its day (text, table, map, overdue,
changes), days that cannot be rebuilt, .docx and .pdf files."""

from __future__ import annotations

import datetime as dt
import re

import docx
import pandas as pd
import pytest
from pypdf import PdfReader

from cases.campaign import load_campaign
from cases.cli.main import main
from cases.history import StoreAsOf, cases_as_of
from cases.model import CLOSED_STATUS, STATUSES
from cases.output.bulletin import (
    TITLE,
    build_bulletin,
    bulletin_number,
    map_request,
    previous_bulletin_day,
    progress_table,
)
from cases.output.bulletin_files import write_bulletin
from cases.output.snapshots import snapshot_content
from cases.store import SQLiteStore, open_store
from cases.text import date_text
from geo.errors import ValidationError
from tests.cases.conftest import copy_store
from tests.demo_division import TOWNSHIPS

D = dt.date


#: init-demo moves each demo case on one stage every this many days after its 立案日期 (cases.demo).
DEMO_STEP_DAYS = 8


def demo_status_on(row, day: dt.date) -> str:
    """A demo case's status on ``day`` by init-demo's rule: 排查发现 when found, 已立案 on its 立案日期, then one stage
    every DEMO_STEP_DAYS days up to its status now."""
    stage = STATUSES.index(row["status"])
    if stage == 0:
        return STATUSES[0]
    reached = sum(row["filing_date"] + dt.timedelta(days=DEMO_STEP_DAYS * (k - 1)) <= day for k in range(1, stage + 1))
    return STATUSES[reached]


@pytest.fixture(scope="module")
def dated_store(demo, tmp_path_factory):
    """A copy of the demo store (its history ends in late 2019), then, each at a set time:
    12-03 e deleted; 12-05 a → 已立案 or 查处整改中; 12-08 N1 (found 12-07) added; 12-10 b → 已销号;
    12-20 c → 已销号; 12-22 N2 (found 12-21) added; 12-28 d deleted.  The 12-15 bulletin sees the first four."""
    mp = pytest.MonkeyPatch()
    store = copy_store(demo, tmp_path_factory.mktemp("bulletin") / "b.db")
    cases = store.cases()
    live = cases[cases["status"] != CLOSED_STATUS]
    a, b, c, d, e = live["case_id"].iloc[:5]
    n1, n2 = store.get_case(a).with_changes(case_id="YD-2019-901", found_date=D(2019, 12, 7), status="排查发现"), \
        store.get_case(a).with_changes(case_id="YD-2019-902", found_date=D(2019, 12, 21), status="排查发现")

    def at(when):
        mp.setattr(SQLiteStore, "_now", staticmethod(lambda: when))

    def status(cid, new):
        old = store.get_case(cid)
        store.update_case(cid, {"status": new if old.status != new else "已立案"}, expected_version=old.version,
                          user="测试员")

    at("2019-12-03T09:00:00")
    store.delete_case(e, expected_version=store.get_case(e).version, user="局长", reason="重复登记")
    at("2019-12-05T09:00:00")
    status(a, "查处整改中")
    at("2019-12-08T09:00:00")
    store.upsert_cases([n1], user="测试员")
    at("2019-12-10T16:30:00")
    status(b, CLOSED_STATUS)
    at("2019-12-20T08:00:00")
    status(c, CLOSED_STATUS)
    at("2019-12-22T08:00:00")
    store.upsert_cases([n2], user="测试员")
    at("2019-12-28T08:00:00")
    store.delete_case(d, expected_version=store.get_case(d).version, user="局长", reason="误报")
    mp.undo()
    store.changed = dict(a=a, b=b, c=c, d=d, e=e, n1=n1.case_id, n2=n2.case_id)
    store.status_before = {cid: str(cases.set_index("case_id").at[cid, "status"]) for cid in (a, b, c, d)}
    yield store
    store.close_all()


def map_ids(store, day: dt.date) -> list[str]:
    """The cases the bulletin's map draws (the map's own selection of cases)."""
    view = StoreAsOf(store, day)
    content, _ = snapshot_content(view, map_request(view))
    assert content.date_text == date_text(day)
    return sorted(content.cases["case_id"])


def overview_count(b) -> int:
    return int(re.search(r"全县共排查发现非法违法用地用矿案件 (\d+) 起", b.overview).group(1))


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


class TestTheDemoOnAPastDay:
    """The issue's bulletin: the demo store's 2019-07-15, made today."""

    DAY = D(2019, 7, 15)

    def test_text_table_and_map_count_the_same_cases(self, demo):
        cases = demo.cases()
        found = sorted(cases.loc[pd.to_datetime(cases["found_date"]) <= pd.Timestamp(self.DAY), "case_id"])
        bl = build_bulletin(demo, day=self.DAY, with_map=False)
        assert len(found) == 33 < len(cases)
        assert overview_count(bl) == int(bl.table.iloc[-1]["found"]) == len(bl.case_ids) == len(found)
        assert sorted(bl.case_ids) == found == map_ids(demo, self.DAY)

    def test_statuses_are_those_of_the_day(self, demo):
        cases = demo.cases().set_index("case_id")
        then = cases_as_of(demo, self.DAY).set_index("case_id")
        expected = {cid: demo_status_on(cases.loc[cid], self.DAY) for cid in then.index}
        assert then["status"].to_dict() == expected
        moved = [cid for cid in then.index if expected[cid] != cases.at[cid, "status"]]
        assert len(moved) >= 10  # cases edited after the day show their old status
        bl = build_bulletin(demo, day=self.DAY, with_map=False)
        filed = sum(s != "排查发现" for s in expected.values())
        assert int(bl.table.iloc[-1]["filed"]) == filed and f"已立案 {filed} 起" in bl.overview
        assert int(bl.table.iloc[-1]["closed"]) == 0 < int((cases["status"] == CLOSED_STATUS).sum())

    def test_new_cases_are_those_found_in_the_window(self, demo):
        cases = demo.cases()
        found = pd.to_datetime(cases["found_date"])
        window = cases.loc[(found >= pd.Timestamp("2019-06-30")) & (found <= pd.Timestamp(self.DAY)), "case_id"]
        bl = build_bulletin(demo, day=self.DAY, with_map=False)
        assert sorted(bl.new_cases["案件编号"]) == sorted(window) and len(window) > 0
        assert set(bl.new_cases["录入时间"]) <= {str(d) for d in pd.date_range("2019-06-30", self.DAY).date}
        assert "查处整改" in bl.phase_text and "第三阶段" in bl.phase_text

    def test_overdue_lists_the_cases_open_on_the_day(self, demo):
        day = D(2019, 10, 30)
        bl = build_bulletin(demo, day=day, with_map=False)
        then = cases_as_of(demo, day)
        open_ = then["status"].isin(["排查发现", "已立案", "查处整改中"])
        text, rows = next((t, r) for t, r in bl.overdue if t.startswith("乡镇完成辖区验收（10月25日）"))
        assert set(rows["案件编号"]) == set(then.loc[open_, "case_id"]) and f"共 {int(open_.sum())} 起" in text
        assert set(rows["办理状态"]) <= {"排查发现", "已立案", "查处整改中"}
        assert any("县领导组完成验收（11月15日）" in u for u in bl.upcoming)


class TestEditsAfterTheDay:
    DAY = D(2019, 12, 15)

    def test_each_case_as_it_was(self, dated_store):
        ch = dated_store.changed
        bl = build_bulletin(dated_store, day=self.DAY, with_map=False)
        ids = set(bl.case_ids)
        assert ch["n1"] in ids and ch["d"] in ids  # added before; deleted after the day
        assert ch["n2"] not in ids and ch["e"] not in ids  # added after; deleted before the day
        then = cases_as_of(dated_store, self.DAY).set_index("case_id")
        assert then.at[ch["c"], "status"] == dated_store.status_before[ch["c"]] != CLOSED_STATUS  # changed 12-20
        assert then.at[ch["b"], "status"] == CLOSED_STATUS
        assert overview_count(bl) == int(bl.table.iloc[-1]["found"]) == len(ids) == len(map_ids(dated_store, self.DAY))

    def test_changes_compare_the_two_ends(self, dated_store):
        ch = dated_store.changed
        bl = build_bulletin(dated_store, day=self.DAY, with_map=False)
        assert bl.since == D(2019, 11, 30)
        assert list(bl.new_cases["案件编号"]) == [ch["n1"]] and bl.new_cases["录入时间"].iloc[0] == "2019-12-08"
        assert list(bl.status_changes["案件编号"]) == [ch["a"], ch["b"]]  # the 12-20 change is after the bulletin
        assert list(bl.closed["案件编号"]) == [ch["b"]] and bl.closed["销号时间"].iloc[0] == "2019-12-10"
        assert list(bl.removed["案件编号"]) == [ch["e"]] and bl.removed["删除时间"].iloc[0] == "2019-12-03"

    def test_since_option_widens_the_window(self, dated_store):
        bl = build_bulletin(dated_store, day=D(2019, 7, 15), since=D(2019, 6, 1), with_map=False)
        assert sorted(bl.new_cases["案件编号"]) == sorted(bl.case_ids) and len(bl.case_ids) == 33

    def test_since_after_date_is_refused(self, dated_store):
        with pytest.raises(ValidationError, match="晚于通报日期"):
            build_bulletin(dated_store, day=D(2019, 7, 15), since=D(2019, 7, 20), with_map=False)


class TestRefusal:
    def test_a_store_imported_today_refuses_its_2019_bulletins(self, demo, tmp_path, capsys):
        store = open_store(tmp_path / "imported.db", create=True)
        store.upsert_cases([demo.get_case("YD-2019-001")], user="导入")  # recorded today, found in 2019
        out = tmp_path / "通报.docx"
        assert main(["bulletin", "--date", "2019-11-30", "--out", str(out), "--db", str(store.path)]) == 2
        err = capsys.readouterr().err
        assert f"案件库最早的案件记录是 {date_text(dt.date.today())}" in err and "无法重建2019年11月30日的案件状态" in err
        assert "其中 1 个案件发现于该日或之前（如 YD-2019-001）" in err
        assert not out.exists()

    def test_a_case_recorded_after_the_day_is_noted(self, demo_copy, monkeypatch):
        case = demo_copy.get_case("YD-2019-001").with_changes(case_id="YD-2019-950", found_date=D(2019, 7, 1))
        monkeypatch.setattr(SQLiteStore, "_now", staticmethod(lambda: "2019-08-01T09:00:00"))
        demo_copy.upsert_cases([case], user="导入")
        bl = build_bulletin(demo_copy, day=D(2019, 7, 15), with_map=False)
        assert "YD-2019-950" not in bl.case_ids
        assert any(n.startswith("另有 1 起案件（如 YD-2019-950）发现于2019年7月15日或之前") for n in bl.notes)


class TestFiles:
    def test_docx_has_every_section(self, dated_store, tmp_path):
        ch = dated_store.changed
        path, bl = write_bulletin(dated_store, tmp_path / "tb.docx", day=D(2019, 12, 15))
        doc = docx.Document(str(path))
        text = "\n".join(p.text for p in doc.paragraphs)
        cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
        for piece in (TITLE, "第 13 期", "2019年12月15日", "一、工作阶段", "二、总体进展", "三、全县案件分布图",
                      "四、逾期未完成事项", "五、涉嫌犯罪移送", "六、本期变化", "2019年11月30日至2019年12月15日", "删除案件 1 起",
                      f"全县共排查发现非法违法用地用矿案件 {len(bl.case_ids)} 起", "本期删除案件（1）",
                      "示例数据", "乡镇界线为示意"):
            assert piece in text, piece
        for piece in ("乡镇", "排查发现", "已立案", "整改到位", "已销号", "面积（亩）", "罚款（万元）", "追刑（人）",
                      "追责（人）", "雁门关乡", "合计", ch["a"], ch["b"], ch["n1"], ch["e"]):
            assert piece in cells, piece
        assert ch["n2"] not in cells
        assert len(doc.inline_shapes) == 1  # the county overview map
        # 五、涉嫌犯罪移送: the demo mining cases whose 开采矿产品价值 reaches 10 万元 (no reference layers needed)
        headings = [p for p in doc.paragraphs if p.text[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")]
        assert len(headings) == 6 and all(p.paragraph_format.keep_with_next for p in headings)

    def test_pdf_pages_and_text(self, demo, tmp_path, capsys):
        out = tmp_path / "tb.pdf"
        assert main(["bulletin", "--date", "2019-07-15", "--out", str(out), "--db", str(demo.path)]) == 0
        assert "第 3 期" in capsys.readouterr().out
        reader = PdfReader(str(out))
        n = len(reader.pages)
        text = "\n".join(p.extract_text() for p in reader.pages)
        assert n >= 2
        for piece in (TITLE, "第三阶段：查处整改", "排查发现", "雁门关乡", "全县共排查发现非法违法用地用矿案件 33 起",
                      "新增案件", f"第 1 页，共 {n} 页", "五、涉嫌犯罪移送", "六、本期变化"):
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


def test_a_township_accounts_bulletin_speaks_of_its_township(demo):
    from cases.accounts import Account
    from cases.output.bulletin_files import blocks
    from cases.permissions import GuardedStore

    ekou = GuardedStore(demo, Account("峨口干部", "township", "峨口镇"))
    b = build_bulletin(ekou, day=dt.date(2019, 7, 15), with_map=False)
    county = build_bulletin(demo, day=dt.date(2019, 7, 15), with_map=False)
    own = [c for c in county.case_ids if demo.get_case(c).township == "峨口镇"]
    assert set(b.case_ids) == set(own) and 0 < len(own) < len(county.case_ids)
    assert b.overview.startswith(f"截至2019年7月15日，峨口镇共排查发现非法违法用地用矿案件 {len(own)} 起")
    assert ("heading", "三、峨口镇案件分布图") in blocks(b)
    assert county.overview.startswith("截至2019年7月15日，全县共排查发现") and ("heading", "三、全县案件分布图") in blocks(county)
