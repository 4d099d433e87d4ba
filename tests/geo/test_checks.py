"""The check engine on hand-computable shapes (built in EPSG:4526, fed through lon/lat)."""

from __future__ import annotations

import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.checks import RESULT_KEYS, check_cases
from tests.conftest import E0, N0, frame_of, mine


def run(records, permits, towns, county=None, **kw):
    return check_cases(frame_of(records), towns, permits, county, **kw).set_index("case_id")


class TestPermitOutside:
    def test_400m_parcel_with_100m_strip_outside(self, permit_1km, two_townships):
        # 400 × 400 m parcel, x from 700 to 1100: a 100 m × 400 m strip lies east of the permit.
        r = run([mine("c1", box(E0 + 700, N0 + 300, E0 + 1100, N0 + 700))], permit_1km, two_townships).loc["c1"]
        assert r.area_m2 == pytest.approx(160_000, abs=1)
        assert r.area_mu == pytest.approx(240.0, abs=0.01)
        assert r.outside_area_m2 == pytest.approx(40_000, abs=1)
        assert r.outside_area_mu == pytest.approx(60.0, abs=0.01)
        assert r.max_outside_distance_m == pytest.approx(100.0, abs=0.05)
        assert r.permit_no == "P1"
        assert "OUT_OF_BOUNDS" in r["flags"]

    def test_inside_is_clean(self, permit_1km, two_townships):
        r = run([mine("c1", box(E0 + 100, N0 + 100, E0 + 300, N0 + 300))], permit_1km, two_townships).loc["c1"]
        assert r.outside_area_m2 == pytest.approx(0, abs=1e-6)
        assert r.max_outside_distance_m == pytest.approx(0, abs=1e-6)
        assert r["flags"] == []

    def test_point_distance(self, permit_1km, two_townships):
        r = run([mine("p", Point(E0 + 1000 + 30, N0 + 500))], permit_1km, two_townships).loc["p"]
        assert r.max_outside_distance_m == pytest.approx(30.0, abs=0.05)
        assert r.area_m2 == 0
        assert "OUT_OF_BOUNDS" in r["flags"]

    @pytest.mark.parametrize("tol, flagged", [(0.5, True), (0.79, True), (0.81, False), (5.0, False)])
    def test_tolerance(self, permit_1km, two_townships, tol, flagged):
        # a parcel poking 0.8 m out of the permit
        rec = mine("c", box(E0 + 500, N0 + 500, E0 + 1000.8, N0 + 600))
        r = run([rec], permit_1km, two_townships, tolerance_m=tol).loc["c"]
        assert r.max_outside_distance_m == pytest.approx(0.8, abs=0.01)
        assert ("OUT_OF_BOUNDS" in r["flags"]) is flagged

    def test_corner_distance_is_the_diagonal(self, permit_1km, two_townships):
        # square beyond the NE corner: farthest vertex at (1300, 1400) → distance hypot(300, 400) = 500
        r = run([mine("c", box(E0 + 900, N0 + 900, E0 + 1300, N0 + 1400))], permit_1km, two_townships).loc["c"]
        assert r.max_outside_distance_m == pytest.approx(500.0, abs=0.05)
        assert r.outside_area_m2 == pytest.approx(400 * 500 - 100 * 100, abs=1)


class TestPermitAssignment:
    def test_unknown_number_is_no_permit(self, permit_1km, two_townships):
        r = run([mine("c", box(E0, N0, E0 + 10, N0 + 10), permit_no="XX")], permit_1km, two_townships).loc["c"]
        assert "NO_PERMIT" in r["flags"] and r.permit_no is None

    def test_no_number_but_overlap_takes_that_permit(self, permit_1km, two_townships):
        r = run([mine("c", box(E0 + 10, N0 + 10, E0 + 20, N0 + 20), permit_no="")], permit_1km, two_townships).loc["c"]
        assert r.permit_no == "P1" and "NO_PERMIT" not in r["flags"]

    def test_no_number_no_overlap(self, permit_1km, two_townships):
        r = run([mine("c", box(E0 - 900, N0, E0 - 800, N0 + 100), permit_no=None)], permit_1km, two_townships).loc["c"]
        assert r["flags"] == ["NO_PERMIT"]
        assert r.outside_area_m2 != r.outside_area_m2  # NaN: not applicable

    @pytest.mark.parametrize("mineral, wrong", [("煤", False), ("煤炭", False), ("铁矿", True), ("", False)])
    def test_wrong_mineral(self, permit_1km, two_townships, mineral, wrong):
        r = run([mine("c", box(E0 + 10, N0 + 10, E0 + 20, N0 + 20), mineral=mineral)], permit_1km, two_townships).loc["c"]
        assert ("WRONG_MINERAL" in r["flags"]) is wrong

    @pytest.mark.parametrize("found, expired", [("2017-12-31", True), ("2018-01-01", False), ("2022-12-31", False), ("2023-01-01", True)])
    def test_expired(self, permit_1km, two_townships, found, expired):
        r = run([mine("c", box(E0 + 10, N0 + 10, E0 + 20, N0 + 20), found_date=found)], permit_1km, two_townships).loc["c"]
        assert ("PERMIT_EXPIRED" in r["flags"]) is expired

    def test_land_cases_are_not_checked_against_permits(self, permit_1km, two_townships):
        rec = mine("l", box(E0 + 900, N0, E0 + 1040, N0 + 100), kind="land", category=2, permit_no=None)
        r = run([rec], permit_1km, two_townships).loc["l"]
        assert r.permit_no is None and r["flags"] == []


