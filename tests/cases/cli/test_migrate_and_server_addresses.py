"""``migrate --from STORE --to STORE`` between files and PostGIS databases, and bad server addresses.

A round trip keeps everything (cases, deleted cases, permits, every township division, the audit log with
its hash chain, accounts with their hashes, settings); a non-empty target needs ``--force``.  A wrong
address, a server that is down, a missing database, one without PostGIS, or a schema from a newer casemap
stops with a Chinese message naming it, exit 2, and never leaves a file named after the address.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
from shapely.geometry import box

from cases import accounts
from cases.cli.main import main
from cases.demo import init_demo
from cases.model import Case
from cases.store import SCHEMA_VERSION, PostGISStore, open_store, store_tables
from geo.errors import StoreError


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _full_store(location) -> None:
    """The demo store plus what a real one gathers: an account, a deleted case, a second township division."""
    store = open_store(location, create=True)
    init_demo(store)
    accounts.add_user(store, "张三", role="county", password="correct-horse", by="管理员")
    victim = store.cases().iloc[0]
    store.delete_case(victim.case_id, expected_version=int(victim.version), user="张三", reason="重复录入")
    towns = store.townships()
    store.add_township_division(towns.assign(approximate=False, source="测试 2021"), year=2021, user="张三")
    store.upsert_cases([Case(case_id="YD-2099-1", kind="land", category=2, township="上馆镇",
                             found_date=dt.date(2021, 5, 1), geometry=box(112.95, 39.06, 112.951, 39.061))],
                       user="张三")
    store.close_all()


def _rows(frame: pd.DataFrame) -> list[dict]:
    """Rows with every missing value as None (NaN is not equal to itself)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _content(location) -> dict:
    store = open_store(location)
    try:
        return {
            "cases": _rows(store.cases().drop(columns="geometry")),
            "geometry": [g.wkb for g in store.cases().geometry],
            "permits": _rows(store.permits().to_wkb(hex=True)),
            "deleted": _rows(store.deleted_cases()),
            "divisions": store.township_years(),
            "old_towns": _rows(store.townships(year=2019).to_wkb(hex=True)),
            "audit": _rows(store.audit()),
            "users": store.query("SELECT name, role, password_hash FROM users ORDER BY name"),
            "county": store.get_meta("county_name"),
            "problems": store.audit_problems(),
        }
    finally:
        store.close_all()


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def migrate(source, target, *more: str) -> int:
    """``migrate`` as the county account of the stores made by ``_full_store`` (password from the environment)."""
    return main(["migrate", "--from", str(source), "--to", str(target), "--user", "张三", *more])


@pytest.fixture
def county(monkeypatch):
    monkeypatch.setenv("CASEMAP_PASSWORD", "correct-horse")


