"""KML descriptions for 奥维/Google Earth show nothing, not NaT, for a missing date."""

from __future__ import annotations


def test_kml_shows_no_nat_for_a_case_without_found_date(tmp_path):
    from cases.io.exchange import export_geodata
    from cases.ledger.importer import import_ledger
    from tests.cases.ledger_fixtures import EKOU, empty_store, write_township_ledger

    store = empty_store(tmp_path / "s.db")
    rows = [[1, "代县", "张某于2019年5月在峨口镇西河村非法占地建房2亩", "", "", None, "", None, None, "", "", "", "", "",
             f"POINT ({EKOU[0]} {EKOU[1]})"]]
    xlsx = write_township_ledger(tmp_path / "l.xlsx", rows=[r[:14] for r in rows], extra={"坐标（WKT）": [rows[0][14]]})
    import_ledger(store, xlsx)
    assert store.cases()["found_date"].isna().all()
    out = tmp_path / "c.kml"
    export_geodata(store, out)
    text = out.read_text(encoding="utf-8")
    assert "YD-峨口镇-001" in text
    assert "NaT" not in text

