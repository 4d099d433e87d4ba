"""``attach CASE_ID PHOTO…`` and ``photos CASE_ID --format json|table``: field photos from the command line."""

from __future__ import annotations

import hashlib
import io
import json
import sys

import pytest

from cases.cli.main import main
from cases.store import open_store
from tests.cases.conftest import copy_file
from tests.cases.evidence.photo_fixtures import inside_and_far, photo

CASE = "CK-2019-001"


@pytest.fixture
def db(demo_db, tmp_path, capsys):
    capsys.readouterr()  # init-demo's report
    return copy_file(demo_db, tmp_path / "field.db")


@pytest.fixture
def pictures(db, tmp_path):
    store = open_store(db)
    (x0, y0), (x1, y1) = inside_and_far(store, CASE)
    store.close_all()
    near, far = tmp_path / "IMG_0001.jpg", tmp_path / "IMG_0002.jpg"
    near.write_bytes(photo(lon=x0, lat=y0))
    far.write_bytes(photo(lon=x1, lat=y1, color=(1, 2, 3)))
    return near, far


def test_attach_then_photos_json(db, pictures, capsys):
    near, far = pictures
    assert main(["attach", CASE, str(near), str(far), "--note", "坑口东侧", "--db", str(db), "--user", "李四"]) == 0
    out = capsys.readouterr().out
    assert "新增 2 张照片" in out and "距案件超过200米" in out
    assert main(["photos", CASE, "--format", "json", "--db", str(db)]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {"file", "original_name", "sha256", "taken_at", "lon", "lat", "distance_m", "flags"} <= set(records[0])
    a, b = records
    assert a["original_name"] == "IMG_0001.jpg" and a["sha256"] == hashlib.sha256(near.read_bytes()).hexdigest()
    assert a["file"] == a["sha256"] + ".jpg" and a["distance_m"] == 0.0 and a["flags"] == []
    assert a["taken_at"] == "2019-07-01T10:20:30" and a["note"] == "坑口东侧"
    assert b["distance_m"] == pytest.approx(500.0, abs=1.0) and b["flags"] == ["FAR_FROM_CASE"]
    assert (db.with_name("field.photos") / b["file"]).read_bytes() == far.read_bytes()
    assert main(["photos", CASE, "--format", "table", "--db", str(db)]) == 0
    table = capsys.readouterr().out
    assert "IMG_0002.jpg" in table and "距案件超过200米" in table and "500.0" in table


def test_duplicate_is_a_note_not_an_error(db, pictures, capsys):
    near, _ = pictures
    assert main(["attach", CASE, str(near), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["attach", CASE, str(near), "--db", str(db)]) == 0
    done = capsys.readouterr()
    assert "完全相同" in done.err and "新增 0 张照片" in done.out


@pytest.mark.parametrize("what", ["not an image", "100 MB", "unknown case", "missing file"])
def test_bad_input_exits_2_and_saves_nothing(db, pictures, tmp_path, capsys, what):
    near, _ = pictures
    case, files, expected = CASE, [str(near)], ""
    if what == "not an image":
        bad = tmp_path / "表格.jpg"
        bad.write_bytes("序号,案件编号\n1,CK\n".encode())
        files, expected = [str(near), str(bad)], "「表格.jpg」不是照片"
    elif what == "100 MB":
        big = tmp_path / "big.jpg"
        with open(big, "wb") as fh:
            fh.truncate(100 * 1024 * 1024)
        files, expected = [str(near), str(big)], "超过上限 20 MB"
    elif what == "unknown case":
        case, expected = "NO-SUCH", "没有编号为「NO-SUCH」的案件"
    else:
        files, expected = [str(near), str(tmp_path / "nope.jpg")], "不存在"
    assert main(["attach", case, *files, "--db", str(db)]) == 2
    assert expected in capsys.readouterr().err
    assert main(["photos", CASE, "--format", "json", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert not db.with_name("field.photos").exists() or not any(db.with_name("field.photos").iterdir())


def test_township_account_only_its_own_cases(db, pictures, capsys, monkeypatch):
    near, _ = pictures
    monkeypatch.setattr(sys, "stdin", io.StringIO("admin-password\n"))
    assert main(["user", "add", "管理员", "--role", "county", "--password-stdin", "--db", str(db)]) == 0
    monkeypatch.setenv("CASEMAP_PASSWORD", "admin-password")
    monkeypatch.setattr(sys, "stdin", io.StringIO("town-password\n"))
    assert main(["user", "add", "聂营干部", "--role", "township", "--township", "聂营镇", "--password-stdin",
                 "--db", str(db), "--user", "管理员"]) == 0
    monkeypatch.setenv("CASEMAP_PASSWORD", "town-password")
    capsys.readouterr()
    assert main(["attach", CASE, str(near), "--db", str(db), "--user", "聂营干部"]) == 2
    assert "聂营干部" in capsys.readouterr().err
