"""Many writers on one store file: threads sharing one store object (as the app's sessions do), processes
with their own, a writer held up past the busy timeout, nested transactions, and version checks on upserts.

Every save either lands or raises ConflictError; nothing else (no "cannot start a transaction within a
transaction", no raw "database is locked"), and the final versions add up.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from shapely.geometry import box

from cases._sqlite import BUSY_MESSAGE
from cases.model import Case
from cases.store import SQLiteStore, open_store
from geo.errors import ConflictError, StoreError, ValidationError

ROOT = Path(__file__).resolve().parents[2]
N_THREADS, N_SAVES = 8, 50
IDS = [f"YD-{i}" for i in range(N_THREADS)]
#: What a closed connection raises: SQLite's own error, or (PostGIS) the store's Chinese one.
CLOSED = (sqlite3.ProgrammingError, StoreError)


def case(cid: str, **kw) -> Case:
    base = dict(case_id=cid, kind="land", category=2, township="上馆镇", found_date=dt.date(2019, 7, 1),
                geometry=box(112.95, 39.06, 112.951, 39.061))
    return Case(**{**base, **kw})


@pytest.fixture
def store(store_location):
    s = open_store(store_location, create=True)
    s.upsert_cases([case(cid) for cid in IDS], user="建库")
    yield s
    s.close_all()


def saves(store, case_id: str, n: int, user: str, outcomes: list[str], *, start: int = 0) -> None:
    """``n`` saves of one case, each read → update_case(expected_version=read); record each outcome."""
    for i in range(start, start + n):
        try:
            version = store.get_case(case_id).version
            store.update_case(case_id, {"remarks": f"{user}-{i}"}, expected_version=version, user=user)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")
        except Exception as exc:  # every other outcome is what this test must not see
            outcomes.append(f"{type(exc).__name__}: {exc}")


def run_threads(targets: list) -> float:
    threads = [threading.Thread(target=t) for t in targets]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return time.perf_counter() - start


def updates(store, case_id: str) -> int:
    log = store.audit(case_id=case_id)
    return int((log["action"] == "update").sum())


class TestThreads:
    def test_eight_threads_on_distinct_cases_all_land(self, store):
        outcomes: list[str] = []
        took = run_threads([lambda cid=cid: saves(store, cid, N_SAVES, cid, outcomes) for cid in IDS])
        assert Counter(outcomes) == {"ok": N_THREADS * N_SAVES}
        for cid in IDS:
            assert store.get_case(cid).version == 1 + N_SAVES
            assert updates(store, cid) == N_SAVES
        assert took < 30

    def test_eight_threads_on_one_case_land_or_conflict(self, store):
        outcomes: list[str] = []
        run_threads([lambda u=f"u{i}": saves(store, IDS[0], N_SAVES, u, outcomes) for i in range(N_THREADS)])
        counts = Counter(outcomes)
        assert set(counts) <= {"ok", "conflict"}, counts
        assert sum(counts.values()) == N_THREADS * N_SAVES and counts["ok"] > 0
        assert store.get_case(IDS[0]).version == 1 + counts["ok"]
        assert updates(store, IDS[0]) == counts["ok"]

    def test_a_threads_transaction_is_its_own(self, store):
        """Another thread neither sees an open transaction's writes nor slips its own into it."""
        inside, seen = threading.Event(), threading.Event()
        read: list[int] = []

        def writer():
            with store.transaction():
                store.update_case(IDS[0], {"remarks": "未提交"}, expected_version=1, user="甲")
                inside.set()
                seen.wait(10)

        def reader():
            inside.wait(10)
            read.append(store.get_case(IDS[0]).version)
            seen.set()

        run_threads([writer, reader])
        assert read == [1]
        assert store.get_case(IDS[0]).version == 2

    def test_many_threads_keep_only_live_connections(self, store):
        for _ in range(20):
            run_threads([lambda: store.get_case(IDS[0])])
        assert len(store._conns._open) <= 2


class TestBusy:
    def test_a_lock_held_past_the_timeout_is_a_chinese_store_error(self, tmp_path):
        path = tmp_path / "私有路径" / "c.db"
        s = SQLiteStore(path, create=True, busy_timeout=0.2)
        s.upsert_cases([case("YD-1")], user="t")
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            start = time.perf_counter()
            with pytest.raises(StoreError) as err:
                s.update_case("YD-1", {"remarks": "x"}, expected_version=1, user="t")
            assert time.perf_counter() - start < 5
            assert str(err.value) == BUSY_MESSAGE and "私有路径" not in str(err.value)
            assert s.get_case("YD-1").version == 1  # readers do not wait for the writer (WAL)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert s.update_case("YD-1", {"remarks": "x"}, expected_version=1, user="t").version == 2
        s.close_all()

    def test_timeout_from_the_environment(self, tmp_path, monkeypatch):
        path = tmp_path / "c.db"
        open_store(path, create=True).close_all()
        monkeypatch.setenv("CASEMAP_BUSY_TIMEOUT", "0.1")
        s = open_store(path)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="案件库正忙"):
            s.set_meta({"producing_unit": "x"})
        other.execute("ROLLBACK")
        other.close()
        s.close_all()


