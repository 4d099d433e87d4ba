"""拐点坐标: numbered GK points, rings, elevations, swapped X/Y, foreign zones."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely

from cases.ledger.corners import parse_corner_list, parse_corner_text, parse_validity, rings_to_polygon
from cases.ledger.permits import import_permits
from geo.crs import AREA_CRS, lonlat_to_gk
from geo.errors import CRSError, GeometryError, RowErrors
from tests.cases.ledger_fixtures import HUYU, empty_store


def _square(lon: float, lat: float, d: float, *, start: int = 1, prefix: bool = True, swap: bool = False) -> list[str]:
    xs, ys = lonlat_to_gk([lon, lon + d, lon + d, lon], [lat, lat, lat + d, lat + d], prefix=prefix)
    return [f"{start + i},{(y if swap else x):.2f},{(x if swap else y):.2f}" for i, (x, y) in enumerate(zip(xs, ys))]


def _permit_text(*, no="C1409002010017130011", rings=None) -> str:
    rings = rings or [_square(*HUYU, 0.01)]
    lines = [f"采矿许可证号：{no}", "采矿权人：代县某某建材有限公司", "矿山名称：代县某某石料厂", "开采矿种：石灰岩",
             "开采方式：露天开采", "有效期限：2015年1月1日至2025年12月31日", "拐点坐标（2000国家大地坐标系，3度带）", "点号  X  Y"]
    for ring in rings:
        lines += ring + ["*,1500,1380,,1"]
    return "\n".join(lines + ["开采标高：1500米至1380米"])


class TestParse:
    def test_heading_values_ring_and_elevation(self):
        [p] = parse_corner_text(_permit_text())
        assert p.meta["permit_no"] == "C1409002010017130011" and p.meta["mineral"] == "石灰岩"
        assert p.meta["holder"] == "代县某某建材有限公司" and p.meta["mining_method"] == "露天开采"
        assert len(p.rings) == 1 and len(p.rings[0]) == 4 and p.elevations[0] == (1500.0, 1380.0)
        assert parse_validity(p.meta["validity"]) == (dt.date(2015, 1, 1), dt.date(2025, 12, 31))
        geom, notes = rings_to_polygon(p.rings, label="x")
        assert notes == [] and abs(geom.bounds[0] - HUYU[0]) < 1e-6 and abs(geom.bounds[1] - HUYU[1]) < 1e-6
        area = shapely.area(shapely.Polygon(p.rings[0]))
        assert 800_000 < area < 1_000_000  # 0.01° square at 39°N in m²

    def test_six_digit_eastings_and_swapped_columns(self):
        [a] = parse_corner_text("\n".join(_square(*HUYU, 0.01, prefix=False)))
        [b] = parse_corner_text("\n".join(_square(*HUYU, 0.01, swap=True)))
        assert a.rings[0][0][0] > 38_000_000  # the 38 prefix is added
        assert b.notes == ["拐点坐标：坐标列顺序为 Y、X（X 应为 7 位北坐标），已自动交换为 X、Y"]
        assert shapely.equals_exact(shapely.Polygon(a.rings[0]), shapely.Polygon(b.rings[0]), 0.01)

    def test_hole_and_second_part(self):
        outer = _square(*HUYU, 0.02)
        hole = _square(HUYU[0] + 0.005, HUYU[1] + 0.005, 0.005)
        part = _square(HUYU[0] + 0.05, HUYU[1], 0.005)
        [p] = parse_corner_text(_permit_text(rings=[outer, hole, part]))
        geom, _ = rings_to_polygon(p.rings, label="x")
        assert geom.geom_type == "MultiPolygon" and len(geom.geoms) == 2
        assert sum(len(g.interiors) for g in geom.geoms) == 1

    def test_numbering_restart_starts_a_new_ring(self):
        lines = _square(*HUYU, 0.01) + _square(HUYU[0] + 0.05, HUYU[1], 0.01)
        [p] = parse_corner_text("\n".join(lines))
        assert len(p.rings) == 2

    def test_bow_tie_is_repaired_and_said(self):
        pts = _square(*HUYU, 0.01)
        pts[2], pts[3] = pts[3], pts[2]
        [p] = parse_corner_text("\n".join(pts))
        geom, notes = rings_to_polygon(p.rings, label="许可证 X")
        assert geom.is_valid and notes[0].startswith("许可证 X：范围图形自相交")

    def test_zone_37_refused_naming_the_zone(self):
        lines = [line.replace(",38", ",37") for line in _square(*HUYU, 0.01)]
        with pytest.raises(CRSError, match="带号为 37，不是代县所在的 3 度带第 38 带"):
            parse_corner_text("\n".join(lines))

    @pytest.mark.parametrize("line, message", [("带号：39", "带号为 39"), ("坐标系：1980西安坐标系", "只接受 CGCS2000")])
    def test_heading_zone_or_datum_refused(self, line, message):
        with pytest.raises(CRSError, match=message):
            parse_corner_text(line + "\n" + "\n".join(_square(*HUYU, 0.01)))

    def test_ring_with_two_points_refused(self):
        with pytest.raises(GeometryError, match="只有 2 个不同的点，至少需要 3 个点"):
            parse_corner_text("\n".join(_square(*HUYU, 0.01)[:2]))

    def test_cell_list(self):
        geom, notes = parse_corner_list(";".join(_square(*HUYU, 0.001)), label="第 3 行")
        assert geom.geom_type == "Polygon" and notes == []


class TestImportPermits:
    def test_text_file_two_permits(self, tmp_path):
        store = empty_store(tmp_path / "t.db")
        text = _permit_text() + "\n\n" + _permit_text(no="C1409002011017130022", rings=[_square(HUYU[0] + 0.05, HUYU[1], 0.01)])
        path = tmp_path / "拐点.txt"
        path.write_bytes(text.encode("gbk"))
        rep = import_permits(store, path)
        assert rep["added"] == ["C1409002010017130011", "C1409002011017130022"]
        p = store.permits().set_index("permit_no").loc["C1409002010017130011"]
        assert (p.holder, p.mineral, p.valid_to, p.elev_top, p.elev_bottom) == (
            "代县某某建材有限公司", "石灰岩", dt.date(2025, 12, 31), 1500.0, 1380.0)
        area = shapely.area(store.permits().to_crs(AREA_CRS).geometry.iloc[0])
        assert 800_000 < area < 1_000_000
        assert "拐点.txt 按 GBK 编码读取" in rep["notes"]

    def test_xlsx_corner_table(self, tmp_path):
        import openpyxl

        store = empty_store(tmp_path / "t.db")
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["采矿许可证号", "C1409002010017130011"])
        ws.append(["开采矿种", "铁矿"])
        ws.append(["点号", "X", "Y"])
        for line in _square(*HUYU, 0.01):
            n, x, y = line.split(",")
            ws.append([int(n), float(x), float(y)])
        ws.append(["开采标高", "1500米至1380米"])
        wb.save(tmp_path / "p.xlsx")
        rep = import_permits(store, tmp_path / "p.xlsx")
        assert rep["added"] == ["C1409002010017130011"] and rep["permits"][0].mineral == "铁矿"

    def test_missing_permit_number_writes_nothing(self, tmp_path):
        store = empty_store(tmp_path / "t.db")
        path = tmp_path / "x.txt"
        path.write_text("\n".join(_square(*HUYU, 0.01)), encoding="utf-8")
        with pytest.raises(RowErrors, match="缺少“采矿许可证号”行"):
            import_permits(store, path)
        assert store.permits().empty
