"""A ledger import meets an edit made while it reads the file (from another thread or another process).

The import merges the file with the stored cases it read; a case someone saved in between would be
written back with its old values.  So the import checks the versions it read: ConflictError names the
case, and the whole import writes nothing.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cases.ledger.importer import import_ledger
from geo.errors import ConflictError
from tests.cases.ledger_fixtures import EKOU, empty_store, land_rows, square_wkt, write_township_ledger

ROOT = Path(__file__).resolve().parents[3]
EDITED = "YD-峨口镇-001"
EDIT = """
import sys
from cases.store import open_store
open_store(sys.argv[1]).update_case(sys.argv[2], {"status": "已销号", "remarks": "张三：已销号"},
                                    expected_version=int(sys.argv[3]), user="张三")
"""


@pytest.fixture
def store(tmp_path):
    s = empty_store(tmp_path / "t.db")
    yield s
    s.close_all()


def _wkt(n: int = 3) -> dict:
    return {"坐标（WKT）": [square_wkt(EKOU[0] + 0.002 * i, EKOU[1]) for i in range(n)]}


def _second_file(tmp_path: Path) -> Path:
    rows = land_rows()
    rows[1][3] = "责令停止建设"  # the new file changes case 002
    return write_township_ledger(tmp_path / "b.xlsx", rows, extra=_wkt())


def _when_read(action):
    """A progress callback running ``action`` once: after the file is read, before anything is written."""
    done: list[bool] = []

    def progress(_fraction: float, message: str) -> None:
        if message == "解析完成" and not done:
            done.append(True)
            action()
    return progress


def _in_thread(store, case_id: str = EDITED):
    def edit():
        t = threading.Thread(target=lambda: store.update_case(
            case_id, {"status": "已销号", "remarks": "张三：已销号"}, expected_version=1, user="张三"))
        t.start()
        t.join(30)
    return edit


def _in_process(store, case_id: str = EDITED):
    def edit():
        subprocess.run([sys.executable, "-c", EDIT, str(store.path), case_id, "1"], cwd=ROOT, check=True, timeout=60)
    return edit


class TestImportMeetsAnEdit:
    @pytest.mark.parametrize("editor", [_in_thread, _in_process], ids=["thread", "process"])
    def test_the_edit_survives_and_the_import_writes_nothing(self, tmp_path, store, editor):
        import_ledger(store, write_township_ledger(tmp_path / "a.xlsx", extra=_wkt()))
        before = store.get_case("YD-峨口镇-002")
        with pytest.raises(ConflictError) as err:
            import_ledger(store, _second_file(tmp_path), progress=_when_read(editor(store)))
        assert EDITED in str(err.value) and "张三" in str(err.value) and "未写入任何数据" in str(err.value)
        edited = store.get_case(EDITED)
        assert (edited.status, edited.remarks, edited.version) == ("已销号", "张三：已销号", 2)
        assert store.get_case("YD-峨口镇-002") == before  # the file's other change is not written either

    def test_a_case_added_meanwhile_stops_the_import(self, tmp_path, store):
        from cases.model import Case

        def add():
            store.upsert_cases([Case(case_id="YD-峨口镇-003", kind="land", category=1, township="峨口镇",
                                     remarks="李四录入")], user="李四", allow_unlocated=True)
        with pytest.raises(ConflictError, match="YD-峨口镇-003（读取时还没有，其后已由 李四"):
            import_ledger(store, write_township_ledger(tmp_path / "a.xlsx", extra=_wkt()), progress=_when_read(add))
        assert list(store.cases().case_id) == ["YD-峨口镇-003"]
        assert store.get_case("YD-峨口镇-003").remarks == "李四录入"

    def test_an_edit_to_a_case_the_file_does_not_hold_does_not_stop_it(self, tmp_path, store):
        from cases.model import Case

        store.upsert_cases([Case(case_id="YD-其他-001", kind="land", category=1, township="峨口镇")], user="t",
                           allow_unlocated=True)
        rep = import_ledger(store, write_township_ledger(tmp_path / "a.xlsx", extra=_wkt()),
                            progress=_when_read(_in_thread(store, "YD-其他-001")))
        assert len(rep.added) == 3 and store.get_case("YD-其他-001").status == "已销号"
