"""A store of another county (法库县, zone 41): the pages name that county and its zone, never 代县's."""

from __future__ import annotations

import pytest

from cases.cli.main import main
from tests.ui.conftest import add_test_accounts, page_app


@pytest.fixture
def faku_db(tmp_path, monkeypatch):
    db = tmp_path / "fk.db"
    assert main(["init", "--county", "210124", "--db", str(db)]) == 0
    add_test_accounts(db)
    monkeypatch.setenv("CASEMAP_DB", str(db))
    return db


def _texts(at) -> str:
    return "\n".join(str(e.value) for kind in ("caption", "markdown", "info", "warning") for e in getattr(at, kind))


def test_briefing_names_the_county_and_its_zone(faku_db):
    at = page_app("page_briefing").run()
    assert not at.exception
    text = _texts(at)
    assert "3 度带第 41 带（EPSG:4529）" in text and "38 带" not in text and "代县" not in text


def test_permit_upload_names_the_countys_zone(faku_db):
    at = page_app("page_import").run()
    assert not at.exception
    labels = [getattr(u, "label", "") for u in at.get("file_uploader")]
    assert any("3 度带第 41 带" in str(label) for label in labels), labels
