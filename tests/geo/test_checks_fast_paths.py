"""The check engine's fast paths give the hand-computed answers, whichever path a case takes.

Shapes are drawn in EPSG:4526 metres (see tests/conftest.py) and fed in lon/lat.  Every test runs twice:
``direct`` (small input: prepared predicates in the calling thread) and ``grid+threads`` (the raster
pre-filter and two worker threads forced on, as for 100k cases).
"""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, box

import geo._engine as engine
import geo.checks as checks
from geo.checks import check_cases
from geo.crs import M2_PER_MU
from tests.conftest import E0, N0, frame_of, gk_frame, mine


@pytest.fixture(params=["direct", "grid+threads"])
def path(request, monkeypatch):
    """Which way the engine goes: the small-input path, or the grid pre-filter with two threads."""
    if request.param == "grid+threads":
        monkeypatch.setattr(checks, "GRID_MIN_CASES", 0)
        monkeypatch.setattr(engine, "MIN_CHUNK", 1)
        monkeypatch.setattr(engine, "WORKERS", 2)
    return request.param


def run_twice(rec: dict, permits, towns, county=None):
    """Check ``rec`` and a copy of it (two cases, so two threads share the work); both rows must agree."""
    copy = {**rec, "case_id": rec["case_id"] + "-copy"}
    res = check_cases(frame_of([rec, copy]), towns, permits, county).set_index("case_id")
    a, b = res.iloc[0], res.iloc[1]
    assert a.drop("townships").equals(b.drop("townships")) and a.townships == b.townships
    return a


@pytest.fixture
def l_permit() -> object:
    """An L-shaped permit "L": the 1 km square at (E0, N0) without its NE quarter; reflex corner at (500, 500)."""
    shape = shapely.difference(box(E0, N0, E0 + 1000, N0 + 1000), box(E0 + 500, N0 + 500, E0 + 1000, N0 + 1000))
    return gk_frame([{"permit_no": "L", "mineral": "煤", "valid_from": "2018-01-01", "valid_to": "2030-12-31"}], [shape])


class TestTownships:
    def test_parcel_wholly_inside_one_township(self, path, permit_1km, two_townships, county_square):
        # 300 × 200 m in 西乡, far from the line at x = 1050: one share, its whole area (60 000 m² = 90 亩)
        r = run_twice(mine("c", box(E0 + 100, N0 + 100, E0 + 400, N0 + 300)), permit_1km, two_townships, county_square)
        assert r.township == "西乡" and r.townships == [{"name": "西乡", "area_mu": 90.0}]
        assert r.area_m2 == pytest.approx(60_000, abs=0.01)
        assert r["flags"] == []

    def test_parcel_crossing_two_townships(self, path, permit_1km, two_townships, county_square):
        # x 900..1150 × 200 m: 150 m (30 000 m² = 45 亩) in 西乡, 100 m (20 000 m² = 30 亩) in 东乡
        rec = mine("c", box(E0 + 900, N0, E0 + 1150, N0 + 200), township="东乡", kind="land", category=2, permit_no=None)
        r = run_twice(rec, permit_1km, two_townships, county_square)
        assert r.township == "西乡"
        assert r.townships == [{"name": "西乡", "area_mu": 45.0}, {"name": "东乡", "area_mu": 30.0}]
        assert r["flags"] == ["TOWNSHIP_MISMATCH", "CROSSES_TOWNSHIPS"]

    def test_parcel_touching_the_line_from_inside_counts_once(self, path, permit_1km, two_townships):
        # its east edge lies on the line x = 1050: not "properly" inside, still one township (no shared area)
        r = run_twice(mine("c", box(E0 + 950, N0, E0 + 1050, N0 + 100)), permit_1km, two_townships)
        assert r.townships == [{"name": "西乡", "area_mu": 15.0}] and "CROSSES_TOWNSHIPS" not in r["flags"]

    def test_parcel_crossing_the_county_line(self, path, permit_1km, two_townships, county_square):
        # the county is the 10 km square: 20 m of this 40 × 10 m parcel lie east of x = 5000
        rec = mine("c", box(E0 + 4980, N0, E0 + 5020, N0 + 10), kind="land", category=2, permit_no=None,
                   township="东乡")
        r = run_twice(rec, permit_1km, two_townships, county_square)
        assert r["flags"] == ["OUTSIDE_COUNTY"]
        assert r.townships == [{"name": "东乡", "area_mu": pytest.approx(200 / M2_PER_MU, abs=1e-4)}]