@pytest.mark.usefixtures("county")
class TestMigrate:
    def test_file_to_file_keeps_everything_and_prints_the_checks(self, tmp_path, capsys):
        _full_store(tmp_path / "a.db")
        assert migrate(tmp_path / "a.db", tmp_path / "b.db") == 0
        out = capsys.readouterr().out
        assert "audit" in out and "不一致" not in out and "审计记录链：完整" in out
        before, after = _content(tmp_path / "a.db"), _content(tmp_path / "b.db")
        assert after == before and after["problems"] == [] and after["divisions"] == [2018, 2021]

    def test_file_to_postgis_and_back_keeps_everything(self, tmp_path, pg_server, capsys):
        _full_store(tmp_path / "a.db")
        url = pg_server.new_database()
        assert migrate(tmp_path / "a.db", url) == 0
        assert _content(url) == _content(tmp_path / "a.db")
        assert migrate(url, tmp_path / "back.db") == 0  # the county login is audited in the source first
        assert "不一致" not in capsys.readouterr().out
        there = _content(url)
        assert there["audit"][-1]["action"] == "login" and there["problems"] == []
        assert _content(tmp_path / "back.db") == there
        login = accounts.authenticate(open_store(url), "张三", "correct-horse")
        assert login.role == "county"

    def test_photos_move_between_the_folder_beside_a_file_and_the_server_table(self, tmp_path, pg_server):
        from cases.evidence.storage import attach_photos, photo_bytes
        from tests.cases.evidence.photo_fixtures import photo

        _full_store(tmp_path / "a.db")
        shots = [("现场1.jpg", photo(color=(10, 20, 30))), ("现场2.png", photo(fmt="PNG", color=(200, 20, 30)))]
        attach_photos(open_store(tmp_path / "a.db"), "YD-2099-1", shots, user="张三")
        rows = open_store(tmp_path / "a.db").query("SELECT sha256 FROM photos ORDER BY seq")
        url = pg_server.new_database()
        assert migrate(tmp_path / "a.db", url) == 0
        assert migrate(url, tmp_path / "back.db") == 0
        for where in (tmp_path / "a.db", url, tmp_path / "back.db"):
            store = open_store(where)
            got = [photo_bytes(store, "YD-2099-1", sha) for (sha,) in rows]
            assert got == [data for _, data in shots]
            assert all(photo_bytes(store, "YD-2099-1", sha, thumb=True)[:2] == b"\xff\xd8" for (sha,) in rows)
            store.close_all()
        assert len(list((tmp_path / "back.photos").iterdir())) == 4  # two photos, two thumbnails, nothing else

    def test_a_non_empty_target_needs_force_and_stays_as_it_was(self, tmp_path, pg_server, capsys):
        _full_store(tmp_path / "a.db")
        other = tmp_path / "other.db"
        s = open_store(other, create=True)
        init_demo(s)
        s.close_all()
        url = pg_server.new_database()
        assert migrate(other, url) == 0
        for target in (str(other), url):
            kept = _content(target)
            assert migrate(tmp_path / "a.db", target) == 2
            assert "不是空的" in capsys.readouterr().err and _content(target) == kept
            assert migrate(tmp_path / "a.db", target, "--force") == 0
        source = _content(tmp_path / "a.db")  # each migrate audits the county login in the source first
        for target in (url, other):
            got = _content(target)
            assert {k: v for k, v in got.items() if k != "audit"} == {k: v for k, v in source.items() if k != "audit"}
            assert got["audit"] == source["audit"][:len(got["audit"])] and len(got["audit"]) >= len(source["audit"]) - 2
        assert len(list(tmp_path.glob("other.backup-*.db"))) == 1  # the replaced file was kept

    def test_a_row_the_server_cannot_take_stops_the_migration_with_nothing_written(self, tmp_path, pg_server, capsys):
        _full_store(tmp_path / "a.db")
        con = sqlite3.connect(tmp_path / "a.db")  # SQLite keeps any value in any column; PostgreSQL does not
        con.execute("UPDATE cases SET category = '第二类' WHERE case_id = 'YD-2099-1'")
        con.commit()
        con.close()
        url = pg_server.new_database()
        assert migrate(tmp_path / "a.db", url) == 2
        assert "数据表 cases 的数据无法写入目标案件库" in capsys.readouterr().err
        with psycopg.connect(url) as pg:  # only PostGIS's own table is left
            assert pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall() == [
                ("spatial_ref_sys",)]

    def test_accounts_in_the_source_need_a_county_user(self, tmp_path, capsys):
        _full_store(tmp_path / "a.db")
        assert main(["migrate", "--from", str(tmp_path / "a.db"), "--to", str(tmp_path / "b.db")]) == 2
        assert "--user" in capsys.readouterr().err and not (tmp_path / "b.db").exists()
        accounts.add_user(open_store(tmp_path / "a.db"), "乡镇甲", role="township", township="上馆镇",
                          password="correct-horse", by="张三")
        assert main(["migrate", "--from", str(tmp_path / "a.db"), "--to", str(tmp_path / "b.db"), "--user", "乡镇甲"]) == 2
        assert "仅领导组/县级账号" in capsys.readouterr().err and not (tmp_path / "b.db").exists()
        assert migrate(tmp_path / "a.db", tmp_path / "b.db") == 0

    def test_same_store_is_refused(self, tmp_path, capsys):
        _full_store(tmp_path / "a.db")
        assert migrate(tmp_path / "a.db", tmp_path / "a.db") == 2
        assert "同一个案件库" in capsys.readouterr().err


