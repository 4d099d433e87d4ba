"""Triage of hand-drawn patches: shares, suggestions, overlaps and references computed by hand."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from cases.triage.patches import RESULT_KEYS, records, triage
from cases.triage.rules import Rules
from geo.crs import zone_crs
from tests.conftest import E0, N0, gk_frame

AREA_CRS = zone_crs(38)


def patch(pid: str, x: float, y: float, side: float = 100.0):
    return {"patch_id": pid}, box(E0 + x, N0 + y, E0 + x + side, N0 + y + side)


def frame(items):
    return gk_frame([r for r, _ in items], [g for _, g in items])


def layer(*items):
    if not items:
        return gpd.GeoDataFrame({"ref": []}, geometry=[], crs=4490)
    return gk_frame([{"ref": ref} for ref, _ in items], [g for _, g in items])


@pytest.fixture
def towns():
    return gk_frame([{"name": "西乡"}, {"name": "东乡"}],
                    [box(E0 - 5000, N0 - 5000, E0 + 1050, N0 + 5000), box(E0 + 1050, N0 - 5000, E0 + 5000, N0 + 5000)])


def run(patches, layers, towns, rules=Rules()):
    return triage(patches, layers, townships=towns, rules=rules, area_crs=AREA_CRS).set_index("patch_id")


class TestCoveredShare:
    def test_half_covered_by_an_approval_needs_verification(self, towns):
        patches = frame([patch("A", 0, 0)])
        layers = {"approved_land": layer(("批2018-1", box(E0, N0, E0 + 50, N0 + 100))), "permit": layer()}
        r = run(patches, layers, towns).loc["A"]
        assert r["area_mu"] == 15.0
        assert r["covered_share"] == pytest.approx(0.5)
        assert r["overlaps"] == {"approved_land": 7.5, "permit": 0.0}
        assert r["covered_by"] == [{"layer": "approved_land", "ref": "批2018-1"}]
        assert r["suggestion"] == "需核实"
        assert "15.00 亩" in r["reason"] and "7.50 亩" in r["reason"] and "50.0%" in r["reason"]
        assert r["township"] == "西乡"

    def test_approval_and_facility_record_together_make_it_legal(self, towns):
        patches = frame([patch("B", 0, 0)])
        layers = {"approved_land": layer(("批1", box(E0, N0, E0 + 50, N0 + 100))),
                  "facility_ag": layer(("备1", box(E0 + 50, N0, E0 + 100, N0 + 100))), "permit": layer()}
        r = run(patches, layers, towns).loc["B"]
        assert r["covered_share"] == pytest.approx(1.0)
        assert r["suggestion"] == "合法"
        assert {c["ref"] for c in r["covered_by"]} == {"批1", "备1"}

    def test_overlapping_covers_are_counted_once(self, towns):
        patches = frame([patch("C", 0, 0)])
        cover = box(E0, N0, E0 + 60, N0 + 100)
        layers = {"approved_land": layer(("批1", cover), ("批2", cover)), "permit": layer(("P1", cover))}
        r = run(patches, layers, towns).loc["C"]
        assert r["covered_share"] == pytest.approx(0.6)
        assert r["overlaps"]["approved_land"] == pytest.approx(9.0)
        assert len(r["covered_by"]) == 3

    def test_uncovered_patch_on_farmland_is_suspected_illegal(self, towns):
        patches = frame([patch("D", 2000, 0)])
        layers = {"basic_farmland": layer(("田1", box(E0 + 2000, N0, E0 + 2100, N0 + 40))), "permit": layer()}
        r = run(patches, layers, towns).loc["D"]
        assert r["suggestion"] == "疑似违法"
        assert r["covered_share"] == 0.0
        assert r["overlaps"]["basic_farmland"] == pytest.approx(6.0)
        assert "永久基本农田 6.00 亩" in r["reason"]
        assert r["township"] == "东乡"

    @pytest.mark.parametrize(("covered_m", "expected"), [(95, "合法"), (94, "需核实"), (6, "需核实"), (5, "疑似违法")])
    def test_thresholds_are_inclusive(self, towns, covered_m, expected):
        patches = frame([patch("E", 0, 0)])
        layers = {"approved_land": layer(("批", box(E0, N0, E0 + covered_m, N0 + 100)))}
        assert run(patches, layers, towns).loc["E", "suggestion"] == expected

    def test_rules_change_the_judgement(self, towns):
        patches = frame([patch("F", 0, 0)])
        layers = {"approved_land": layer(("批", box(E0, N0, E0 + 50, N0 + 100)))}
        assert run(patches, layers, towns, Rules(legal_share=0.5)).loc["F", "suggestion"] == "合法"

    def test_sliver_touching_a_cover_is_not_covered_by_it(self, towns):
        patches = frame([patch("G", 0, 0)])
        layers = {"approved_land": layer(("批", box(E0 + 100, N0, E0 + 200, N0 + 100)))}  # shares an edge only
        r = run(patches, layers, towns).loc["G"]
        assert r["covered_by"] == [] and r["suggestion"] == "疑似违法"


def test_records_have_exactly_the_contract_keys(towns):
    res = triage(frame([patch("A", 0, 0), patch("B", 9000, 9000)]), {"permit": layer()}, townships=towns,
                 rules=Rules(), area_crs=AREA_CRS)
    recs = records(res)
    assert [list(r) for r in recs] == [list(RESULT_KEYS)] * 2
    assert recs[1]["township"] is None  # outside every township
