"""``init-demo``: one transaction (a failure or a kill half-way keeps the previous store), and it refuses,
without --force, every store holding something it did not write — also a demo store into which real
cases or permits were imported or in which a case was edited."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from shapely.geometry import Point, box

from cases.cli.main import main
from cases.demo import init_demo
from cases.model import Case, Permit
from cases.store import SQLiteStore, open_store

ROOT = Path(__file__).resolve().parents[3]
KILL_HALF_WAY = """
import os, signal, sys
from cases.cli.main import main
from cases.store import SQLiteStore

def killed(self, *args, **kwargs):  # the process dies after the old cases were deleted, before the new are in
    os.kill(os.getpid(), signal.SIGKILL) if hasattr(signal, "SIGKILL") else os._exit(9)

SQLiteStore.upsert_cases = killed
main(["init-demo", "--db", sys.argv[1], "--force"])
"""


def real_case(cid: str = "REAL-1") -> Case:
    return Case(case_id=cid, kind="land", category=1, township="上馆镇", found_date=dt.date(2019, 7, 1),
                geometry=Point(112.95, 39.07), remarks="真实案件")


@pytest.fixture
def real_store(tmp_path) -> Path:
    """A store holding one real case and one real permit."""
    db = tmp_path / "real.db"
    s = open_store(db, create=True)
    s.upsert_cases([real_case()], user="甲")
    s.upsert_permits([Permit("C-REAL", "甲公司", "铁矿", dt.date(2015, 1, 1), dt.date(2025, 1, 1),
                             box(113.1, 39.0, 113.11, 39.01))], user="甲")
    s.close_all()
    return db


@pytest.fixture
def demo_store(tmp_path) -> Path:
    db = tmp_path / "demo.db"
    assert main(["init-demo", "--db", str(db)]) == 0
    return db


def _contents(db: Path) -> tuple[list[str], list[str]]:
    s = SQLiteStore(db)
    try:
        return list(s.cases().case_id), list(s.permits().permit_no)
    finally:
        s.close_all()


class TestOneTransaction:
    def test_a_failure_half_way_keeps_the_previous_store(self, real_store, monkeypatch):
        def fail(self, *args, **kwargs):
            raise RuntimeError("写入许可证时出错")
        monkeypatch.setattr(SQLiteStore, "upsert_permits", fail)  # runs after the old cases were cleared
        s = open_store(real_store)
        with pytest.raises(RuntimeError):
            init_demo(s)
        assert s.get_meta("is_demo") is None
        s.close_all()
        assert _contents(real_store) == (["REAL-1"], ["C-REAL"])

    def test_a_kill_half_way_keeps_the_previous_store(self, real_store):
        run = subprocess.run([sys.executable, "-c", KILL_HALF_WAY, str(real_store)], cwd=ROOT, capture_output=True,
                             timeout=60)
        assert run.returncode != 0
        con = sqlite3.connect(real_store)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
        assert _contents(real_store) == (["REAL-1"], ["C-REAL"])

    def test_a_full_run_replaces_everything(self, demo_store):
        cases, permits = _contents(demo_store)
        assert len(cases) == 110 and len(permits) == 20


class TestRefusesRealData:
    def test_a_demo_store_is_refilled_without_force(self, demo_store):
        assert main(["init-demo", "--db", str(demo_store)]) == 0
        assert not list(demo_store.parent.glob("*.backup-*"))

    def test_a_case_imported_into_a_demo_store(self, demo_store, capsys):
        s = open_store(demo_store)
        s.upsert_cases([real_case("YD-峨口镇-001")], user="台账导入")
        s.close_all()
        capsys.readouterr()
        assert main(["init-demo", "--db", str(demo_store)]) == 2
        err = capsys.readouterr().err
        assert "已有 1 个真实案件" in err and "YD-峨口镇-001" in err and "--force" in err
        assert "YD-峨口镇-001" in _contents(demo_store)[0]
        assert main(["init-demo", "--db", str(demo_store), "--force"]) == 0
        backup = next(demo_store.parent.glob("demo.backup-*.db"))
        assert "YD-峨口镇-001" in _contents(backup)[0]
        assert "YD-峨口镇-001" not in _contents(demo_store)[0]

    def test_a_demo_case_edited_by_someone(self, demo_store, capsys):
        s = open_store(demo_store)
        s.update_case("YD-2019-001", {"remarks": "张三：已现场核查"}, expected_version=1, user="张三")
        s.close_all()
        assert main(["init-demo", "--db", str(demo_store)]) == 2
        assert "YD-2019-001" in capsys.readouterr().err

    def test_a_permit_imported_into_a_demo_store(self, demo_store, capsys):
        s = open_store(demo_store)
        s.upsert_permits([Permit("C-REAL", "甲公司", "铁矿", dt.date(2015, 1, 1), dt.date(2025, 1, 1),
                                 box(113.1, 39.0, 113.11, 39.01))], user="许可证导入")
        s.close_all()
        assert main(["init-demo", "--db", str(demo_store)]) == 2
        assert "1 个导入的采矿许可证" in capsys.readouterr().err
        assert "C-REAL" in _contents(demo_store)[1]

    def test_a_store_that_is_not_a_demo_store(self, real_store, capsys):
        assert main(["init-demo", "--db", str(real_store)]) == 2
        assert "已有 1 个真实案件、1 个导入的采矿许可证" in capsys.readouterr().err
        assert _contents(real_store) == (["REAL-1"], ["C-REAL"])