class TestPostGISStore:
    def test_geometry_columns_are_cgcs2000_with_gist_indexes_and_jit_is_off(self, pg_server):
        url = pg_server.new_database()
        store = open_store(url, create=True)
        init_demo(store)
        with psycopg.connect(url) as con:
            cols = con.execute("SELECT f_table_name, srid FROM geometry_columns ORDER BY 1").fetchall()
            gist = con.execute("SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%USING gist (geom)%'"
                               " ORDER BY 1").fetchall()
        assert {t: s for t, s in cols if t != "deleted_cases"} == {"boundaries": 4490, "cases": 4490, "permits": 4490}
        assert [t for (t,) in gist] == ["boundaries", "cases", "permits"]
        assert store.query("SHOW jit") == [("off",)]
        areas = gpd.GeoSeries(store.permits().geometry).to_crs(4526).area
        with psycopg.connect(url) as con:  # the WKB written is the shape read: same areas in PostGIS
            sql = "SELECT ST_Area(ST_Transform(geom, 4526)) FROM permits ORDER BY permit_no"
            pg_areas = [a for (a,) in con.execute(sql).fetchall()]
        assert pd.Series(pg_areas).round(6).tolist() == areas.round(6).tolist()
        store.close_all()

    def test_both_schemas_have_the_same_tables_and_columns_and_migrate_copies_them_all(self, pg_server, tmp_path):
        """A new schema version of the file store must reach the PostGIS schema and ``migrate`` too."""
        url, db = pg_server.new_database(), tmp_path / "s.db"
        open_store(url, create=True).close_all()
        open_store(db, create=True).close_all()
        con = sqlite3.connect(db)
        names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                           " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        in_file = {t: [r[1] for r in con.execute(f"PRAGMA table_info({t})")] for t in names}
        con.close()
        with psycopg.connect(url) as pg:
            in_pg = {t: [c for (c,) in pg.execute("SELECT column_name FROM information_schema.columns WHERE"
                                                  " table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                                                  (t,)).fetchall() if not (t == "boundaries" and c == "rowid")]
                     for t in names}
        assert in_pg == in_file
        copied = {t.name: list(t.columns) for t in store_tables()}
        assert sorted(copied) == names
        assert all(set(copied[t]) == set(in_file[t]) for t in names)

    def test_init_demo_stats_check_and_backup_give_the_same_as_the_file(self, pg_server, tmp_path, capsys):
        url, db = pg_server.new_database(), tmp_path / "demo.db"
        outputs = []
        for where in (url, str(db)):
            assert main(["init-demo", "--db", where]) == 0
            capsys.readouterr()
            assert main(["stats", "--db", where, "--format", "json"]) == 0
            stats = capsys.readouterr().out
            assert main(["init", "--db", where]) == 2 and "已存在" in capsys.readouterr().err
            outputs.append(stats)
        assert outputs[0] == outputs[1]  # the same statistics from either backend
        assert main(["backup", "--db", url, "--out", str(tmp_path / "copy.db")]) == 0
        assert f"migrate --from \"{tmp_path / 'copy.db'}\" --to \"{url}\"" in capsys.readouterr().out
        assert _content(tmp_path / "copy.db") == _content(url)
        assert main(["backup", "--db", url, "--out", str(tmp_path / "copy.db")]) == 2  # never overwritten

    def test_a_write_held_past_the_timeout_is_the_chinese_busy_error(self, pg_server):
        url = pg_server.new_database()
        open_store(url, create=True).close_all()
        store = PostGISStore(url, busy_timeout=0.2)
        with psycopg.connect(url, autocommit=True) as other:
            other.execute("BEGIN")
            other.execute("SELECT pg_advisory_xact_lock(%s)", (0x6361_7365,))
            with pytest.raises(StoreError, match="^案件库正忙"):
                store.set_meta({"producing_unit": "x"})
            other.execute("ROLLBACK")
        store.set_meta({"producing_unit": "x"})
        assert store.get_meta("producing_unit") == "x"
        store.close_all()


class TestBadAddresses:
    @pytest.mark.parametrize(("address", "message"), [
        ("mysql://root@localhost/casemap", "地址「mysql://root@localhost/casemap」无效"),
        ("postgresql:/postgres@127.0.0.1/casemap", "地址「postgresql:/postgres@127.0.0.1/casemap」无效"),
        ("postgresql://postgres@127.0.0.1:port/casemap", "无效"),
        ("postgresql://postgres:secret@127.0.0.1:5432/", "缺少数据库名"),
    ])
    def test_a_wrong_address_names_it_and_writes_no_file(self, tmp_path, capsys, monkeypatch, address, message):
        monkeypatch.chdir(tmp_path)
        for args in (["stats", "--db", address], ["init", "--db", address], ["init-demo", "--db", address]):
            assert main(args) == 2
            err = capsys.readouterr().err
            assert message in err and "secret" not in err
        monkeypatch.setenv("CASEMAP_DB", address)
        assert main(["stats"]) == 2 and message in capsys.readouterr().err
        assert _files(tmp_path) == set()

    def test_a_server_that_is_down_is_named(self, tmp_path, capsys, monkeypatch):
        monkeypatch.chdir(tmp_path)
        port = _free_port()
        url = f"postgresql://casemap:secret@127.0.0.1:{port}/casemap"
        assert main(["stats", "--db", url]) == 2
        err = capsys.readouterr().err
        assert f"连接不上服务器 127.0.0.1:{port}" in err and "secret" not in err and "***" in err
        assert main(["migrate", "--from", url, "--to", str(tmp_path / "x.db")]) == 2
        assert _files(tmp_path) == set()

    def test_file_only_commands_refuse_a_server_store(self, tmp_path, capsys, monkeypatch):
        monkeypatch.chdir(tmp_path)
        (tmp_path / "b.db").write_bytes(b"")
        assert main(["restore", "b.db", "--db", "postgresql://u@127.0.0.1:1/x"]) == 2
        assert "migrate" in capsys.readouterr().err
        assert _files(tmp_path) == {"b.db"}

    def test_a_missing_database_and_one_without_postgis_are_named(self, pg_server, tmp_path, capsys, monkeypatch):
        monkeypatch.chdir(tmp_path)
        missing = pg_server.url_of("casemap_no_such_db")
        assert main(["init", "--db", missing]) == 2
        assert "数据库「casemap_no_such_db」不存在" in capsys.readouterr().err
        bare = pg_server.new_database(template="template0")  # no PostGIS
        assert main(["init", "--db", bare]) == 2
        err = capsys.readouterr().err
        assert "没有 PostGIS 扩展" in err and "CREATE EXTENSION postgis" in err and "casemap_test_" in err
        with psycopg.connect(bare) as con:
            assert con.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
        assert _files(tmp_path) == set()

    def test_an_empty_database_is_not_a_store_and_a_newer_schema_is_refused(self, pg_server, capsys):
        url = pg_server.new_database()
        assert main(["stats", "--db", url]) == 2
        assert "还没有 casemap 案件库" in capsys.readouterr().err
        store = open_store(url, create=True)
        store.set_meta({"schema_version": str(SCHEMA_VERSION + 1)})
        store.close_all()
        with pytest.raises(StoreError, match=f"结构版本 {SCHEMA_VERSION + 1} 比本程序"):
            open_store(url)
        assert main(["stats", "--db", url]) == 2 and "请升级 casemap" in capsys.readouterr().err


def test_the_postgis_tests_ran_where_they_must():
    """In CI the server is configured (the PostGIS tests fail rather than skip without it)."""
    if os.environ.get("CI"):
        assert os.environ.get("CASEMAP_TEST_PG"), "CI must export CASEMAP_TEST_PG (see .ci/run)"
