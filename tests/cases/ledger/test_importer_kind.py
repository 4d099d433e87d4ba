"""A land ledger imported with --kind mining says so, instead of claiming the file has no ledger header."""

from __future__ import annotations

import pytest

from cases.ledger.importer import import_ledger
from geo.errors import RowErrors
from tests.cases.ledger_fixtures import EKOU, empty_store, land_rows, write_township_ledger


def test_land_ledger_with_kind_mining_names_the_mismatch(tmp_path):
    rows = land_rows()
    xlsx = write_township_ledger(tmp_path / "l.xlsx", rows, extra={"经度": [EKOU[0]] * 3, "纬度": [EKOU[1]] * 3})
    store = empty_store(tmp_path / "s.db")
    with pytest.raises(RowErrors) as exc:
        import_ledger(store, xlsx, kind="mining")
    assert exc.value.errors == ["工作表「附件2」是用地清单，与 --kind mining 不符；文件中没有采矿清单，请改用 --kind land 或不指定 --kind"]
    assert store.cases().empty
    assert len(import_ledger(store, xlsx, kind="land").added) == 3
