"""其他农用地 (林地、园地、草地等): the optional reference layer measures the 'other farmland' of the criminal-referral
check (without it the measure is an upper bound and the rule says so), loads by its Chinese name, ships as demo data
(示例数据) under demo land cases, and is drawn on printed maps and listed per kind by the triage."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from cases.cli.main import main
from cases.output.snapshots import SnapshotRequest, snapshot_content
from cases.store import open_store
from cases.triage.layers import DEMO_DIR, KINDS, kind_of, load_demo_layers, loaded_kinds, stored_layer
from cases.triage.patches import triage
from cases.triage.printstyle import PRINT_STYLES
from cases.triage.referral import BOUND_NOTE, referrals
from cases.triage.rules import Rules
from cases.triage.triagemap import LAYER_STYLES
from cases.triage.workflow import store_referrals
from geo.crs import zone_crs
from tests.conftest import E0, N0, gk_frame

AREA_CRS = zone_crs(38)
#: A 100 m × 200 m parcel (2 ha = 30 亩) with its SW corner at (E0, N0).
PARCEL = box(E0, N0, E0 + 100, N0 + 200)


def layer(*geoms):
    return gk_frame([{"ref": f"r{i}"} for i in range(len(geoms))], list(geoms))


def run(geom, layers, rules=Rules()):
    cases = gk_frame([{"case_id": "A", "kind": "land", "summary": ""}], [geom])
    return referrals(cases, layers, rules=rules, area_crs=AREA_CRS).set_index("case_id").loc["A"]


class TestMeasured:
    def test_half_inside_other_farmland_is_15_mu(self):
        # the southern half (100 m × 100 m = 15 亩) lies in a 1 km 其他农用地 square reaching N0 + 100
        r = run(PARCEL, {"other_farmland": layer(box(E0 - 500, N0 - 900, E0 + 500, N0 + 100))})
        assert r["other_farmland_mu"] == pytest.approx(15.0, abs=0.01)
        assert r["fired"] == []  # 15 < 20

    def test_basic_farmland_and_cropland_are_not_counted_twice(self):
        # the whole parcel in 其他农用地; its south 40 m (6 亩) also 基本农田, the next 60 m (9 亩) also 耕地
        layers = {"other_farmland": layer(box(E0 - 10, N0 - 10, E0 + 110, N0 + 210)),
                  "basic_farmland": layer(box(E0 - 10, N0 - 10, E0 + 110, N0 + 40)),
                  "cropland": layer(box(E0 - 10, N0 + 40, E0 + 110, N0 + 100))}
        r = run(PARCEL, layers)
        assert r["basic_farmland_mu"] == pytest.approx(6.0, abs=0.01)
        assert r["cropland_mu"] == pytest.approx(9.0, abs=0.01)
        assert r["other_farmland_mu"] == pytest.approx(15.0, abs=0.01)  # 30 − 6 − 9
        assert [f["rule"] for f in r["fired"]] == ["basic_farmland"]

    def test_measured_other_farmland_fires_without_the_bound_note(self):
        r = run(PARCEL, {"other_farmland": layer(box(E0 - 10, N0 - 10, E0 + 110, N0 + 210))})
        assert r["other_farmland_mu"] == pytest.approx(30.0, abs=0.01)
        assert r["text"] == "涉嫌犯罪，应移送公安：非法占用其他农用地 30.00 亩（标准 ≥ 20 亩）"

    def test_outside_the_layer_is_no_other_farmland_even_beside_cropland(self):
        # with the layer loaded, the part outside every layer is not farmland at all (no upper bound)
        layers = {"other_farmland": layer(box(E0 + 1000, N0, E0 + 1100, N0 + 100)),
                  "cropland": layer(box(E0, N0, E0 + 100, N0 + 20))}
        r = run(PARCEL, layers)
        assert r["cropland_mu"] == pytest.approx(3.0, abs=0.01) and r["other_farmland_mu"] == 0.0
        assert r["fired"] == []


class TestUpperBound:
    def test_without_the_layer_the_rest_is_an_upper_bound_and_the_text_says_so(self):
        # 基本农田 on the south 20 m (3 亩): the other 27 亩 count as other farmland, at most
        r = run(PARCEL, {"basic_farmland": layer(box(E0, N0, E0 + 100, N0 + 20))})
        assert r["other_farmland_mu"] == pytest.approx(27.0, abs=0.01)
        assert [f["rule"] for f in r["fired"]] == ["other_farmland"]
        assert r["fired"][0]["label"] == "非法占用其他农用地" + BOUND_NOTE
        assert r["text"] == ("涉嫌犯罪，应移送公安：非法占用其他农用地（未载入其他农用地图层，按上限估计） 27.00 亩"
                             "（标准 ≥ 20 亩）")


class TestLoadAndDemo:
    def test_chinese_name_is_the_kind(self):
        assert kind_of("其他农用地") == "other_farmland" and KINDS["other_farmland"] == "其他农用地"
        assert set(PRINT_STYLES) == set(KINDS) == set(LAYER_STYLES)

    def test_load_layer_by_chinese_name(self, demo_copy, tmp_path, capsys):
        f = tmp_path / "林地园地草地.gpkg"
        gpd.GeoDataFrame({"名称": ["林地甲", "草地乙"]}, crs=4526,
                         geometry=[box(E0, N0, E0 + 100, N0 + 200), box(E0 + 300, N0, E0 + 400, N0 + 100)]).to_file(f)
        assert main(["load-layer", "其他农用地", str(f), "--db", str(demo_copy.path)]) == 0
        assert "已载入参考图层「其他农用地」（other_farmland）：2 个要素" in capsys.readouterr().out
        frame = stored_layer(demo_copy, "other_farmland")
        assert list(frame["ref"]) == ["林地甲", "草地乙"] and not frame["demo"].any()
        assert loaded_kinds(demo_copy) == {"other_farmland": False}
        area = frame.to_crs(AREA_CRS).area.sum()
        assert area == pytest.approx(20000 + 10000, rel=1e-6)

    def test_demo_layer_lies_under_demo_land_cases_and_measures_them(self, demo_copy):
        loaded = load_demo_layers(demo_copy, user="测试")
        assert list(loaded) == list(KINDS) and loaded["other_farmland"] == 16
        frame = stored_layer(demo_copy, "other_farmland")
        assert frame["demo"].all() and (DEMO_DIR / "other_farmland.geojson").exists()
        ref = store_referrals(demo_copy).set_index("case_id")
        # YD-2019-012 (29.34 亩) lies wholly in a demo 其他农用地 feature: measured, over 20 亩, no bound note
        assert ref.loc["YD-2019-012", "other_farmland_mu"] == pytest.approx(29.34, abs=0.01)
        assert ref.loc["YD-2019-012", "text"] == "涉嫌犯罪，应移送公安：非法占用其他农用地 29.34 亩（标准 ≥ 20 亩）"
        # YD-2019-052: 1.97 亩 of 耕地 not counted again as other farmland
        assert ref.loc["YD-2019-052", "cropland_mu"] == pytest.approx(1.97, abs=0.01)
        assert ref.loc["YD-2019-052", "other_farmland_mu"] < 13.27 - 1.97
        assert not ref["text"].str.contains("按上限估计").any()
        assert int(ref["fired"].map(bool).sum()) == 40

    def test_printed_map_draws_it_with_a_legend_label(self, demo_copy):
        load_demo_layers(demo_copy, user="测试")
        content, _ = snapshot_content(demo_copy, SnapshotRequest(layers=("其他农用地",)))
        assert [(label, len(f)) for label, f, _ in content.backdrop] == [("其他农用地（示例数据）", 16)]


def test_triage_lists_the_overlap_per_kind_with_the_same_keys():
    patches = gk_frame([{"patch_id": "T1"}], [PARCEL])
    layers = {"other_farmland": layer(box(E0 - 500, N0 - 900, E0 + 500, N0 + 100)),
              "approved_land": layer(box(E0 + 1000, N0, E0 + 1100, N0 + 100))}
    out = triage(patches, layers, townships=gpd.GeoDataFrame(geometry=[], crs=4490), rules=Rules(), area_crs=AREA_CRS)
    row = out.iloc[0]
    assert row["overlaps"] == {"other_farmland": 15.0, "approved_land": 0.0}
    assert row["suggestion"] == "疑似违法" and "其中占其他农用地 15.00 亩" in row["reason"]


def test_store_query_runs_on_both_backends(store_location, tmp_path):
    store = open_store(store_location, create=True)
    try:
        assert loaded_kinds(store) == {}
        f = tmp_path / "of.gpkg"
        gpd.GeoDataFrame({"name": ["x"]}, geometry=[PARCEL], crs=4526).to_file(f)
        assert main(["load-layer", "other_farmland", str(f), "--db", str(store_location)]) == 0
        assert loaded_kinds(store) == {"other_farmland": False}
    finally:
        store.close_all()
