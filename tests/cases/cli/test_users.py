"""``user add|list|passwd|disable`` and ``--user``: once a store has accounts, every command runs as one."""

from __future__ import annotations

import io
import json
import sys

import geopandas as gpd
import pytest

from cases.cli.main import main
from cases.store import open_store


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text + "\n"))


@pytest.fixture
def db(tmp_path, monkeypatch, capsys):
    path = tmp_path / "u.db"
    assert main(["init-demo", "--db", str(path)]) == 0
    _stdin(monkeypatch, "admin-password")
    assert main(["user", "add", "局管理员", "--role", "county", "--password-stdin", "--db", str(path)]) == 0
    monkeypatch.setenv("CASEMAP_PASSWORD", "admin-password")
    _stdin(monkeypatch, "ekou-password")
    assert main(["user", "add", "峨口干部", "--role", "township", "--township", "峨口镇", "--password-stdin",
                 "--db", str(path), "--user", "局管理员"]) == 0
    capsys.readouterr()
    return path


def test_with_accounts_a_command_without_user_is_refused(db, capsys):
    assert main(["stats", "--db", str(db)]) == 2
    assert "请用 --user 指定您的账号" in capsys.readouterr().err


def test_a_wrong_password_is_refused_and_audited(db, capsys, monkeypatch):
    monkeypatch.setenv("CASEMAP_PASSWORD", "not-it")
    assert main(["stats", "--db", str(db), "--user", "峨口干部"]) == 2
    assert "用户名或密码错误" in capsys.readouterr().err
    log = open_store(db).audit()
    assert ("峨口干部", "login_failed") in set(zip(log["user"], log["action"]))


def test_township_account_sees_and_exports_only_its_own_cases(db, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CASEMAP_PASSWORD", "ekou-password")
    assert main(["stats", "--db", str(db), "--user", "峨口干部", "--format", "json"]) == 0
    rows = {r["township"]: r for r in json.loads(capsys.readouterr().out)}
    ekou = (open_store(db).cases()["township"] == "峨口镇").sum()
    assert rows["峨口镇"]["land_cases"] + rows["峨口镇"]["mining_cases"] == ekou > 0
    assert rows["合计"]["land_cases"] + rows["合计"]["mining_cases"] == ekou
    out = tmp_path / "mine.geojson"
    assert main(["export", str(out), "--db", str(db), "--user", "峨口干部"]) == 0
    frame = gpd.read_file(out)
    assert set(frame.loc[frame["layer"] == "case", "township"]) == {"峨口镇"}


def test_township_account_cannot_replace_permits_or_boundaries_or_manage_accounts(db, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CASEMAP_PASSWORD", "ekou-password")
    assert main(["user", "list", "--db", str(db), "--user", "峨口干部"]) == 2
    assert "仅领导组/县级账号" in capsys.readouterr().err
    assert main(["backup", "--out", str(tmp_path / "b.db"), "--db", str(db), "--user", "峨口干部"]) == 2
    assert "无权备份" in capsys.readouterr().err
    assert not (tmp_path / "b.db").exists()


def test_user_list_shows_roles_and_never_a_hash(db, capsys):
    assert main(["user", "list", "--db", str(db), "--user", "局管理员"]) == 0
    out = capsys.readouterr().out
    assert "局管理员" in out and "峨口干部" in out and "峨口镇" in out and "argon2" not in out


def test_disabled_account_can_no_longer_run_commands(db, capsys, monkeypatch):
    assert main(["user", "disable", "峨口干部", "--db", str(db), "--user", "局管理员"]) == 0
    monkeypatch.setenv("CASEMAP_PASSWORD", "ekou-password")
    assert main(["stats", "--db", str(db), "--user", "峨口干部"]) == 2
    assert "已停用" in capsys.readouterr().err


def test_audit_names_the_account_that_ran_the_import(db, capsys, monkeypatch, tmp_path):
    from tests.cases.cli.test_ledger_commands import _ledger

    monkeypatch.setenv("CASEMAP_PASSWORD", "ekou-password")
    before = len(open_store(db).cases())
    assert main(["import", str(_ledger(tmp_path)), "--db", str(db), "--user", "峨口干部"]) == 2
    assert "不能填写县级验收和销号（案件 YD-峨口镇-003：县级验收）" in capsys.readouterr().err
    assert len(open_store(db).cases()) == before  # all or nothing
    monkeypatch.setenv("CASEMAP_PASSWORD", "admin-password")
    assert main(["import", str(_ledger(tmp_path)), "--db", str(db), "--user", "局管理员"]) == 0
    log = open_store(db).audit()
    assert set(log.loc[log["action"] == "create", "user"]) == {"示例数据生成", "局管理员"}
    assert open_store(db).audit_problems() == []
