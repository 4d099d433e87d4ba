"""``backup --out FILE`` (consistent while others write) and ``restore FILE [--force]`` (checked, the current
store backed up first, replaced in one transaction so an open store sees the old contents or the new)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest
from shapely.geometry import Point

from cases.cli.main import main
from cases.model import Case
from cases.store import SCHEMA_VERSION, SQLiteStore, open_store

N_WRITERS, N_SAVES = 4, 40


def case(cid: str, **kw) -> Case:
    return Case(case_id=cid, kind="land", category=1, township="上馆镇", found_date=dt.date(2019, 7, 1),
                geometry=Point(112.95, 39.07), **kw)


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "live.db"
    s = open_store(path, create=True)
    s.upsert_cases([case(f"W{i}") for i in range(N_WRITERS)], user="建库")
    s.close_all()
    return path


def _open(path: Path) -> SQLiteStore:
    return SQLiteStore(path)


def _remarks(path: Path) -> dict[str, str]:
    s = _open(path)
    try:
        frame = s.cases()
        return dict(zip(frame.case_id, frame.remarks))
    finally:
        s.close_all()


class TestBackup:
    def test_backups_taken_while_threads_write_are_consistent(self, db, tmp_path, capsys):
        store = open_store(db)

        def write(cid: str) -> None:  # each thread owns its case: every save lands
            for i in range(N_SAVES):
                store.update_case(cid, {"remarks": str(i)}, expected_version=i + 1, user=cid)

        threads = [threading.Thread(target=write, args=(f"W{i}",)) for i in range(N_WRITERS)]
        for t in threads:
            t.start()
        outs = []
        for k in range(3):
            out = tmp_path / f"备份 {k}.db"
            assert main(["backup", "--out", str(out), "--db", str(db)]) == 0
            outs.append(out)
        for t in threads:
            t.join(60)
        assert "备份 0.db" in capsys.readouterr().out
        for out in outs:
            assert not list(tmp_path.glob(f".{out.name}.part-*"))
            con = sqlite3.connect(out)
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
            con.close()
            copy = _open(out)
            for i in range(N_WRITERS):  # each case's version and its audit rows come from one moment
                c = copy.get_case(f"W{i}")
                log = copy.audit(case_id=f"W{i}")
                assert c.version == 1 + int((log.action == "update").sum())
                assert c.remarks == ("" if c.version == 1 else str(c.version - 2))
            copy.close_all()
        store.close_all()

    def test_backup_never_overwrites(self, db, tmp_path, capsys):
        out = tmp_path / "b.db"
        out.write_text("之前的文件", encoding="utf-8")
        assert main(["backup", "--out", str(out), "--db", str(db)]) == 2
        assert "已存在" in capsys.readouterr().err and out.read_text(encoding="utf-8") == "之前的文件"
        assert main(["backup", "--out", str(db), "--db", str(db)]) == 2

    def test_backup_of_a_missing_store_creates_nothing(self, tmp_path, capsys):
        assert main(["backup", "--out", str(tmp_path / "b.db"), "--db", str(tmp_path / "无.db")]) == 2
        assert "案件库文件不存在" in capsys.readouterr().err
        assert not list(tmp_path.iterdir())


class TestRestore:
    @pytest.fixture
    def backup(self, db, tmp_path) -> Path:
        s = open_store(db)
        s.update_case("W0", {"remarks": "备份时"}, expected_version=1, user="甲")
        s.close_all()
        out = tmp_path / "saved.db"
        assert main(["backup", "--out", str(out), "--db", str(db)]) == 0
        s = open_store(db)
        s.update_case("W0", {"remarks": "备份后"}, expected_version=2, user="甲")
        s.close_all()
        return out

    def test_refuses_a_store_with_cases_without_force(self, db, backup, capsys):
        assert main(["restore", str(backup), "--db", str(db)]) == 2
        assert "--force" in capsys.readouterr().err
        assert _remarks(db)["W0"] == "备份后"

    def test_force_backs_up_the_current_store_then_replaces_it(self, db, backup, capsys):
        assert main(["restore", str(backup), "--db", str(db), "--force"]) == 0
        assert _remarks(db)["W0"] == "备份时"
        saved = next(db.parent.glob("live.backup-*.db"))
        assert str(saved) in capsys.readouterr().out and _remarks(saved)["W0"] == "备份后"
        assert _remarks(backup)["W0"] == "备份时"  # the backup file itself is untouched

    def test_an_open_store_sees_the_restored_contents_and_a_higher_data_version(self, db, backup):
        app = open_store(db)  # as the running app holds it
        before = app.data_version()
        assert app.get_case("W0").remarks == "备份后"
        assert main(["restore", str(backup), "--db", str(db), "--force"]) == 0
        assert app.get_case("W0").remarks == "备份时"
        assert app.data_version() > before
        assert app.update_case("W0", {"remarks": "恢复后"}, expected_version=2, user="乙").version == 3
        app.close_all()

    def test_into_a_new_path(self, backup, tmp_path):
        target = tmp_path / "新机器" / "casemap.db"
        assert main(["restore", str(backup), "--db", str(target)]) == 0
        assert _remarks(target)["W0"] == "备份时"
        assert sorted(p.name for p in target.parent.iterdir()) == ["casemap.db"]

    def test_a_damaged_store_is_set_aside_with_force(self, db, backup, capsys):
        db.write_bytes(b"\0" * 4096)
        for side in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            side.unlink(missing_ok=True)
        assert main(["restore", str(backup), "--db", str(db)]) == 2
        assert "无法打开" in capsys.readouterr().err
        assert main(["restore", str(backup), "--db", str(db), "--force"]) == 0
        assert _remarks(db)["W0"] == "备份时"
        assert next(db.parent.glob("live.damaged-*.db")).read_bytes() == b"\0" * 4096

    @pytest.mark.parametrize("kind, match", [
        ("missing", "备份文件不存在"),
        ("empty", "是空文件"),
        ("text", "不是 casemap 案件库备份"),
        ("other sqlite", "不是 casemap 案件库"),
        ("newer schema", f"比本程序（{SCHEMA_VERSION}）新"),
    ])
    def test_a_file_that_is_not_a_usable_backup_changes_nothing(self, db, tmp_path, capsys, kind, match):
        bad = tmp_path / "bad.db"
        if kind == "empty":
            bad.write_bytes(b"")
        elif kind == "text":
            bad.write_text("不是数据库" * 200, encoding="utf-8")
        elif kind == "other sqlite":
            con = sqlite3.connect(bad)
            con.execute("CREATE TABLE t (x)")
            con.close()
        elif kind == "newer schema":
            assert main(["backup", "--out", str(bad), "--db", str(db)]) == 0
            con = sqlite3.connect(bad)
            con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
            con.commit()
            con.close()
        before = db.read_bytes()
        assert main(["restore", str(bad), "--db", str(db), "--force"]) == 2
        assert match in capsys.readouterr().err
        assert db.read_bytes() == before and not list(db.parent.glob("live.backup-*"))
        assert not list(db.parent.glob(".live.db.restore-*"))
