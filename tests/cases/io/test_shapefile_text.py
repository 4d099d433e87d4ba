"""Long text through a .shp.zip export: cut to the DBF's 254 bytes with the promised note whatever the column's
dtype (pandas' string dtype too), and read back whole from the zip's cases.csv on import."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pyogrio
import pytest

from cases.io.exchange import export_geodata, read_geo_table
from cases.ledger.importer import import_ledger
from tests.cases.ledger_fixtures import empty_store

LONG = ("代县某建材有限公司2019年5月在峨口镇东庄村未经批准占用耕地建设厂房，" * 20)[:400]
CID = "YD-2019-001"


class _Typed:
    """A store whose text columns come back in one dtype (object, or pandas' string dtype)."""

    def __init__(self, store, dtype) -> None:
        self.store, self.dtype = store, dtype

    def __getattr__(self, name):  # everything else (meta, layers) as the real store has it
        return getattr(self.store, name)

    def cases(self):
        cases = self.store.cases()
        text = [c for c in cases.columns if c != "geometry" and pd.api.types.is_string_dtype(cases[c])]
        return cases.astype({c: self.dtype for c in text})

    def permits(self):
        return self.store.permits()


@pytest.fixture(scope="module")
def long_store(demo):
    old = demo.get_case(CID)
    demo.update_case(CID, {"summary": LONG}, expected_version=old.version, user="测试")
    return demo


@pytest.mark.parametrize("dtype", [object, "string", pd.StringDtype(na_value=float("nan"))],
                         ids=["object", "string", "str"])
def test_long_text_is_cut_with_the_note_whatever_the_dtype(long_store, tmp_path, dtype):
    store = _Typed(long_store, dtype)
    assert str(store.cases()["summary"].dtype) == str(pd.Series([], dtype=dtype).dtype)
    path = tmp_path / "all.shp.zip"
    rep = export_geodata(store, path)
    assert rep["notes"] == ["Shapefile 文本字段最长 254 字节，1 个值已截断；完整内容见压缩包中的 cases.csv/permits.csv"]
    dbf = pyogrio.read_dataframe(path, layer="cases_polygon").set_index("case_id")
    cut = dbf.loc[CID, "summary"]
    assert 254 - 3 < len(cut.encode("utf-8")) <= 254 and LONG.startswith(cut)  # whole characters, as many as fit
    with zipfile.ZipFile(path) as z:
        full = pd.read_csv(io.BytesIO(z.read("cases.csv")), dtype=str, encoding="utf-8-sig").set_index("case_id")
    assert full.loc[CID, "summary"] == LONG


def test_400_characters_of_summary_survive_a_round_trip(long_store, tmp_path):
    path = tmp_path / "all.shp.zip"
    export_geodata(long_store, path)
    frame, notes = read_geo_table(path)
    assert frame.set_index("case_id").loc[CID, "summary"] == LONG
    assert "all.shp.zip：1 个超过 Shapefile 字段长度（254 字节）的文本已按压缩包中的 cases.csv/permits.csv 恢复为全文" in notes
    again = import_ledger(long_store, path, dry_run=True)  # the same cases: nothing changed, nothing cut
    assert (again.changed, again.added) == ({}, [])
    fresh = empty_store(tmp_path / "fresh.db")
    import_ledger(fresh, path)
    assert fresh.get_case(CID).summary == LONG
    fresh.close()


def test_text_edited_in_gis_software_after_the_export_is_kept(long_store, tmp_path):
    path = tmp_path / "all.shp.zip"
    export_geodata(long_store, path)
    edited = tmp_path / "edited.shp.zip"
    with zipfile.ZipFile(path) as src:
        members = {n: src.read(n) for n in src.namelist()}
    table = pd.read_csv(io.BytesIO(members["cases.csv"]), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table.loc[table["case_id"] == CID, "summary"] = "另一段" * 100  # the CSV no longer matches what the DBF holds
    members["cases.csv"] = ("\ufeff" + table.to_csv(index=False)).encode("utf-8")
    with zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)
    frame, _ = read_geo_table(edited)
    assert LONG.startswith(frame.set_index("case_id").loc[CID, "summary"])
