"""Cases as they were on a past day, rebuilt from the audit log; days that cannot be rebuilt are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import Point, box

from cases.accounts import Account
from cases.history import History, HistoryError, StoreAsOf, cases_as_of, division_on
from cases.model import Case
from cases.permissions import GuardedStore
from cases.store import SQLiteStore, open_store

D = dt.date


def case(cid: str, found: dt.date | None, **kw) -> Case:
    base = dict(case_id=cid, kind="land", category=2, township="上馆镇", found_date=found,
                geometry=box(112.95, 39.06, 112.951, 39.061), summary=f"{cid} 非法占地")
    base.update(kw)
    return Case(**base)


class Clock:
    """Sets the time the store writes (its audit rows and versions)."""

    def __init__(self, monkeypatch) -> None:
        self.mp = monkeypatch

    def __call__(self, when: str) -> None:
        self.mp.setattr(SQLiteStore, "_now", staticmethod(lambda: when))


@pytest.fixture
def timeline(tmp_path, monkeypatch):
    """A store with a known history (every time set by hand):

    07-01 A (found 06-28) and B (found 06-30) recorded; 07-05 A 排查发现 → 已立案, fine 2.5, moved east;
    07-10 C (found 07-09) recorded; 07-12 B deleted; 07-20 A → 已销号, summary edited; 07-21 D (found 07-19)
    recorded; 07-25 C deleted.
    """
    clock = Clock(monkeypatch)
    store = open_store(tmp_path / "h.db", create=True)
    clock("2019-07-01T09:00:00")
    store.upsert_cases([case("A", D(2019, 6, 28)), case("B", D(2019, 6, 30), township="峨口镇")], user="甲")
    clock("2019-07-05T10:00:00")
    store.update_case("A", {"status": "已立案", "fine_wan": 2.5, "geometry": box(112.96, 39.06, 112.961, 39.061)},
                      expected_version=1, user="乙")
    clock("2019-07-10T08:00:00")
    store.upsert_cases([case("C", D(2019, 7, 9), kind="mining", category=6, geometry=Point(112.97, 39.07))], user="甲")
    clock("2019-07-12T16:00:00")
    store.delete_case("B", expected_version=1, user="局长", reason="重复登记")
    clock("2019-07-20T09:00:00")
    store.update_case("A", {"status": "已销号", "summary": "A 已拆除"}, expected_version=2, user="乙")
    clock("2019-07-21T09:00:00")
    store.upsert_cases([case("D", D(2019, 7, 19))], user="丙")
    clock("2019-07-25T09:00:00")
    store.delete_case("C", expected_version=1, user="局长", reason="误报")
    monkeypatch.undo()
    yield store
    store.close_all()


def by_id(frame):
    return frame.set_index("case_id")


class TestRebuild:
    def test_today_is_the_store_as_it_is(self, timeline):
        now = cases_as_of(timeline, D(2030, 1, 1))
        assert list(now["case_id"]) == ["A", "D"]
        cur = timeline.cases()
        for col in ("status", "fine_wan", "summary", "found_date", "version"):
            assert list(now[col]) == list(cur[col]), col
        assert now.geometry.geom_equals(cur.geometry).all()

    @pytest.mark.parametrize(("day", "ids"), [
        (D(2019, 7, 1), ["A", "B"]), (D(2019, 7, 4), ["A", "B"]), (D(2019, 7, 10), ["A", "B", "C"]),
        (D(2019, 7, 12), ["A", "C"]), (D(2019, 7, 20), ["A", "C"]), (D(2019, 7, 21), ["A", "C", "D"]),
        (D(2019, 7, 25), ["A", "D"]),
    ])
    def test_which_cases_the_store_held(self, timeline, day, ids):
        assert list(cases_as_of(timeline, day)["case_id"]) == ids

    def test_an_edited_case_has_its_old_fields(self, timeline):
        a = by_id(cases_as_of(timeline, D(2019, 7, 4))).loc["A"]
        assert (a["status"], a["fine_wan"], a["summary"], a["version"]) == ("排查发现", 0.0, "A 非法占地", 1)
        assert a.geometry.equals(box(112.95, 39.06, 112.951, 39.061))
        a = by_id(cases_as_of(timeline, D(2019, 7, 15))).loc["A"]
        assert (a["status"], a["fine_wan"], a["summary"], a["version"]) == ("已立案", 2.5, "A 非法占地", 2)
        assert a.geometry.bounds[0] == pytest.approx(112.96)
        assert (a["updated_at"], a["updated_by"]) == ("2019-07-05T10:00:00", "乙")

    def test_a_case_deleted_later_is_there_as_it_was(self, timeline):
        then = by_id(cases_as_of(timeline, D(2019, 7, 11)))
        assert then.loc["B", "township"] == "峨口镇" and then.loc["B", "status"] == "排查发现"
        assert then.loc["C", "kind"] == "mining" and then.loc["C"].geometry.equals(Point(112.97, 39.07))

    def test_a_case_found_after_the_day_is_absent_though_recorded(self, tmp_path, monkeypatch):
        clock = Clock(monkeypatch)
        store = open_store(tmp_path / "early.db", create=True)
        clock("2019-07-01T09:00:00")
        store.upsert_cases([case("E", D(2019, 6, 20)), case("F", D(2019, 8, 2)), case("G", None)], user="甲")
        assert list(cases_as_of(store, D(2019, 7, 15))["case_id"]) == ["E", "G"]

    def test_a_case_recreated_after_its_deletion(self, timeline, monkeypatch):
        clock = Clock(monkeypatch)
        clock("2019-08-01T09:00:00")
        timeline.upsert_cases([case("B", D(2019, 7, 30), township="阳明堡镇")], user="甲")
        assert by_id(cases_as_of(timeline, D(2019, 7, 11))).loc["B", "township"] == "峨口镇"
        assert "B" not in set(cases_as_of(timeline, D(2019, 7, 20))["case_id"])
        assert by_id(cases_as_of(timeline, D(2019, 8, 1))).loc["B", "township"] == "阳明堡镇"


class TestRefusal:
    def test_a_day_before_the_first_record(self, timeline):
        with pytest.raises(HistoryError, match="案件库最早的案件记录是 2019年7月1日.*无法重建2019年6月30日的案件状态"):
            cases_as_of(timeline, D(2019, 6, 30))

    def test_the_refusal_names_the_cases_already_found(self, timeline):
        with pytest.raises(HistoryError) as err:
            cases_as_of(timeline, D(2019, 6, 29))
        text = str(err.value)
        assert "其中 1 个案件发现于该日或之前（如 A）" in text and "录入前的办理状态没有记录" in text
        assert "请选择2019年7月1日或之后的日期" in text

    def test_a_store_imported_today_refuses_its_past(self, tmp_path):
        store = open_store(tmp_path / "imported.db", create=True)  # the ledger imported now, found in 2019
        store.upsert_cases([case("L1", D(2019, 7, 3), status="已销号")], user="导入")
        with pytest.raises(HistoryError, match="L1"):
            cases_as_of(store, D(2019, 7, 15))
        assert list(cases_as_of(store, dt.date.today())["status"]) == ["已销号"]

    def test_cases_recorded_after_the_day_are_absent_and_listed(self, timeline, monkeypatch):
        clock = Clock(monkeypatch)
        clock("2019-08-10T09:00:00")  # an import of a ledger: cases with their values of that day only
        timeline.upsert_cases([case("L1", D(2019, 7, 3), status="已销号"), case("L2", D(2019, 7, 18))], user="导入")
        assert list(cases_as_of(timeline, D(2019, 7, 15))["case_id"]) == ["A", "C"]
        late = History.load(timeline).late(D(2019, 7, 15))
        assert list(late["case_id"]) == ["L1"] and late["found"].iloc[0] == D(2019, 7, 3)
        assert "L1" in set(cases_as_of(timeline, D(2019, 8, 10))["case_id"])


class TestViews:
    def test_a_township_account_rebuilds_its_own_cases(self, timeline):
        own = GuardedStore(timeline, Account(name="上馆干部", role="township", township="上馆镇"))
        assert list(cases_as_of(own, D(2019, 7, 11))["case_id"]) == ["A", "C"]  # not B (峨口镇); C deleted since

    def test_the_view_reads_like_a_store(self, timeline):
        view = StoreAsOf(timeline, D(2019, 7, 11))
        assert list(view.cases()["case_id"]) == ["A", "B", "C"]
        assert view.get_case("A").status == "已立案" and view.get_case("B").township == "峨口镇"
        assert set(view.audit()["at"].str[:10]) <= {"2019-07-01", "2019-07-05", "2019-07-10"}
        assert not hasattr(view, "upsert_cases") and not hasattr(view, "delete_case")

    def test_the_division_in_force(self, demo):
        assert division_on(demo, D(2019, 7, 15)) == 2019
        assert division_on(demo, D(2010, 1, 1)) == 2018  # before every layer: the oldest
