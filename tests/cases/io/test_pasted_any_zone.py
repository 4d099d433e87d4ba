"""Pasted coordinates in the store's county's zone: prefix, 带号/中央经线/坐标系 lines, other zones and datums refused."""

from __future__ import annotations

import pytest
import shapely

from cases.county import county_by_code
from cases.io.pasted import GK_PLAIN, LONLAT, gk_label, parse_coordinate_text
from geo.crs import lonlat_to_gk
from geo.errors import CRSError, GeometryError

FAKU = county_by_code("210124")  # 法库县, zone 41
LON = [123.2, 123.21, 123.21, 123.2]
LAT = [42.4, 42.4, 42.41, 42.41]
SQUARE = shapely.Polygon(zip(LON, LAT))


def gk_lines(*, zone: int = 41, prefix: bool = True) -> str:
    x, y = lonlat_to_gk(LON, LAT, zone=zone, prefix=prefix)
    return "\n".join(f"J{i} {a:.3f} {b:.3f}" for i, (a, b) in enumerate(zip(x, y), start=1))


def _same(geom) -> bool:
    return shapely.equals_exact(geom.normalize(), SQUARE.normalize(), tolerance=1e-7)


class TestAccepted:
    @pytest.mark.parametrize("heading", ["", "带号：41", "第 41 带", "中央经线 123°", "中央子午线：123",
                                         "坐标系：2000国家大地坐标系", "CGCS2000 3度带 带号41"])
    def test_zone_41_with_the_prefix(self, heading):
        r = parse_coordinate_text(f"{heading}\n点号 X Y\n{gk_lines()}", division=FAKU)
        assert r.system == gk_label(41) == "高斯-克吕格 3 度带（Y 带带号 41）" and _same(r.geometry)

    def test_without_the_prefix_after_a_zone_line(self):
        r = parse_coordinate_text("带号：41\n" + gk_lines(prefix=False), division=FAKU)
        assert r.system == GK_PLAIN and _same(r.geometry)

    def test_lonlat_in_the_county(self):
        r = parse_coordinate_text("\n".join(f"{a}, {b}" for a, b in zip(LON, LAT)), division=FAKU)
        assert r.system == LONLAT and r.geometry.equals(SQUARE)


class TestRefused:
    @pytest.mark.parametrize("text, message", [
        (gk_lines().replace(" 41", " 38"), r"Y 坐标 38516\d{3}\.\d\d 的带号为 38，不是法库县所在的 3 度带第 41 带（中央经线 123°E）"),
        ("带号：38\n" + gk_lines(prefix=False), "第 1 行：带号为 38，不是法库县所在的 3 度带第 41 带"),
        ("中央经线 114°\n" + gk_lines(prefix=False), "第 1 行：带号为 38，不是法库县所在的 3 度带第 41 带"),
        ("中央经线 124°\n" + gk_lines(prefix=False), "中央经线 124°E 不是 3 度带的中央经线"),
        ("坐标系：1980西安坐标系\n" + gk_lines(), "坐标系为「1980西安坐标系」（1980 西安坐标系），本程序只接受 CGCS2000"),
        ("北京54坐标\n" + gk_lines(), "（1954 北京坐标系），本程序只接受 CGCS2000"),
        ("WGS84 高斯投影 3度带\n" + gk_lines(), "（WGS84），本程序只接受 CGCS2000"),
        ("113.0 39.0\n113.01 39.0\n113.01 39.01", "法库县约在东经 122.7°–123.8°、北纬 42.1°–42.7°，X 约 46xxxxx，Y 约 41xxxxxx"),
    ])
    def test_messages(self, text, message):
        with pytest.raises(CRSError, match=message):
            parse_coordinate_text(text, division=FAKU)

    def test_zone_41_in_daixian_names_both(self):
        with pytest.raises(CRSError, match="带号为 41，不是代县所在的 3 度带第 38 带"):
            parse_coordinate_text(gk_lines())

    def test_heading_and_coordinates_on_one_line(self):
        first, rest = gk_lines().split("\n", 1)
        with pytest.raises(GeometryError, match="第 1 行：同一行既有坐标又有带号"):
            parse_coordinate_text(f"带号41 {first}\n{rest}", division=FAKU)
