"""The audit log is append-only and hash-chained: tampering with the file shows."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import psycopg
import pytest
from shapely.geometry import Point

from cases import audit
from cases.model import Case
from cases.store import SCHEMA_VERSION, _migrations, open_store


def _case(**kw) -> Case:
    base = dict(case_id="YD-1", kind="land", category=1, township="峨口镇", found_date=dt.date(2019, 7, 1),
                geometry=Point(113.0, 39.05))
    return Case(**{**base, **kw})


class Outside:
    """A plain connection to the store's database, as someone with a database tool (sqlite3, psql) has."""

    def __init__(self, store) -> None:
        self.sqlite = isinstance(store.path, Path)
        self.con = (sqlite3.connect(store.path, isolation_level=None) if self.sqlite
                    else psycopg.connect(store.url, autocommit=True))
        self.error = sqlite3.DatabaseError if self.sqlite else psycopg.Error

    def run(self, sql: str) -> None:
        self.con.execute(sql)

    def drop_guard(self, trigger: str) -> None:
        """Remove the append-only trigger (``audit_no_update`` / ``audit_no_delete``) as an administrator could."""
        self.run(f"DROP TRIGGER {trigger}" if self.sqlite else "ALTER TABLE audit DISABLE TRIGGER audit_no_update_delete")

    def close(self) -> None:
        self.con.close()


@pytest.fixture
def store(store_location):
    s = open_store(store_location, create=True)
    s.upsert_cases([_case()], user="甲")
    s.update_case("YD-1", {"status": "已立案", "remarks": "复查"}, expected_version=1, user="乙")
    yield s
    s.close_all()


def test_every_row_is_chained_and_the_intact_log_verifies(store):
    rows = store.query("SELECT at, user, case_id, action, field, old, new, hash FROM audit ORDER BY id")
    assert [r[3] for r in rows] == ["create", "update", "update"]
    prev = audit.GENESIS
    for *values, stored in rows:
        prev = audit.row_hash(prev, values)
        assert stored == prev
    assert store.audit_problems() == []


def test_update_and_delete_are_refused_by_the_store_file_itself(store):
    con = Outside(store)
    with pytest.raises(con.error, match="只能追加"):
        con.run("UPDATE audit SET \"user\" = '局长' WHERE action = 'create'")
    with pytest.raises(con.error, match="只能追加"):
        con.run("DELETE FROM audit")
    if not con.sqlite:
        with pytest.raises(con.error, match="只能追加"):
            con.run("TRUNCATE audit")
    con.close()
    assert len(store.audit()) == 3


def test_a_row_edited_outside_casemap_breaks_the_chain(store):
    con = Outside(store)
    con.drop_guard("audit_no_update")  # what someone with a database tool could do
    con.run("UPDATE audit SET \"user\" = '局长' WHERE field = 'status'")
    con.close()
    problems = store.audit_problems()
    assert len(problems) == 1 and "第 2 条" in problems[0] and "局长" in problems[0]


def test_a_deleted_row_breaks_the_chain_at_the_next(store):
    con = Outside(store)
    con.drop_guard("audit_no_delete")
    con.run("DELETE FROM audit WHERE field = 'status'")
    con.close()
    problems = store.audit_problems()
    assert len(problems) == 1 and "第 3 条" in problems[0]


def test_a_version_1_store_is_migrated_and_its_old_rows_chained(tmp_path):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    for sql in _migrations()[1]:  # the schema a version-1 store has
        con.execute(sql)
    con.executescript("""
        INSERT INTO meta VALUES ('schema_version', '1');
        INSERT INTO audit (at, user, case_id, action) VALUES ('2019-07-01T10:00:00', '甲', 'YD-1', 'create');
        INSERT INTO audit (at, user, case_id, action, field, old, new)
            VALUES ('2019-07-02T10:00:00', '乙', 'YD-1', 'update', 'status', '排查发现', '已立案');
    """)
    con.commit()
    con.close()
    s = open_store(path)
    assert s.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert s.audit_problems() == []
    assert [r[0] for r in s.query("SELECT name FROM users")] == []
