"""Pasted 度分秒 coordinates: every usual way of writing them, labels read, bad ones named by line."""

from __future__ import annotations

import pytest

from cases.io.pasted import LONLAT, parse_coordinate_text
from geo.errors import CRSError, GeometryError

LON, LAT = 112 + 57 / 60 + 18 / 3600, 39 + 3 / 60 + 1 / 3600


class TestDegreesMinutesSeconds:
    @pytest.mark.parametrize("text", [
        "112°57′18″, 39°3′1″",
        "112°57'18\", 39°03'01\"",
        "112度57分18秒 39度3分1秒",
        "112°57’18” 39°3’1”",
        "E112°57′18″ N39°3′1″",
        "112°57′18″E, 39°3′1″N",
        "东经112°57′18″，北纬39°3′1″",
        "东经 112度57分18秒 北纬 39度3分1秒",
        "J1 112°57′18″ 39°3′1″",
        "112°57.3′ 39°3.016667′",
    ])
    def test_one_point(self, text):
        p = parse_coordinate_text(text)
        assert p.system == LONLAT and p.notes == []
        assert p.geometry.x == pytest.approx(LON, abs=1e-6) and p.geometry.y == pytest.approx(LAT, abs=1e-6)

    @pytest.mark.parametrize("text", ["北纬39°3′1″ 东经112°57′18″", "N39°3′1″ E112°57′18″", "39°3′1″N 112°57′18″E"])
    def test_labelled_latitude_first_is_read_by_its_labels(self, text):
        p = parse_coordinate_text(text)
        assert p.notes == [] and p.geometry.x == pytest.approx(LON) and p.geometry.y == pytest.approx(LAT)

    def test_unlabelled_latitude_first_is_swapped_with_a_note(self):
        p = parse_coordinate_text("39°3′1″, 112°57′18″")
        assert p.geometry.x == pytest.approx(LON)
        assert p.notes == ["有 1 个点按“纬度, 经度”给出，已自动调换为“经度, 纬度”"]

    def test_a_parcel(self):
        p = parse_coordinate_text("112°57′18″ 39°3′1″\n112°57′30″ 39°3′1″\n112°57′30″ 39°3′20″\n112°57′18″ 39°3′20″")
        assert p.geometry.geom_type == "Polygon" and len(p.geometry.exterior.coords) == 5

    @pytest.mark.parametrize("text, match", [
        ("112°57′78″, 39°3′1″", "第 1 行：「112°57′78″」的分、秒应小于 60"),
        ("113.05, 39.02\nS39°3′1″ E112°57′18″", "第 2 行：「S39°3′1″」是南纬或西经"),
    ])
    def test_bad_angles_are_named(self, text, match):
        with pytest.raises(GeometryError, match=match):
            parse_coordinate_text(text)


class TestNeitherMessage:
    def test_names_the_line_and_the_pair_as_written(self):
        with pytest.raises(CRSError) as exc:
            parse_coordinate_text("113.05, 39.02\n16.8, 38\n113.056, 39.025")
        assert "第 2 行「16.8, 38」" in str(exc.value) and "（16.8, 38）" not in str(exc.value)
