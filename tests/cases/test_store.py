"""The SQLite store: round trip, all-or-nothing writes, audit, optimistic locking, migrations."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from shapely.geometry import Point, box

from cases.model import Case, Permit
from cases.store import SCHEMA_VERSION, SQLiteStore, open_store
from geo.errors import ConflictError, StoreError, ValidationError


def case(cid="YD-1", **kw) -> Case:
    base = dict(case_id=cid, kind="land", category=2, township="上馆镇", found_date=dt.date(2019, 7, 1),
                geometry=box(112.95, 39.06, 112.951, 39.061), summary="张某于2018年在东庄村非法占地", fine_wan=1.5)
    base.update(kw)
    return Case(**base)


@pytest.fixture
def store(store_location, store_backend, tmp_path):
    """A new, empty store on each backend (SQLite: a file of any name and suffix)."""
    location = tmp_path / "any name.sqlite3-whatever" if store_backend == "sqlite" else store_location
    s = open_store(location, create=True)
    yield s
    s.close_all()


def test_round_trip_keeps_every_field(store):
    c = case(accept_county=True, filing_date=dt.date(2019, 7, 3), penalty="<b>罚款</b><script>x</script>")
    store.upsert_cases([c], user="甲")
    got = store.get_case("YD-1")
    assert got.summary == c.summary and got.penalty == c.penalty
    assert got.filing_date == dt.date(2019, 7, 3) and got.accept_county is True and got.accept_city is False
    assert got.geometry.equals(c.geometry)
    assert got.version == 1 and got.updated_by == "甲"
    frame = store.cases()
    assert frame.crs.to_epsg() == 4490 and list(frame.case_id) == ["YD-1"]
    assert frame.loc[0, "found_date"] == dt.date(2019, 7, 1)


def test_upsert_reports_added_changed_unchanged(store):
    assert store.upsert_cases([case("A"), case("B")], user="u") == {"added": ["A", "B"], "changed": [], "unchanged": []}
    rep = store.upsert_cases([case("A"), case("B", fine_wan=9.0)], user="u")
    assert rep == {"added": [], "changed": ["B"], "unchanged": ["A"]}
    assert len(store.cases()) == 2
    log = store.audit(case_id="B")
    assert list(log.action) == ["create", "update"]
    assert log.iloc[-1][["field", "old", "new"]].tolist() == ["fine_wan", "1.5", "9.0"]


def test_one_bad_case_writes_nothing(store):
    with pytest.raises(ValidationError, match="案件 BAD：违法类别 7"):
        store.upsert_cases([case("OK"), case("BAD", category=7)], user="u")
    assert len(store.cases()) == 0
    assert store.audit().empty


def test_update_case_audits_each_field(store):
    store.upsert_cases([case()], user="甲")
    new = store.update_case("YD-1", {"status": "已立案", "fine_wan": 3.0}, expected_version=1, user="乙")
    assert new.version == 2 and new.status == "已立案"
    log = store.audit(case_id="YD-1")
    upd = log[log.action == "update"].set_index("field")
    assert upd.loc["status", "old"] == "排查发现" and upd.loc["status", "new"] == "已立案"
    assert upd.loc["fine_wan", "user"] == "乙"


def test_second_writer_is_told_and_nothing_overwritten(store):
    store.upsert_cases([case()], user="甲")
    store.update_case("YD-1", {"remarks": "甲的修改"}, expected_version=1, user="甲")
    with pytest.raises(ConflictError, match="已被 甲 .*修改.*您的修改未保存"):
        store.update_case("YD-1", {"remarks": "乙的修改"}, expected_version=1, user="乙")
    assert store.get_case("YD-1").remarks == "甲的修改"


def test_invalid_update_is_refused(store):
    store.upsert_cases([case()], user="甲")
    with pytest.raises(ValidationError, match="责任乡镇「外县」"):
        store.update_case("YD-1", {"township": "外县"}, expected_version=1, user="甲")
    assert store.get_case("YD-1").township == "上馆镇"


def test_data_version_grows(store):
    v0 = store.data_version()
    store.upsert_cases([case()], user="u")
    assert store.data_version() > v0


def test_permits(store):
    p = Permit("C1", "甲公司", "铁矿", dt.date(2015, 1, 1), dt.date(2025, 1, 1), box(113.1, 39.0, 113.11, 39.01))
    assert store.upsert_permits([p], user="u") == {"added": ["C1"], "changed": []}
    f = store.permits()
    assert f.loc[0, "valid_to"] == dt.date(2025, 1, 1) and f.loc[0, "mineral"] == "铁矿"


def test_schema_version_is_stored_and_newer_is_refused(tmp_path):
    path = tmp_path / "x.db"
    open_store(path, create=True).close()
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="结构版本 99"):
        SQLiteStore(path)


def test_not_a_database(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("这不是数据库" * 100, encoding="utf-8")
    with pytest.raises(StoreError, match="不是 casemap 案件库"):
        SQLiteStore(bad)


def test_point_geometry(store):
    store.upsert_cases([case(geometry=Point(112.95, 39.07))], user="u")
    assert store.get_case("YD-1").geometry.geom_type == "Point"
