"""拐点 in any 3-degree zone: the ministry's 报盘 layout read verbatim in a zone-41 county (法库县, 210124).

``data/faku_zone41_baopan.txt`` is written as such files come (GBK, CRLF, every value followed by a comma,
``*,起标高,止标高,名称,1,`` after the ring): a rectangle in zone 41 with the zone prefix, X 4 695 000–
4 695 500 m and Y 41 518 000–41 518 800 m, so its area is 500 m × 800 m = 400 000 m² = 600 亩 by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import shapely

from cases.cli.main import main
from cases.county import county_by_code
from cases.ledger.corners import parse_corner_text, rings_to_polygon
from cases.ledger.permits import import_permits
from cases.service import new_empty_store
from geo.crs import M2_PER_MU
from geo.errors import CRSError, RowErrors
from tests.cases.ledger_fixtures import empty_store

FIXTURE = Path(__file__).parent / "data" / "faku_zone41_baopan.txt"
RECT_M2 = 500.0 * 800.0


@pytest.fixture(scope="module")
def faku():
    return county_by_code("210124")


@pytest.fixture
def faku_store(tmp_path):
    store = new_empty_store(tmp_path / "faku.db", adcode="210124")
    yield store
    store.close_all()


def _text() -> str:
    return FIXTURE.read_bytes().decode("gbk")


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "variant.txt"
    path.write_bytes(_text().replace(old, new).encode("gbk"))
    return path


class TestBaopanLayout:
    def test_read_verbatim(self, faku):
        [p] = parse_corner_text(_text(), division=faku)
        assert p.meta["permit_no"] == "C2101242019037130123456" and p.meta["mineral"] == "建筑用花岗岩"
        assert p.meta["zone"] == "41" and p.elevations == [(180.0, 60.0)]
        assert p.rings == [[(41_518_000.0, 4_695_000.0), (41_518_800.0, 4_695_000.0),
                            (41_518_800.0, 4_695_500.0), (41_518_000.0, 4_695_500.0)]]
        assert shapely.Polygon(p.rings[0]).area == RECT_M2

    def test_import_into_a_zone_41_store_gives_the_hand_computed_area(self, faku_store, faku):
        rep = import_permits(faku_store, FIXTURE)
        assert rep["added"] == ["C2101242019037130123456"]
        assert "faku_zone41_baopan.txt 按 GBK 编码读取" in rep["notes"]
        permits = faku_store.permits()
        p = permits.iloc[0]
        assert (p.holder, p.valid_from, p.valid_to, p.elev_top, p.elev_bottom) == (
            "法库县某某石材有限公司", dt.date(2019, 3, 1), dt.date(2029, 2, 28), 180.0, 60.0)
        area = permits.to_crs(faku.area_crs).area.iloc[0]
        assert area == pytest.approx(RECT_M2, abs=0.01)
        assert area / M2_PER_MU == pytest.approx(600.0, abs=1e-5)
        # measured in 代县's zone 38 (9° west of the central meridian) the same rectangle comes out 1.4 % too large
        assert permits.to_crs(4526).area.iloc[0] / RECT_M2 - 1 > 0.01

    def test_two_rings_each_closed_by_a_star_line(self, faku):
        ring2 = "\r\n".join(["1,4696000.00,41518000.00,", "2,4696000.00,41518100.00,", "3,4696100.00,41518100.00,",
                             "4,4696100.00,41518000.00,", "*,180,60,法库县某某采石场,1,", ""])
        [p] = parse_corner_text(_text() + ring2, division=faku)
        geom, notes = rings_to_polygon(p.rings, label="x", division=faku)
        assert geom.geom_type == "MultiPolygon" and notes == []
        assert sum(shapely.Polygon(r).area for r in p.rings) == RECT_M2 + 10_000.0

    def test_eastings_without_the_prefix_get_zone_41(self, faku):
        text = _text().replace(",41518", ",518")
        [p] = parse_corner_text(text, division=faku)
        assert p.rings[0][0] == (41_518_000.0, 4_695_000.0)


class TestRefused:
    def test_zone_41_file_in_a_daixian_store_names_both_zones(self, tmp_path):
        store = empty_store(tmp_path / "dx.db")
        with pytest.raises(CRSError, match="带号为 41，不是代县所在的 3 度带第 38 带（中央经线 114°E）"):
            import_permits(store, FIXTURE)
        assert store.permits().empty

    def test_zone_heading_of_another_zone(self, faku_store, tmp_path):
        with pytest.raises(CRSError, match="带号为 38，不是法库县所在的 3 度带第 41 带（中央经线 123°E）"):
            import_permits(faku_store, _variant(tmp_path, "带号：41,", "带号：38,"))
        assert faku_store.permits().empty

    def test_easting_prefix_of_another_zone(self, faku_store, tmp_path):
        path = tmp_path / "p38.txt"
        path.write_bytes(_text().replace("带号：41,\r\n", "").replace(",41518", ",38518").encode("gbk"))
        with pytest.raises(CRSError, match="Y 坐标 38518000.00 的带号为 38，不是法库县所在的 3 度带第 41 带"):
            import_permits(faku_store, path)

    @pytest.mark.parametrize("datum, named", [
        ("1980西安坐标系", "1980 西安坐标系"), ("西安80", "1980 西安坐标系"),
        ("北京54", "1954 北京坐标系"), ("WGS84 高斯-克吕格投影", "WGS84"),
    ])
    def test_other_datums_refused_by_name(self, faku_store, tmp_path, datum, named):
        path = _variant(tmp_path, "坐标系：2000国家大地坐标系", f"坐标系：{datum}")
        with pytest.raises(CRSError, match=f"坐标系为「{datum}」（{named}），本程序只接受 CGCS2000"):
            import_permits(faku_store, path)
        assert faku_store.permits().empty

    def test_outside_the_county_box(self, faku_store, tmp_path):
        # 4 595 000: 100 km south of 法库县, still zone 41
        with pytest.raises(RowErrors, match="不在法库县范围内"):
            import_permits(faku_store, _variant(tmp_path, ",469", ",459"))
        assert faku_store.permits().empty


def test_import_permits_command(tmp_path, capsys):
    db = tmp_path / "faku.db"
    assert main(["init", "--county", "210124", "--db", str(db)]) == 0
    assert main(["import-permits", str(FIXTURE), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "已导入 1 个采矿许可证：新增 1 个" in out and "C2101242019037130123456" in out
