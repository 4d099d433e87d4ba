"""拐点 and pasted coordinates labelled as 6-degree Gauss-Krüger, read in the county's 6-degree zone.

代县 lies about 112.7–113.4°E: 3-degree zone 38 (CM 114°E), 6-degree zone 19 (CM 111°E, EPSG:4497 with the
prefix, EPSG:4508 without).  The permit is a rectangle defined in EPSG:4526 (3° zone 38) metres, E 38 409 000–
38 409 800 m and N 4 325 500–4 326 000 m, so its area is 500 m × 800 m = 400 000 m² = 600 亩 by hand; its
corners are written as 6° zone-19 coordinates (computed here with pyproj, to 0.1 mm) under a ``6度带`` label.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer

from cases.cli.main import main
from cases.county import DAIXIAN
from cases.io.pasted import parse_coordinate_text
from cases.ledger.corners import parse_corner_text
from cases.ledger.permits import import_permits
from geo.crs import (
    M2_PER_MU,
    central_meridian_of,
    county_zone,
    gk_epsg,
    zone_crs,
    zone_of_longitude,
    zone_of_meridian,
    zone_problem,
    zone_width_label,
)
from geo.errors import CRSError, RowErrors
from tests.cases.ledger_fixtures import empty_store

RECT_M2 = 500.0 * 800.0
#: The rectangle's corners in EPSG:4526 (easting with the 38 prefix, northing), in ring order.
CORNERS_4526 = [(38_409_000.0, 4_325_500.0), (38_409_800.0, 4_325_500.0),
                (38_409_800.0, 4_326_000.0), (38_409_000.0, 4_326_000.0)]
PERMIT_NO = "C1409232020017130000001"


def _six_degree(prefix: bool = True) -> list[tuple[float, float]]:
    """The corners as 6° zone-19 (X northing, Y easting), with or without the 19 prefix."""
    tr = Transformer.from_crs(4526, 4497 if prefix else 4508, always_xy=True)
    e, n = tr.transform(*np.array(CORNERS_4526).T)
    return list(zip(n.tolist(), e.tolist()))


def _text(label: str = "6度带\n", *, prefix: bool = True) -> str:
    points = "\n".join(f"{i},{x:.4f},{y:.4f}" for i, (x, y) in enumerate(_six_degree(prefix), start=1))
    return (f"采矿许可证号：{PERMIT_NO}\n采矿权人：代县某某矿业有限公司\n矿山名称：代县某某铁矿\n开采矿种：铁矿\n"
            f"有效期限：2020年1月1日至2030年1月1日\n坐标系：2000国家大地坐标系\n{label}"
            f"{points}\n开采标高：1500米至1300米\n")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "six.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path):
    s = empty_store(tmp_path / "dx.db")
    yield s
    s.close_all()


class TestZoneRule:
    @pytest.mark.parametrize("zone, with_prefix, without", [(13, 4491, 4502), (19, 4497, 4508), (23, 4501, 4512)])
    def test_six_degree_epsg_codes_are_pyprojs(self, zone, with_prefix, without):
        assert (gk_epsg(zone, width=6), gk_epsg(zone, prefix=False, width=6)) == (with_prefix, without)
        cm = central_meridian_of(zone, width=6)
        assert cm == 6 * zone - 3
        assert CRS.from_epsg(with_prefix).name == f"CGCS2000 / Gauss-Kruger zone {zone}"
        assert CRS.from_epsg(without).name == f"CGCS2000 / Gauss-Kruger CM {cm:g}E"
        assert zone_crs(zone, width=6).to_epsg() == with_prefix

    def test_daixian_is_six_degree_zone_19(self):
        assert zone_of_longitude(112.9, width=6) == 19 and zone_of_longitude(112.9) == 38
        assert county_zone(zone=DAIXIAN.zone, bbox=DAIXIAN.bbox, width=6) == 19
        assert county_zone(zone=DAIXIAN.zone, bbox=DAIXIAN.bbox) == 38
        assert zone_of_meridian(111, width=6) == 19 and zone_of_meridian(114, width=6) is None
        assert zone_of_meridian(114) == 38 and zone_of_meridian(111) == 37

    def test_three_degree_rule_unchanged(self):
        assert (gk_epsg(38), gk_epsg(38, prefix=False), central_meridian_of(38)) == (4526, 4547, 114.0)
        with pytest.raises(CRSError, match="不在 CGCS2000 6 度带第 13–23 带"):
            gk_epsg(38, width=6)
        with pytest.raises(ValueError):
            gk_epsg(38, width=4)

    @pytest.mark.parametrize("text, width", [
        ("6度带", 6), ("六度带", 6), ("投影带：6°带", 6), ("6度分带 第19带", 6), ("3度带", 3), ("三度带", 3),
        ("坐标系：2000国家大地坐标系", None), ("36度带", None), ("1.5度带", None),
    ])
    def test_width_label(self, text, width):
        assert zone_width_label(text) == width

    def test_both_widths_refused(self):
        with pytest.raises(CRSError, match="同时标有 3 度带和 6 度带"):
            zone_width_label("6度带\n3度带")

    def test_six_degree_zone_message(self):
        assert zone_problem(zone=[20], county_zone=19, width=6) == (
            "带号为 20，不是代县所在的 6 度带第 19 带（中央经线 111°E）；"
            "坐标标为 6 度带时应为 CGCS2000 6 度带第 19 带坐标，请检查带号")


class TestCorners:
    def test_read_in_zone_19_and_converted_to_zone_38(self):
        [p] = parse_corner_text(_text(), division=DAIXIAN)
        assert np.allclose(p.rings[0], CORNERS_4526, atol=1e-3)
        assert shapely.Polygon(p.rings[0]).area == pytest.approx(RECT_M2, abs=1.0)
        assert any("6 度带第 19 带（中央经线 111°E），已换算为 3 度带第 38 带" in n for n in p.notes)

    @pytest.mark.parametrize("label", [
        "6度带\n", "坐标系：2000国家大地坐标系 6度带 第19带\n", "带号,19\n投影带：6度带\n", "带号：19\n六度带\n",
        "6度带 第19带\n",
    ])
    def test_labels(self, label):
        [p] = parse_corner_text(_text(label), division=DAIXIAN)
        assert np.allclose(p.rings[0], CORNERS_4526, atol=1e-3)

    def test_eastings_without_the_prefix(self):
        [p] = parse_corner_text(_text(prefix=False), division=DAIXIAN)
        assert np.allclose(p.rings[0], CORNERS_4526, atol=1e-3)

    def test_another_six_degree_zone_named(self):
        with pytest.raises(CRSError, match="带号为 20，不是代县所在的 6 度带第 19 带（中央经线 111°E）"):
            parse_corner_text(_text("坐标系：2000国家大地坐标系 6度带 第20带\n"), division=DAIXIAN)
        with pytest.raises(CRSError, match="Y 坐标 20.* 的带号为 20，不是代县所在的 6 度带第 19 带"):
            parse_corner_text(_text().replace(",19", ",20"), division=DAIXIAN)

    def test_three_degree_label_keeps_the_three_degree_refusal(self):
        with pytest.raises(CRSError, match="带号为 19（疑似 6 度带），不是代县所在的 3 度带第 38 带"):
            parse_corner_text(_text("3度带\n"), division=DAIXIAN)


class TestImport:
    def test_import_gives_the_hand_computed_area(self, store, tmp_path):
        rep = import_permits(store, _write(tmp_path, _text()))
        assert rep["added"] == [PERMIT_NO]
        assert any("已换算为 3 度带第 38 带" in n for n in rep["notes"])
        permits = store.permits()
        p = permits.iloc[0]
        assert (p.holder, p.mineral, p.valid_from, p.valid_to, p.elev_top, p.elev_bottom) == (
            "代县某某矿业有限公司", "铁矿", dt.date(2020, 1, 1), dt.date(2030, 1, 1), 1500.0, 1300.0)
        area = permits.to_crs(4526).area.iloc[0]
        assert area == pytest.approx(RECT_M2, abs=1.0)
        assert area / M2_PER_MU == pytest.approx(600.0, abs=0.01)

    def test_without_the_label_refused_with_the_existing_message(self, store, tmp_path):
        with pytest.raises(CRSError, match="的带号为 19（疑似 6 度带），不是代县所在的 3 度带第 38 带（中央经线 114°E）"):
            import_permits(store, _write(tmp_path, _text("")))
        assert store.permits().empty

    def test_labelled_but_outside_the_county(self, store, tmp_path):
        # 200 km north, still zone 19: converted, then refused by the county box check
        text = _text().replace(",43", ",45")
        with pytest.raises(RowErrors, match="不在代县范围内"):
            import_permits(store, _write(tmp_path, text))
        assert store.permits().empty

    def test_command(self, tmp_path, capsys):
        db = tmp_path / "dx.db"
        assert main(["init", "--county", "140923", "--db", str(db)]) == 0
        assert main(["import-permits", str(_write(tmp_path, _text())), "--db", str(db)]) == 0
        assert "已导入 1 个采矿许可证：新增 1 个" in capsys.readouterr().out


class TestPasted:
    def _pasted(self, head: str) -> str:
        return head + "\n".join(f"J{i} {x:.4f} {y:.4f}" for i, (x, y) in enumerate(_six_degree(), start=1))

    def test_same_polygon_as_the_import(self, store, tmp_path):
        parsed = parse_coordinate_text(self._pasted("6度带 第19带\n"), division=DAIXIAN)
        assert parsed.system == "高斯-克吕格 6 度带（Y 带带号 19）"
        import_permits(store, _write(tmp_path, _text()))
        imported = store.permits().geometry.iloc[0]
        assert shapely.equals_exact(shapely.normalize(parsed.geometry), shapely.normalize(imported), tolerance=1e-9)
        area = Transformer.from_crs(4490, 4526, always_xy=True)
        assert shapely.transform(parsed.geometry, lambda c: np.column_stack(area.transform(*c.T))).area == \
            pytest.approx(RECT_M2, abs=1.0)

    def test_meridian_heading(self):
        parsed = parse_coordinate_text(self._pasted("6度带\n中央经线 111°\n"), division=DAIXIAN)
        assert parsed.geometry.geom_type == "Polygon"
        with pytest.raises(CRSError, match="中央经线 114°E 不是 6 度带的中央经线（应为 6 的倍数减 3，代县为 111°E）"):
            parse_coordinate_text(self._pasted("6度带\n中央经线 114°\n"), division=DAIXIAN)

    def test_without_the_label_refused(self):
        with pytest.raises(CRSError, match="带号为 19（疑似 6 度带），不是代县所在的 3 度带第 38 带"):
            parse_coordinate_text(self._pasted(""), division=DAIXIAN)
        with pytest.raises(CRSError, match="带号为 19（疑似 6 度带），不是代县所在的 3 度带第 38 带"):
            parse_coordinate_text(self._pasted("第19带\n"), division=DAIXIAN)