class TestPermit:
    def test_parcel_inside_its_permit_has_nothing_outside(self, path, permit_1km, two_townships):
        r = run_twice(mine("c", box(E0 + 100, N0 + 100, E0 + 300, N0 + 300)), permit_1km, two_townships)
        assert r.outside_area_m2 == 0 and r.max_outside_distance_m == 0 and r["flags"] == []

    def test_point_inside_its_permit(self, path, permit_1km, two_townships):
        r = run_twice(mine("p", Point(E0 + 500, N0 + 500)), permit_1km, two_townships)
        assert r.outside_area_m2 == 0 and r.max_outside_distance_m == 0 and r["flags"] == []

    def test_parcel_disjoint_from_its_permit_is_all_outside(self, path, permit_1km, two_townships):
        # 100 × 100 m, 200–300 m north of the permit: all 10 000 m² outside, farthest corners 300 m away
        r = run_twice(mine("c", box(E0 + 100, N0 + 1200, E0 + 200, N0 + 1300)), permit_1km, two_townships)
        assert r.outside_area_m2 == pytest.approx(10_000, abs=0.01)
        assert r.max_outside_distance_m == pytest.approx(300.0, abs=0.005)

    def test_l_permit_parcel_across_the_reflex_edge(self, path, l_permit, two_townships):
        # x 700..900, y 300..650 across the inner edge y = 500 (x 500..1000) of the L: 200 × 150 m outside.
        # In the notch the distance to the L is min(x − 500, y − 500); on the outside part its largest
        # value is y − 500 = 150 m (the top edge), to the reflex edge.  A convex-hull shortcut would say 0.
        r = run_twice(mine("c", box(E0 + 700, N0 + 300, E0 + 900, N0 + 650), permit_no="L"), l_permit, two_townships)
        assert r.outside_area_m2 == pytest.approx(30_000, abs=0.01)
        assert r.outside_area_mu == pytest.approx(45.0, abs=1e-4)
        assert r.max_outside_distance_m == pytest.approx(150.0, abs=0.005)
        assert "OUT_OF_BOUNDS" in r["flags"]

    def test_l_permit_parcel_in_the_notch(self, path, l_permit, two_townships):
        # x 600..950, y 550..800, wholly in the notch.  Corner (950, 800): 300 m to the reflex edge y = 500,
        # 450 m to x = 500 and hypot(50, 300) = 304.1 m to the outer edge x = 1000 (y ≤ 500): 300 m.
        r = run_twice(mine("c", box(E0 + 600, N0 + 550, E0 + 950, N0 + 800), permit_no="L"), l_permit, two_townships)
        assert r.outside_area_m2 == pytest.approx(350 * 250, abs=0.01)
        assert r.max_outside_distance_m == pytest.approx(300.0, abs=0.005)

    def test_l_permit_point_in_the_notch(self, path, l_permit, two_townships):
        r = run_twice(mine("p", Point(E0 + 800, N0 + 700), permit_no="L"), l_permit, two_townships)
        assert r.max_outside_distance_m == pytest.approx(200.0, abs=0.005) and r.outside_area_m2 == 0


def test_multipolygon_case(path, permit_1km, two_townships, county_square):
    # part A 100 × 100 m inside the permit and 西乡; part B x 1100..1200 × 200 m east of both, in 东乡
    parts = MultiPolygon([box(E0 + 100, N0 + 100, E0 + 200, N0 + 200), box(E0 + 1100, N0 + 100, E0 + 1200, N0 + 300)])
    r = run_twice(mine("m", parts), permit_1km, two_townships, county_square)
    assert r.area_m2 == pytest.approx(30_000, abs=0.01)
    assert r.outside_area_m2 == pytest.approx(20_000, abs=0.01)
    assert r.max_outside_distance_m == pytest.approx(200.0, abs=0.005)
    assert r.township == "东乡"
    assert r.townships == [{"name": "东乡", "area_mu": 30.0}, {"name": "西乡", "area_mu": 15.0}]
    assert r["flags"] == ["TOWNSHIP_MISMATCH", "CROSSES_TOWNSHIPS", "OUT_OF_BOUNDS"]


def test_paths_agree_on_a_mixed_batch(monkeypatch, permit_1km, l_permit, two_townships, county_square):
    """Sixty cases of every kind (inside, across, disjoint, points, multipart, unlocated): both paths, same table."""
    permits = gk_frame([{"permit_no": "P1", "mineral": "煤", "valid_from": "2018-01-01", "valid_to": "2022-12-31"},
                        {"permit_no": "L", "mineral": "煤", "valid_from": "2018-01-01", "valid_to": "2030-12-31"}],
                       [box(E0, N0, E0 + 1000, N0 + 1000), l_permit.to_crs(4526).geometry.iloc[0].buffer(0)])
    recs = []
    for i in range(60):
        x, y = E0 - 300 + 97 * (i % 15), N0 - 200 + 311 * (i // 15)
        geom = [box(x, y, x + 180, y + 140), Point(x, y),
                MultiPolygon([box(x, y, x + 50, y + 50), box(x + 400, y, x + 450, y + 60)]), None][i % 4]
        recs.append(mine(f"c{i}", geom, permit_no=["P1", "L", ""][i % 3], township=["西乡", "东乡"][i % 2]))
    direct = check_cases(frame_of([dict(r) for r in recs]), two_townships, permits, county_square)
    monkeypatch.setattr(checks, "GRID_MIN_CASES", 0)
    monkeypatch.setattr(engine, "MIN_CHUNK", 1)
    monkeypatch.setattr(engine, "WORKERS", 2)
    fast = check_cases(frame_of([dict(r) for r in recs]), two_townships, permits, county_square)
    assert direct.equals(fast)
