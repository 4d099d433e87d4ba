"""Map snapshots and map furniture (geo.printmap.snapshot, geo.printmap.furniture) on tiny hand-drawn shapes."""

from __future__ import annotations

import io
import warnings

import geopandas as gpd
import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

from cases.output.fonts import font_family
from geo.checks import outside_parts
from geo.errors import ValidationError
from geo.printmap.furniture import (
    CRS_NOTE,
    fit_extent,
    format_scale,
    nice_length,
    page_size_mm,
    place_labels,
    text_em,
    wrap_cjk,
)
from geo.printmap.snapshot import STYLE, MapContent, snapshot_figure
from tests.conftest import E0, N0, box, frame_of, gk_frame, mine


def texts_of(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def png_of(fig) -> Image.Image:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph (a box instead of Chinese) warns
        fig.savefig(buf, format="png", dpi="figure")
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


@pytest.fixture
def content(permit_1km, two_townships, county_square) -> MapContent:
    cases = frame_of([
        mine("CK-1", box(E0 + 800, N0 + 200, E0 + 1400, N0 + 600)),  # 400 m × 400 m outside P1
        mine("CK-2", box(E0 + 100, N0 + 100, E0 + 300, N0 + 300)),
        {**mine("YD-1", box(E0 - 2000, N0 - 2000, E0 - 1900, N0 - 1900)), "kind": "land", "category": 2,
         "permit_no": None},
    ])
    county = gpd.GeoDataFrame({"name": ["县"]}, geometry=county_square, crs=county_square.crs)
    return MapContent(cases=cases, townships=two_townships, permits=permit_1km, county=county,
                      title="测试县案件分布图", area_name="测试县", date_text="2019年7月15日",
                      notes=["示例数据：演示用"], outside=outside_parts(cases, permit_1km))


class TestFurniture:
    @pytest.mark.parametrize(("size", "landscape", "expected"), [
        ("A4", False, (210.0, 297.0)), ("A4", True, (297.0, 210.0)), ("a3", True, (420.0, 297.0)),
    ])
    def test_page_sizes(self, size, landscape, expected):
        assert page_size_mm(size, landscape=landscape) == expected

    def test_bad_page_size_is_refused_in_chinese(self):
        with pytest.raises(ValidationError, match="纸张大小「B5」无效，应为：A4、A3"):
            page_size_mm("B5", landscape=False)

    @pytest.mark.parametrize(("target", "expected"), [(2300, 2000), (999, 500), (7.5, 5), (1000, 1000), (180, 100)])
    def test_nice_length(self, target, expected):
        assert nice_length(target) == expected

    def test_fit_extent_keeps_bounds_and_takes_aspect(self):
        x0, y0, x1, y1 = fit_extent((0, 0, 100, 100), 2.0, margin=0.0)
        assert (x1 - x0) / (y1 - y0) == pytest.approx(2.0)
        assert x0 <= 0 and x1 >= 100 and y0 <= 0 and y1 >= 100

    def test_min_size_stops_a_tiny_parcel_filling_the_page(self):
        x0, _, x1, _ = fit_extent((0, 0, 10, 10), 1.0, margin=0.0, min_size=600)
        assert x1 - x0 == pytest.approx(600)

    def test_scale_text(self):
        assert format_scale(132_456) == "1:130 000"

    def test_wrap_cjk_counts_wide_characters(self):
        assert text_em("代县ab") == pytest.approx(2 + 2 * 0.58)
        assert wrap_cjk("一二三四五六", 4) == ["一二三四", "五六"]
        assert wrap_cjk("甲\n乙", 10) == ["甲", "乙"]


class TestOutsideParts:
    def test_part_outside_named_permit(self, content, permit_1km):
        out = outside_parts(content.cases, permit_1km)
        assert out.crs.to_epsg() == 4526
        assert out.area.round(1).tolist() == [160_000.0, 0.0, 0.0]  # 400 m × 400 m beyond the east edge

    def test_unknown_permit_is_not_out_of_bounds(self, content, permit_1km):
        cases = content.cases.assign(permit_no=["P9", "P1", None])
        assert outside_parts(cases, permit_1km).area.sum() == 0


class TestSnapshotFigure:
    def test_a4_landscape_at_100_dpi_is_1169_by_827(self, content):
        img = png_of(snapshot_figure(content, dpi=100, font=font_family()))
        assert abs(img.size[0] - 1169) <= 1 and abs(img.size[1] - 827) <= 1

    def test_a3_portrait_at_72_dpi(self, content):
        img = png_of(snapshot_figure(content, size="A3", landscape=False, dpi=72, font=font_family()))
        assert abs(img.size[0] - 842) <= 1 and abs(img.size[1] - 1191) <= 1

    def test_every_cartographic_element_is_on_the_page(self, content):
        extent = tuple(content.county.total_bounds)  # cases well inside: no label under the scale bar
        texts = texts_of(snapshot_figure(content, extent=extent, dpi=80, font=font_family()))
        joined = "\n".join(texts)
        assert "测试县案件分布图" in texts  # 图名
        assert "制图范围：测试县" in joined and "数据截至：2019年7月15日" in joined
        assert "图　　例" in texts and "采矿许可范围" in texts and "越界开采部分" in texts
        assert "北\nN" in texts  # north arrow
        assert any(t.startswith("比例尺 1:") for t in texts)
        assert "km" in texts or "m" in texts
        assert "2000国家大地坐标系（CGCS2000）" in joined and "中央经线114°E" in joined
        assert "制图单位：代县自然资源局" in joined
        assert "示例数据：演示用" in joined
        for label in ("CK-1", "CK-2", "YD-1", "P1", "西乡", "东乡"):
            assert label in texts, label

    def test_scale_bar_in_metres_for_a_small_extent(self, content):
        ext = tuple(content.cases.iloc[[1]].total_bounds)
        texts = texts_of(snapshot_figure(content, extent=ext, dpi=60, font=font_family()))
        assert "m" in texts and "km" not in texts

    def test_outside_part_is_hatched_in_red(self, content):
        fig = snapshot_figure(content, dpi=200, font=font_family())
        img = np.asarray(png_of(fig)).astype(int)
        ax = next(a for a in fig.axes if a.get_label() == "map")
        red = np.array([int(STYLE["outside"]["edgecolor"][i:i + 2], 16) for i in (1, 3, 5)])
        # a 30 × 30 px window in the middle of the outside part (E0+1000…1400, N0+200…600)
        x, y = ax.transData.transform((E0 + 1200, N0 + 400))
        win = img[int(img.shape[0] - y) - 15:int(img.shape[0] - y) + 15, int(x) - 15:int(x) + 15]
        near_red = (np.abs(win - red).sum(axis=2) < 60).mean()
        assert near_red > 0.05  # hatch lines
        x, y = ax.transData.transform((E0 + 900, N0 + 400))  # inside the permit: no hatch
        win = img[int(img.shape[0] - y) - 5:int(img.shape[0] - y) + 5, int(x) - 5:int(x) + 5]
        assert (np.abs(win - red).sum(axis=2) < 60).mean() == 0

    def test_input_frames_are_not_modified(self, content):
        before = content.cases.copy()
        snapshot_figure(content, dpi=50, font=font_family())
        assert content.cases.crs.to_epsg() == 4490
        assert before.geometry.geom_equals_exact(content.cases.geometry, 1e-12).all()


class TestLabels:
    def test_overlapping_labels_are_dropped(self, content):
        fig = snapshot_figure(content, dpi=72, font=font_family())
        ax = next(a for a in fig.axes if a.get_label() == "map")
        x0, x1 = ax.get_xlim()
        y = np.mean(ax.get_ylim())
        xs = np.array([x0 + (x1 - x0) * 0.5] * 3)
        keep, *_ = place_labels(ax, xs, np.full(3, y), ["AAAA", "BBBB", "CCCC"], fontsize=8,
                                offsets=((0, 0),))
        assert keep.tolist() == [True, False, False]


def test_crs_note_names_cgcs2000_and_zone_38():
    assert "CGCS2000" in CRS_NOTE and "38带" in CRS_NOTE and "EPSG:4526" in CRS_NOTE


def test_no_case_falls_back_to_county_extent(content):
    empty = content.cases.iloc[0:0]
    fig = snapshot_figure(MapContent(**{**content.__dict__, "cases": empty, "outside": None}), dpi=50,
                          font=font_family())
    assert "图中案件 0 起（用地 0 起，采矿 0 起）" in texts_of(fig)
    assert gk_frame  # fixtures module import used
