"""Every file casemap writes is written whole or not at all: a writer failing (or killed) mid-way leaves an
existing file as it was and no temporary file behind (``cases.io.files.atomic_output``)."""

from __future__ import annotations

import datetime as dt
import zipfile

import docx.document
import geopandas as gpd
import openpyxl
import pytest
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from cases.io import exchange
from cases.io.exchange import export_geodata
from cases.io.files import atomic_output
from cases.ledger.writer import write_ledger
from cases.output.bulletin_files import write_bulletin
from cases.output.sheets import township_case_ids, write_sheets
from cases.output.snapshots import write_snapshot
from geo.errors import ValidationError

OLD = b"OLD CONTENT, STILL GOOD"


class Killed(RuntimeError):
    """Stands for the process dying while the file is being written."""


def _half_then_die(target_arg: int = 1):
    """A replacement writer: writes half a file to the path it was given (argument ``target_arg``), then dies."""
    def write(*args, **kwargs):
        dest = args[target_arg]
        if hasattr(dest, "write"):
            dest.write(b"HALF")
        else:
            with open(dest, "wb") as f:
                f.write(b"HALF A FILE")
        raise Killed("写到一半")
    return write


def _die_on_call(n: int, real):
    """Let the first ``n - 1`` calls of ``real`` through (so part of the file is written), then die."""
    calls = []

    def wrapped(*args, **kwargs):
        calls.append(1)
        if len(calls) >= n:
            raise Killed("写到一半")
        return real(*args, **kwargs)
    return wrapped


def _left_alone(target):
    assert target.read_bytes() == OLD
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file left behind


@pytest.fixture
def target(tmp_path):
    def make(name: str):
        folder = tmp_path / "out"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_bytes(OLD)
        return path
    return make


class TestAtomicOutput:
    def test_success_replaces_the_file_and_leaves_nothing_else(self, target):
        path = target("a.txt")
        with atomic_output(path) as tmp:
            assert tmp.parent == path.parent and tmp.suffix == ".txt" and not tmp.exists()
            tmp.write_bytes(b"NEW")
            assert path.read_bytes() == OLD  # not visible until the block ends
        assert path.read_bytes() == b"NEW" and [p.name for p in path.parent.iterdir()] == ["a.txt"]

    def test_failure_leaves_the_old_file_and_removes_side_files(self, target):
        path = target("a.gpkg")
        with pytest.raises(Killed), atomic_output(path) as tmp:
            tmp.write_bytes(b"HALF")
            tmp.with_name(tmp.name + "-journal").write_bytes(b"J")
            raise Killed("写到一半")
        _left_alone(path)

    def test_shapefile_zip_keeps_its_double_suffix(self, target):
        with atomic_output(target("x.shp.zip")) as tmp:
            assert tmp.name.endswith(".shp.zip")
            tmp.write_bytes(b"z")

    def test_a_folder_is_refused_in_chinese(self, tmp_path):
        with pytest.raises(ValidationError, match="是一个文件夹，不是文件"), atomic_output(tmp_path):
            pass


class TestEveryWriter:
    @pytest.mark.parametrize(("suffix", "patch"), [
        ("gpkg", lambda mp: mp.setattr(gpd.GeoDataFrame, "to_file", _die_on_call(2, gpd.GeoDataFrame.to_file))),
        ("shp.zip", lambda mp: mp.setattr(zipfile.ZipFile, "writestr", _die_on_call(2, zipfile.ZipFile.writestr))),
        ("geojson", lambda mp: mp.setattr(exchange.Path, "write_text", _half_then_die(0))),
        ("kml", lambda mp: mp.setattr(exchange.Path, "write_bytes", _half_then_die(0))),
        ("kmz", lambda mp: mp.setattr(exchange, "write_kmz", _half_then_die(0))),
    ])
    def test_geodata_export(self, demo, target, monkeypatch, suffix, patch):
        path = target(f"all.{suffix}")
        patch(monkeypatch)
        with pytest.raises(Killed):
            export_geodata(demo, path)
        _left_alone(path)

    def test_ledger_xlsx(self, demo, target, monkeypatch):
        path = target("附件2.xlsx")
        monkeypatch.setattr(openpyxl.Workbook, "save", _half_then_die())
        with pytest.raises(Killed):
            write_ledger(demo.cases(), path, kind="land")
        _left_alone(path)

    @pytest.mark.parametrize("suffix", ["png", "pdf"])
    def test_snapshot(self, demo, target, monkeypatch, suffix):
        path = target(f"全县.{suffix}")
        monkeypatch.setattr(Figure, "savefig", _half_then_die())
        with pytest.raises(Killed):
            write_snapshot(demo, path, dpi=30)
        _left_alone(path)

    def test_check_sheet_atlas_dying_after_the_first_page(self, demo, target, monkeypatch):
        path = target("图册.pdf")
        monkeypatch.setattr(PdfPages, "savefig", _die_on_call(2, PdfPages.savefig))
        with pytest.raises(Killed):
            write_sheets(demo, path, township_case_ids(demo, "峪口乡")[:3], dpi=50)
        _left_alone(path)

    def test_bulletin_docx(self, demo, target, monkeypatch):
        path = target("通报.docx")
        monkeypatch.setattr(docx.document.Document, "save", _half_then_die())
        with pytest.raises(Killed):
            write_bulletin(demo, path, day=dt.date(2019, 7, 15))
        _left_alone(path)

    def test_bulletin_pdf_dying_after_the_first_page(self, demo, target, monkeypatch):
        path = target("通报.pdf")
        monkeypatch.setattr(PdfPages, "savefig", _die_on_call(2, PdfPages.savefig))
        with pytest.raises(Killed):
            write_bulletin(demo, path, day=dt.date(2019, 7, 15))
        _left_alone(path)

    def test_a_successful_write_still_replaces_the_file(self, demo, target):
        path = target("附件2.xlsx")
        write_ledger(demo.cases(), path, kind="land")
        assert path.read_bytes()[:2] == b"PK"
        assert [p.name for p in path.parent.iterdir()] == [path.name]