class TestConnections:
    def test_close_closes_this_threads_connection_and_reopens_on_use(self, store):
        con = store._con
        store.close()
        with pytest.raises(CLOSED):
            con.execute("SELECT 1")
        assert store.get_case(IDS[0]).version == 1

    def test_close_all(self, store):
        cons: list = []
        run_threads([lambda: cons.append(store._con)] * 2)
        store.close_all()
        for con in cons:
            with pytest.raises(CLOSED):
                con.execute("SELECT 1")

    def test_a_store_file_from_before_wal_opens_and_keeps_its_data(self, tmp_path):
        path = tmp_path / "old.db"
        s = open_store(path, create=True)
        s.upsert_cases([case("YD-1", remarks="旧")], user="t")
        s.close_all()
        con = sqlite3.connect(path)
        con.execute("PRAGMA journal_mode = DELETE")  # as every store was written before
        con.close()
        s = open_store(path)
        assert s.get_case("YD-1").remarks == "旧"
        assert s._con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        s.close_all()


class TestNestedTransactions:
    def test_writes_inside_one_transaction_land_together_or_not_at_all(self, store):
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.upsert_cases([case("NEW-1")], user="t")
                store.update_case(IDS[0], {"remarks": "x"}, expected_version=1, user="t")
                raise RuntimeError("中途失败")
        assert "NEW-1" not in set(store.cases().case_id) and store.get_case(IDS[0]).version == 1

    def test_a_failed_inner_write_undoes_only_itself(self, store):
        v0 = store.data_version()
        with store.transaction():
            store.upsert_cases([case("NEW-1")], user="t")
            with pytest.raises(ValidationError):
                store.upsert_cases([case("NEW-2"), case("BAD", category=7)], user="t")
        ids = set(store.cases().case_id)
        assert "NEW-1" in ids and not {"NEW-2", "BAD"} & ids
        assert store.data_version() == v0 + 1


class TestUpsertVersionCheck:
    def test_a_case_changed_since_it_was_read_stops_the_whole_upsert(self, store):
        store.update_case(IDS[1], {"status": "已立案"}, expected_version=1, user="张三")
        with pytest.raises(ConflictError) as err:
            store.upsert_cases([case(IDS[0], remarks="导入"), case(IDS[1], remarks="导入"), case("NEW-1")], user="导入",
                               expected_versions={IDS[0]: 1, IDS[1]: 1, "NEW-1": 0})
        msg = str(err.value)
        assert IDS[1] in msg and "张三" in msg and "版本 2" in msg and "未写入任何数据" in msg and IDS[0] + "（" not in msg
        assert store.get_case(IDS[0]).remarks == "" and store.get_case(IDS[1]).status == "已立案"
        assert "NEW-1" not in set(store.cases().case_id)

    def test_a_case_added_since_the_read_is_a_conflict(self, store):
        store.upsert_cases([case("NEW-1", remarks="张三录入")], user="张三")
        with pytest.raises(ConflictError, match="NEW-1（读取时还没有，其后已由 张三"):
            store.upsert_cases([case("NEW-1")], user="李四", expected_versions={"NEW-1": 0})
        assert store.get_case("NEW-1").remarks == "张三录入"

    def test_matching_versions_write(self, store):
        rep = store.upsert_cases([case(IDS[0], remarks="新"), case("NEW-1")], user="u",
                                 expected_versions={IDS[0]: 1, "NEW-1": 0})
        assert rep == {"added": ["NEW-1"], "changed": [IDS[0]], "unchanged": []}


WORKER = """
import json, sys
from cases.store import open_store
from tests.cases.test_store_concurrency import saves
db, me, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = open_store(db)
own, shared = [], []
for i in range(n):
    saves(store, me, 1, me, own, start=i)
    saves(store, "SHARED", 1, me, shared, start=i)
print(json.dumps({"own": own, "shared": shared}, ensure_ascii=False))
"""


HOLD = """
import sys, time
from cases.store import open_store
store = open_store(sys.argv[1])
with store.transaction():
    store.update_case("P0", {"remarks": "另一进程"}, expected_version=1, user="乙")
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


class TestProcesses:
    def test_a_process_holding_the_store_past_the_timeout(self, tmp_path, monkeypatch):
        path = tmp_path / "p.db"
        s = open_store(path, create=True)
        s.upsert_cases([case("P0"), case("P1")], user="建库")
        s.close_all()
        monkeypatch.setenv("CASEMAP_BUSY_TIMEOUT", "0.3")
        s = open_store(path)
        holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path), "1.5"], cwd=ROOT, stdout=subprocess.PIPE,
                                  text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            with pytest.raises(StoreError) as err:
                s.update_case("P1", {"remarks": "甲"}, expected_version=1, user="甲")
            assert str(err.value) == BUSY_MESSAGE
            assert s.get_case("P0").version == 1  # reading goes on meanwhile
        finally:
            holder.wait(timeout=60)
        assert s.update_case("P1", {"remarks": "甲"}, expected_version=1, user="甲").version == 2
        assert s.get_case("P0").remarks == "另一进程"
        s.close_all()

    def test_three_processes_write_one_store(self, tmp_path):
        n_proc, n = 3, 30
        path = tmp_path / "p.db"
        s = open_store(path, create=True)
        s.upsert_cases([case(f"P{i}") for i in range(n_proc)] + [case("SHARED")], user="建库")
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(path), f"P{i}", str(n)], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
                 for i in range(n_proc)]
        results = []
        for p in procs:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0, err[-2000:]
            results.append(json.loads(out))
        for i, r in enumerate(results):
            assert r["own"] == ["ok"] * n
            assert s.get_case(f"P{i}").version == 1 + n
        shared = Counter(o for r in results for o in r["shared"])
        assert set(shared) <= {"ok", "conflict"}, shared
        assert s.get_case("SHARED").version == 1 + shared["ok"] == 1 + updates(s, "SHARED")
        assert s._con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        s.close_all()
