"""Pasted coordinates: lon/lat or Gauss-Krüger, with or without zone prefix, swapped axes detected."""

from __future__ import annotations

import pytest
import shapely

from cases.io.pasted import GK_PLAIN, GK_PREFIX, LONLAT, parse_coordinate_text
from geo.crs import lonlat_to_gk
from geo.errors import CRSError, GeometryError

LON = [113.0, 113.01, 113.01, 113.0]
LAT = [39.0, 39.0, 39.01, 39.01]
SQUARE = shapely.Polygon(zip(LON, LAT))


def gk_lines(*, prefix=True, swap=False, numbered=False, sep="  "):
    x, y = lonlat_to_gk(LON, LAT, prefix=prefix)
    rows = []
    for i, (a, b) in enumerate(zip(x, y), start=1):
        pair = (b, a) if swap else (a, b)
        rows.append((f"J{i}{sep}" if numbered else "") + f"{pair[0]:.3f}{sep}{pair[1]:.3f}")
    return "\n".join(rows)


class TestParse:
    def test_lonlat(self):
        r = parse_coordinate_text("113.0, 39.0\n113.01, 39.0\n113.01, 39.01\n113.0, 39.01\n113.0, 39.0")
        assert r.system == LONLAT and r.notes == [] and r.geometry.equals(SQUARE)

    def test_lat_lon_is_swapped_with_a_note(self):
        r = parse_coordinate_text("39.0 113.0\n39.0 113.01\n39.01 113.01\n39.01 113.0")
        assert r.geometry.equals(SQUARE) and "已自动调换" in r.notes[0]

    @pytest.mark.parametrize("kwargs, system, swapped", [
        ({}, GK_PREFIX, False), ({"prefix": False}, GK_PLAIN, False), ({"swap": True}, GK_PREFIX, True),
        ({"prefix": False, "swap": True, "numbered": True, "sep": "，"}, GK_PLAIN, True),
        ({"numbered": True, "sep": "\t"}, GK_PREFIX, False),
    ])
    def test_gauss_kruger(self, kwargs, system, swapped):
        r = parse_coordinate_text("点号 X Y\n" + gk_lines(**kwargs))
        assert r.system == system
        assert bool(r.notes) == swapped
        assert shapely.equals_exact(r.geometry.normalize(), SQUARE.normalize(), tolerance=1e-7)

    def test_one_line_of_numbers(self):
        r = parse_coordinate_text("113.0 39.0 113.01 39.0 113.01 39.01")
        assert r.geometry.area == pytest.approx(0.00005)

    def test_a_point(self):
        r = parse_coordinate_text("113.05, 39.05")
        assert r.geometry.geom_type == "Point" and r.geometry.x == 113.05


class TestRefuse:
    @pytest.mark.parametrize("text, error, message", [
        ("", GeometryError, "没有识别到坐标"),
        ("113.0, 39.0\n113.01, 39.0", GeometryError, "只有 2 个不同的点"),
        ("113.0, 39.0\n113.01, 39.01\n113.01, 39.0\n113.0, 39.01", GeometryError, "多边形无效"),
        ("116.4, 39.9\n116.5, 39.9\n116.5, 40.0", CRSError, "第 1 行"),
        ("4318979.76 37413372.67\n4318970.29 37414238.96\n4320080.48 37414251.04", CRSError, "带号为 37"),
        ("113.0, 39.0\n4318970.29 38414238.96\n113.01, 39.01", CRSError, "混有经纬度和高斯"),
        ("113.0, 39.0\n39\n113.01, 39.01", GeometryError, "第 2 行只有一个数"),
    ])
    def test_messages(self, text, error, message):
        with pytest.raises(error, match=message):
            parse_coordinate_text(text)
