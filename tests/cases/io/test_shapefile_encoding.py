"""A Shapefile from Chinese GIS software without a .cpg (GBK or UTF-8 DBF) is read with its Chinese intact."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pytest
import shapely

from cases.io.exchange import read_geo_table


def _shp_zip(tmp_path, encoding: str):
    frame = gpd.GeoDataFrame({"编号": ["YD-峨口镇-001", "YD-峨口镇-002"], "地块名": ["东庄村", "西河村"]},
                             geometry=[shapely.box(113.17, 39.11, 113.172, 39.112), shapely.box(113.175, 39.112, 113.177, 39.114)],
                             crs=4490).to_crs(4526)
    folder = tmp_path / encoding
    folder.mkdir()
    frame.to_file(folder / "图斑.shp", encoding=encoding, engine="pyogrio")
    out = tmp_path / f"tuban_{encoding}.zip"
    with zipfile.ZipFile(out, "w") as z:
        for p in folder.iterdir():
            if p.suffix != ".cpg":  # as many Chinese tools write it: no code page file
                z.write(p, p.name)
    return out


@pytest.mark.parametrize("encoding, shown", [("GBK", "GBK"), ("UTF-8", "UTF-8")])
def test_shapefile_without_cpg_keeps_chinese(tmp_path, encoding, shown):
    frame, notes = read_geo_table(_shp_zip(tmp_path, encoding))
    assert list(frame["编号"]) == ["YD-峨口镇-001", "YD-峨口镇-002"]
    assert list(frame["地块名"]) == ["东庄村", "西河村"]
    assert notes == [f"tuban_{encoding}.zip 的图层 图斑 没有 .cpg 编码文件，已按 {shown} 编码读取中文"]


def test_check_reads_a_gbk_shapefile_without_cpg(tmp_path, capsys):
    import json

    from cases.cli.main import main

    frame = gpd.GeoDataFrame({"case_id": ["YD-峨口镇-001"], "kind": ["land"], "category": [1], "township": ["峨口镇"]},
                             geometry=[shapely.Point(113.1746, 39.1116)], crs=4490).to_crs(4526)
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "cases.shp", encoding="GBK", engine="pyogrio")
    (folder / "cases.cpg").unlink()
    db = tmp_path / "s.db"
    assert main(["init-demo", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["check", str(folder / "cases.shp"), "--db", str(db), "--format", "json"]) == 0
    (rec,) = json.loads(capsys.readouterr().out)
    assert rec["case_id"] == "YD-峨口镇-001"
    assert rec["township"] == "峨口镇"
    assert rec["flags"] == []
