"""A .zip GEOFILE that is no zip, holds no Shapefile, or a Shapefile without .shx: a Chinese message naming the problem."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pytest
import shapely

from cases.io.exchange import read_geo_table
from geo.errors import LedgerFormatError


def _shp(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    gpd.GeoDataFrame({"name": ["1"]}, geometry=[shapely.box(113.17, 39.11, 113.172, 39.112)], crs=4490).to_file(
        folder / "tuban.shp", engine="pyogrio")
    return folder


def _zip(path, files):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


def test_zip_without_shapefile(tmp_path):
    z = _zip(tmp_path / "a.zip", {"说明.txt": "hi", "图片/a.png": b"x"})
    with pytest.raises(LedgerFormatError, match="^a.zip 中没有 Shapefile（.shp）、GeoPackage 或 GeoJSON 文件；压缩包内容：说明.txt、图片/a.png$"):
        read_geo_table(z)


def test_zip_with_shapefile_lacking_shx(tmp_path):
    folder = _shp(tmp_path)
    z = _zip(tmp_path / "b.zip", {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix != ".shx"})
    with pytest.raises(LedgerFormatError, match="^b.zip 中的 Shapefile 不完整，缺少：tuban.shx（"):
        read_geo_table(z)


def test_file_named_zip_that_is_no_zip(tmp_path):
    z = tmp_path / "c.zip"
    z.write_bytes(b"not a zip at all")
    with pytest.raises(LedgerFormatError, match="^c.zip 不是有效的 zip 压缩包"):
        read_geo_table(z)


def test_complete_shapefile_zip_still_reads(tmp_path):
    folder = _shp(tmp_path)
    z = _zip(tmp_path / "d.zip", {p.name: p.read_bytes() for p in folder.iterdir()})
    frame, _notes = read_geo_table(z)
    assert list(frame["name"]) == ["1"]
