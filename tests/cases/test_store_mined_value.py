"""The case field 开采矿产品价值（万元） (schema 5) on both backends, the upgrade of a version-4 store, and
``clear_cases_and_permits`` taking the photo rows with the cases."""

from __future__ import annotations

import sqlite3

import pandas as pd
import psycopg
import pytest
from shapely.geometry import Point

from cases.evidence import attach_photos, photo_dir, photo_records
from cases.model import Case
from cases.store import SCHEMA_VERSION, open_store
from geo.errors import StoreError, ValidationError
from tests.cases.evidence.photo_fixtures import photo

MINE = Case(case_id="CK-1", kind="mining", category=6, township="峨口镇", geometry=Point(113.2, 39.085), seq=1,
            summary="王某在峨口镇无证开采石灰岩")
LAND = Case(case_id="YD-1", kind="land", category=1, township="峨口镇", geometry=Point(113.2, 39.085), seq=1)


def _columns(store, table: str) -> list[str]:
    if isinstance(store.path, str):  # PostgreSQL
        return [r[0] for r in store.query("SELECT column_name FROM information_schema.columns WHERE table_schema ="
                                          " 'public' AND table_name = ? ORDER BY ordinal_position", (table,))]
    return [r[1] for r in store.query(f"PRAGMA table_info({table})")]


def test_schema_version_is_5():
    assert SCHEMA_VERSION == 5


class TestField:
    def test_stored_read_back_and_audited(self, store_location):
        store = open_store(store_location, create=True)
        try:
            store.upsert_cases([MINE], user="甲")
            assert store.get_case("CK-1").mined_value_wan is None
            new = store.update_case("CK-1", {"mined_value_wan": 12.5}, expected_version=1, user="乙")
            assert (new.version, store.get_case("CK-1").mined_value_wan) == (2, 12.5)
            assert store.cases().set_index("case_id").loc["CK-1", "mined_value_wan"] == 12.5
            log = store.audit(case_id="CK-1")
            row = log[log["field"] == "mined_value_wan"].iloc[0]
            assert (row["user"], row["action"], row["old"], row["new"]) == ("乙", "update", None, "12.5")
            store.update_case("CK-1", {"mined_value_wan": None}, expected_version=2, user="乙")  # emptied again
            assert store.get_case("CK-1").mined_value_wan is None
            last = store.audit(case_id="CK-1").iloc[-1]
            assert (last["field"], last["old"], pd.isna(last["new"])) == ("mined_value_wan", "12.5", True)
        finally:
            store.close_all()

    def test_negative_and_land_values_are_refused(self, store_location):
        store = open_store(store_location, create=True)
        try:
            store.upsert_cases([MINE, LAND], user="甲")
            with pytest.raises(ValidationError, match=r"开采矿产品价值（万元）不能为负数（-3\.0）"):
                store.update_case("CK-1", {"mined_value_wan": -3.0}, expected_version=1, user="乙")
            with pytest.raises(ValidationError, match="用地案件不应填写开采矿产品价值（万元）"):
                store.update_case("YD-1", {"mined_value_wan": 5.0}, expected_version=1, user="乙")
            assert store.get_case("CK-1").mined_value_wan is None and store.get_case("CK-1").version == 1
        finally:
            store.close_all()

    def test_a_deleted_case_keeps_its_value(self, store_location):
        store = open_store(store_location, create=True)
        try:
            store.upsert_cases([MINE.with_changes(mined_value_wan=30.0)], user="甲")
            store.delete_case("CK-1", expected_version=1, user="乙", reason="重复录入")
            kept = store.deleted_case_rows()
            assert kept["case_id"].tolist() == ["CK-1"] and kept["mined_value_wan"].tolist() == [30.0]
        finally:
            store.close_all()


def _make_v4_file(path) -> None:
    """Turn the store file at ``path`` into what a version-4 casemap left: no 开采矿产品价值 column."""
    con = sqlite3.connect(path)
    for table in ("cases", "deleted_cases"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN mined_value_wan")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    con.commit()
    con.close()


def _make_v4_server(url: str, version: str = "4") -> None:
    with psycopg.connect(url, autocommit=True) as con:
        for table in ("cases", "deleted_cases"):
            con.execute(f"ALTER TABLE {table} DROP COLUMN mined_value_wan")
        con.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", (version,))


class TestUpgrade:
    def test_a_version_4_store_gets_the_column_and_old_cases_hold_null(self, store_backend, store_location):
        store = open_store(store_location, create=True)
        store.upsert_cases([MINE], user="甲")
        store.upsert_cases([LAND], user="甲")
        store.delete_case("YD-1", expected_version=1, user="甲", reason="测试")
        store.close_all()
        (_make_v4_file if store_backend == "sqlite" else _make_v4_server)(store_location)
        old = open_store(store_location)
        try:
            assert old.get_meta("schema_version") == "5"
            assert "mined_value_wan" in _columns(old, "cases") and "mined_value_wan" in _columns(old, "deleted_cases")
            assert old.get_case("CK-1").mined_value_wan is None
            assert old.query("SELECT mined_value_wan FROM deleted_cases") == [(None,)]
            # the upgraded tables have the new column last: a soft delete copies by name, not by position
            old.update_case("CK-1", {"mined_value_wan": 11.0}, expected_version=1, user="乙")
            old.delete_case("CK-1", expected_version=2, user="乙", reason="测试")
            kept = old.deleted_case_rows().set_index("case_id")
            assert kept.loc["CK-1", "mined_value_wan"] == 11.0 and kept.loc["CK-1", "summary"] == MINE.summary
        finally:
            old.close_all()

    def test_a_server_store_older_than_4_is_still_refused(self, pg_server):
        url = pg_server.new_database()
        open_store(url, create=True).close_all()
        _make_v4_server(url, version="3")
        with pytest.raises(StoreError, match="结构版本 3 比本程序（5）旧"):
            open_store(url)


class TestClearTakesThePhotos:
    def test_a_demo_case_made_again_shows_no_old_photos(self, store_location):
        store = open_store(store_location, create=True)
        try:
            store.upsert_cases([MINE], user="甲")
            attach_photos(store, "CK-1", [("坑口.jpg", photo())], user="甲")
            assert len(photo_records(store, "CK-1")) == 1
            store.clear_cases_and_permits(user="init-demo")
            assert store.query("SELECT COUNT(*) FROM photos") == [(0,)]
            store.upsert_cases([MINE], user="init-demo")
            assert photo_records(store, "CK-1") == []
            last = store.audit().iloc[-2]  # the clear, before the new case's create
            assert (last["action"], last["new"]) == ("clear", "清空 1 个案件、1 张现场照片的记录")
            assert store.audit_problems() == []
        finally:
            store.close_all()

    def test_a_store_file_keeps_its_photo_files(self, tmp_path):
        store = open_store(tmp_path / "s.db", create=True)
        try:
            store.upsert_cases([MINE], user="甲")
            attach_photos(store, "CK-1", [("坑口.jpg", photo())], user="甲")
            files = sorted(p.name for p in photo_dir(store).iterdir())
            assert len(files) == 2  # the photo and its thumbnail
            store.clear_cases_and_permits(user="init-demo")
            assert sorted(p.name for p in photo_dir(store).iterdir()) == files
        finally:
            store.close_all()

    def test_nothing_said_about_photos_when_there_were_none(self, store_location):
        store = open_store(store_location, create=True)
        try:
            store.upsert_cases([MINE, LAND], user="甲")
            store.clear_cases_and_permits(user="init-demo")
            assert store.audit()["new"].tolist()[-1] == "清空 2 个案件"
        finally:
            store.close_all()