class TestTownships:
    def test_shares_and_crossing(self, permit_1km, two_townships):
        # x from 950 to 1150: 100 m in 西乡 (x<1050), 100 m in 东乡; 200 m tall → 20 000 m² = 30 亩 each... shift to make 西乡 larger
        r = run([mine("c", box(E0 + 900, N0, E0 + 1150, N0 + 200), township="西乡")], permit_1km, two_townships).loc["c"]
        assert r.township == "西乡"
        assert r.townships == [{"name": "西乡", "area_mu": 45.0}, {"name": "东乡", "area_mu": 30.0}]
        assert "CROSSES_TOWNSHIPS" in r["flags"] and "TOWNSHIP_MISMATCH" not in r["flags"]

    def test_mismatch(self, permit_1km, two_townships):
        r = run([mine("c", box(E0 + 1100, N0, E0 + 1200, N0 + 100), township="西乡")], permit_1km, two_townships).loc["c"]
        assert r.township == "东乡" and "TOWNSHIP_MISMATCH" in r["flags"]

    def test_point_on_the_line_belongs_to_one(self, permit_1km, two_townships):
        r = run([mine("p", Point(E0 + 1050, N0 + 50), kind="land", category=1, township="西乡", permit_no=None)],
                permit_1km, two_townships).loc["p"]
        assert len(r.townships) == 1 and "CROSSES_TOWNSHIPS" not in r["flags"]

    def test_outside_county(self, permit_1km, two_townships, county_square):
        recs = [mine("in", box(E0, N0, E0 + 10, N0 + 10)), mine("out", box(E0 + 4990, N0, E0 + 5010, N0 + 10))]
        r = run(recs, permit_1km, two_townships, county_square)
        assert "OUTSIDE_COUNTY" not in r.loc["in"]["flags"]
        assert "OUTSIDE_COUNTY" in r.loc["out"]["flags"]


def test_result_keys_and_order(permit_1km, two_townships):
    recs = [mine(f"c{i}", box(E0 + i * 10, N0, E0 + i * 10 + 5, N0 + 5)) for i in range(3)]
    res = check_cases(frame_of(recs), two_townships, permit_1km, None)
    assert tuple(res.columns) == RESULT_KEYS
    assert list(res.case_id) == ["c0", "c1", "c2"]


def test_empty_input(permit_1km, two_townships):
    empty = frame_of([mine("x", box(E0, N0, E0 + 1, N0 + 1))]).iloc[:0]
    assert len(check_cases(empty, two_townships, permit_1km, None)) == 0


def test_refuses_frames_without_crs(permit_1km, two_townships):
    from geo.errors import CRSError

    f = frame_of([mine("x", box(E0, N0, E0 + 1, N0 + 1))]).set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="坐标系"):
        check_cases(f, two_townships, permit_1km, None)


def test_non_convex_permit_distance_is_sampled(two_townships):
    # A permit in two parts with a 200 m gap; the parcel lies along their top edges.  The farthest point of
    # the parcel from the permit is mid-edge above the gap, (500, 500) → corner (400, 400): hypot(100, 100),
    # while every vertex of the parcel is only 100 m away.
    from geo.checks import check_cases
    from tests.conftest import gk_frame

    two = box(E0, N0, E0 + 400, N0 + 400).union(box(E0 + 600, N0, E0 + 1000, N0 + 400))
    permits = gk_frame([{"permit_no": "M", "mineral": "煤"}], [two])
    parcel = box(E0, N0 + 400, E0 + 1000, N0 + 500)
    r = check_cases(frame_of([mine("c", parcel, permit_no="M")]), two_townships, permits, None).iloc[0]
    assert r.max_outside_distance_m == pytest.approx(141.42, abs=0.5)
    assert r.outside_area_m2 == pytest.approx(100_000, abs=1)


@pytest.mark.parametrize("declared", ["西乡", "东乡"])
def test_even_split_goes_to_the_declared_township(permit_1km, two_townships, declared):
    # x 950..1150 around the line at 1050: 100 m each side, an exact 50/50 split
    rec = mine("c", box(E0 + 950, N0, E0 + 1150, N0 + 100), township=declared)
    r = check_cases(frame_of([rec]), two_townships, permit_1km, None).iloc[0]
    assert r.township == declared
    assert "TOWNSHIP_MISMATCH" not in r["flags"] and "CROSSES_TOWNSHIPS" in r["flags"]


@pytest.mark.parametrize("declared", ["西乡", "东乡"])
def test_point_on_the_line_goes_to_the_declared_township(permit_1km, two_townships, declared):
    rec = mine("p", Point(E0 + 1050, N0 + 50), kind="land", category=1, township=declared, permit_no=None)
    r = check_cases(frame_of([rec]), two_townships, permit_1km, None).iloc[0]
    assert r.township == declared and r["flags"] == []


def test_unlocated_case_is_flagged_and_not_measured(permit_1km, two_townships):
    # a mine known only from the ledger: permit by number still gives WRONG_MINERAL / PERMIT_EXPIRED
    recs = [mine("located", box(E0 + 10, N0 + 10, E0 + 20, N0 + 20)),
            mine("ledger-only", None, mineral="铁矿", found_date="2023-05-01")]
    res = check_cases(frame_of(recs), two_townships, permit_1km, None).set_index("case_id")
    r = res.loc["ledger-only"]
    assert r["flags"] == ["NO_LOCATION", "WRONG_MINERAL", "PERMIT_EXPIRED"]
    assert pd.isna(r.township) and r.townships == [] and r.permit_no == "P1"
    assert r.area_m2 != r.area_m2 and r.max_outside_distance_m != r.max_outside_distance_m  # NaN → JSON null
    assert res.loc["located", "flags"] == []
