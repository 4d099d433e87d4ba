"""The check engine's array kernels (geo._engine, geo._grid, geo.projection) on hand-computable shapes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

import geo._engine as engine
import geo.projection as projection
from geo._clip import ccw_convex, clipped_area, strictly_inside, vertex_measures
from geo._engine import farthest_vertex_distance, in_chunks, join, segment_table
from geo._grid import InteriorGrid
from geo.projection import project, projected_area
from tests.conftest import E0, N0

SQUARE = box(0, 0, 10, 10)
#: A 10 m square with a 4 m square hole in the middle.
RING = Polygon(SQUARE.exterior.coords, [box(3, 3, 7, 7).exterior.coords])


class TestSegmentTable:
    def test_exterior_holes_and_parts_grouped_by_polygon(self):
        polys = np.array([SQUARE, RING, MultiPolygon([box(0, 0, 1, 1), box(5, 5, 6, 6)]), None, Polygon()])
        segs, start = segment_table(polys)
        assert np.diff(start).tolist() == [4, 8, 8, 0, 0]
        assert segs.shape == (20, 4)
        # box() runs (10, 0) → (10, 10) → (0, 10) → (0, 0) → (10, 0)
        assert segs[:4].tolist() == [[10, 0, 10, 10], [10, 10, 0, 10], [0, 10, 0, 0], [0, 0, 10, 0]]
        assert sorted(map(tuple, segs[8:12, :2].tolist())) == [(3, 3), (3, 7), (7, 3), (7, 7)]  # the hole


class TestFarthestVertexDistance:
    @pytest.mark.parametrize("geom, expected", [
        (Point(13, 14), 5.0),                        # nearest is the corner (10, 10): hypot(3, 4)
        (Point(5, -2), 2.0),                         # nearest is inside the bottom edge
        (box(11, 2, 12, 3), 2.0),                    # farthest vertices x = 12: 2 m from x = 10
        (MultiPolygon([box(11, 2, 12, 3), box(-4, 4, -3, 5)]), 4.0),
        (Point(5, 5), 2.0),                          # in the hole: 2 m to the hole's ring
    ])
    def test_distances(self, geom, expected):
        polys = np.array([RING])
        segs, start = segment_table(polys)
        d = farthest_vertex_distance(np.array([geom]), np.array([0]), segs, start)
        assert d[0] == pytest.approx(expected, abs=1e-12)

    def test_empty_is_zero_and_a_polygon_without_segments_is_nan(self):
        polys = np.array([SQUARE, Polygon()])
        segs, start = segment_table(polys)
        d = farthest_vertex_distance(np.array([Polygon(), None, Point(20, 5)]), np.array([0, 0, 1]), segs, start)
        assert d[0] == 0 and d[1] == 0 and np.isnan(d[2])

    def test_zero_length_segment_is_its_point(self):
        dup = Polygon([(0, 0), (10, 0), (10, 0), (10, 10), (0, 10)])  # a repeated vertex
        segs, start = segment_table(np.array([dup]))
        d = farthest_vertex_distance(np.array([Point(13, -4)]), np.array([0]), segs, start)
        assert d[0] == pytest.approx(5.0, abs=1e-12)

    def test_small_blocks_give_the_same_answer(self, monkeypatch):
        rng = np.random.default_rng(0)
        pts = shapely.points(rng.uniform(-20, 30, (500, 2)))
        polys = np.array([RING, box(0, 0, 3, 40)])
        which = rng.integers(0, 2, 500)
        segs, start = segment_table(polys)
        whole = farthest_vertex_distance(pts, which, segs, start)
        monkeypatch.setattr(engine, "PAIRS_PER_BLOCK", 7)
        assert np.array_equal(whole, farthest_vertex_distance(pts, which, segs, start))
        outside = ~shapely.contains(polys[which], pts)
        assert np.allclose(whole[outside], shapely.distance(pts, polys[which])[outside], atol=1e-9)


class TestConvexClip:
    def test_orientation_and_convexity(self):
        l_shape = shapely.difference(SQUARE, box(5, 5, 10, 10))
        collinear = Polygon([(0, 0), (5, 0), (10, 0), (10, 0), (10, 10), (0, 10)])
        polys = np.array([shapely.reverse(SQUARE), l_shape, RING, MultiPolygon([SQUARE]), collinear, None, Polygon()])
        oriented, convex = ccw_convex(polys)
        assert convex.tolist() == [True, False, False, False, True, False, False]
        assert shapely.is_ccw(shapely.get_exterior_ring(oriented[0])) and oriented[0].equals(SQUARE)

    @pytest.fixture
    def square_table(self):
        oriented, _ = ccw_convex(np.array([SQUARE, shapely.reverse(box(0, 0, 4, 4))]))
        return segment_table(oriented)

    def test_vertex_distances_and_edges_crossed(self, square_table):
        segs, start = square_table
        xy = np.array([[13.0, 14.0], [5.0, 5.0], [10.0, 5.0], [5.0, -2.0]])
        dist, strict, vertex, seg = vertex_measures(xy, np.array([0, 0, 0, 0]), segs, start)
        assert dist.tolist() == pytest.approx([5.0, 0.0, 0.0, 2.0], abs=1e-12)
        assert strict.tolist() == [False, True, False, False]  # (10, 5) lies on the boundary
        assert strictly_inside(xy, np.zeros(4, int), segs, start).tolist() == [False, True, False, False]
        assert sorted(set(vertex.tolist())) == [0, 3]  # (13, 14) lies beyond two edges, (5, -2) beyond one
        assert np.bincount(vertex, minlength=4).tolist() == [2, 0, 0, 1]

    @pytest.mark.parametrize("case, inside", [
        (box(5, 5, 15, 15), 25.0),                                         # a corner
        (box(-5, -5, 15, 15), 100.0),                                      # the whole permit
        (box(20, 20, 30, 30), 0.0),                                        # disjoint
        (Polygon(box(-1, -1, 11, 11).exterior.coords, [box(2, 2, 8, 8).exterior.coords]), 64.0),  # a frame
        (MultiPolygon([box(-2, 4, 2, 6), box(8, 4, 12, 6)]), 8.0),         # two parts, half in each
        (Polygon([(-5, 5), (5, -5), (15, 5), (5, 15)]), 100.0),           # a diamond around it: each corner beyond an edge
    ])
    def test_area_inside(self, square_table, case, inside):
        segs, start = square_table
        xy, owner = shapely.get_coordinates(np.array([case]), return_index=True)
        _, _, vertex, seg = vertex_measures(xy, np.zeros(len(xy), int), segs, start)
        got = clipped_area(np.array([case]), np.array([0]), segs, start, (owner[vertex], seg))
        assert got[0] == pytest.approx(inside, abs=1e-9)

    def test_random_parcels_agree_with_geos(self):
        rng = np.random.default_rng(7)
        hulls = shapely.convex_hull(shapely.multipoints(rng.uniform(0, 100, (40, 9, 2))))
        oriented, convex = ccw_convex(hulls)
        assert convex.all()
        segs, start = segment_table(oriented)
        which = rng.integers(0, 40, 300)
        centre = rng.uniform(0, 100, (300, 2))
        cases = shapely.buffer(shapely.points(centre), rng.uniform(5, 40, 300), quad_segs=3)
        cases = shapely.difference(cases, shapely.buffer(shapely.points(centre + 3), 2))  # with holes
        xy, owner = shapely.get_coordinates(cases, return_index=True)
        dist, _, vertex, seg = vertex_measures(xy, which[owner], segs, start)
        got = clipped_area(cases, which, segs, start, (owner[vertex], seg))
        want = shapely.area(shapely.intersection(cases, hulls[which]))
        assert np.allclose(got, want, rtol=1e-9, atol=1e-9)
        assert np.allclose(dist, shapely.distance(shapely.points(xy), hulls[which][owner]), atol=1e-9)


class TestInChunks:
    def test_chunks_cover_the_range_in_order_with_own_copies(self):
        layer = np.array([SQUARE])
        seen = []

        def work(lo, hi, own):
            seen.append(own[0])
            assert shapely.is_prepared(own[0]) and own[0] is not layer[0] and own[0].equals_exact(SQUARE, 0)
            return np.arange(lo, hi)

        out = join(in_chunks(work, 10, [layer], workers=3, min_chunk=1))
        assert out.tolist() == list(range(10))
        assert len({id(g) for g in seen}) == 3

    def test_many_chunks_come_back_in_order(self):
        parts = in_chunks(lambda lo, hi: np.arange(lo, hi), 10, workers=2, min_chunk=1, max_chunk=3)
        assert len(parts) == 4 and join(parts).tolist() == list(range(10))

    def test_small_input_runs_in_one_chunk(self):
        assert len(in_chunks(lambda lo, hi: np.arange(lo, hi), 10, workers=2, min_chunk=100)) == 1


class TestInteriorGrid:
    @pytest.fixture
    def grid(self):
        return InteriorGrid(np.array([box(0, 0, 10, 10), box(10, 0, 20, 10)]), cells=20)

    @pytest.mark.parametrize("bounds, expected", [
        ((2, 2, 3, 3), 0),
        ((12, 2, 13, 3), 1),
        ((2, 2, 8, 8), 0),             # many cells, all inside
        ((9.5, 2, 10.5, 3), -1),       # across the shared line
        ((9, 2, 10, 3), -1),           # touching it from inside: not contains_properly
        ((25, 2, 26, 3), -1),          # outside the layer
        ((2, -1, 3, 1), -1),           # across the outer edge
    ])
    def test_boxes(self, grid, bounds, expected):
        assert grid.polygon_of(np.array([bounds])).tolist() == [expected]

    def test_missing_bounds(self, grid):
        assert grid.polygon_of(shapely.bounds(np.array([None, Polygon()]))).tolist() == [-1, -1]

    def test_overlap_belongs_to_no_one(self):
        grid = InteriorGrid(np.array([box(0, 0, 10, 10), box(5, 0, 15, 10)]), cells=30)
        assert grid.polygon_of(np.array([(6, 4, 7, 5), (1, 4, 2, 5), (12, 4, 13, 5)])).tolist() == [-1, 0, 1]

    def test_labels_are_never_wrong(self):
        """Random boxes against wavy township-like polygons: a label always means contains_properly, no other meets."""
        rng = np.random.default_rng(3)
        seeds = shapely.multipoints(rng.uniform(0, 1000, (6, 2)))
        cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box(0, 0, 1000, 1000)))
        cells = shapely.intersection(cells, box(0, 0, 1000, 1000))
        grid = InteriorGrid(cells, cells=100)
        lo = rng.uniform(-50, 1000, (5000, 2))
        boxes = shapely.box(lo[:, 0], lo[:, 1], lo[:, 0] + rng.uniform(0.1, 40, 5000), lo[:, 1] + rng.uniform(0.1, 40, 5000))
        label = grid.polygon_of(shapely.bounds(boxes))
        hit = np.flatnonzero(label >= 0)
        assert len(hit) > 3000
        assert shapely.contains_properly(cells[label[hit]], boxes[hit]).all()
        meets = shapely.intersects(cells[None, :], boxes[hit, None]).sum(axis=1)
        assert (meets == 1).all()


class TestProjection:
    @pytest.fixture
    def lonlat(self):
        rng = np.random.default_rng(1)
        xy = np.column_stack([E0 + rng.uniform(0, 20_000, 300), N0 + rng.uniform(0, 20_000, 300)])
        geoms = [box(x, y, x + 50, y + 30) for x, y in xy[:200]] + list(shapely.points(xy[200:]))
        return gpd.GeoSeries(geoms + [None, Polygon()], crs=4526).to_crs(4490)

    def test_threads_give_the_numbers_of_to_crs(self, lonlat, monkeypatch):
        monkeypatch.setattr(projection, "MIN_COORDS", 10)
        monkeypatch.setattr(engine, "WORKERS", 2)
        want = lonlat.to_crs(4526)
        got = project(np.asarray(lonlat.values), lonlat.crs, want.crs)
        assert all(shapely.equals_exact(got[:-2], np.asarray(want.values)[:-2], tolerance=0))
        assert got[-2] is None and got[-1].is_empty
        assert np.array_equal(projected_area(np.asarray(lonlat.values), lonlat.crs, want.crs), want.area.to_numpy(),
                              equal_nan=True)

    def test_same_crs_is_a_copy_of_the_array(self, lonlat):
        got = project(np.asarray(lonlat.values), lonlat.crs, lonlat.crs)
        assert got is not lonlat.values and all(a is b for a, b in zip(got, lonlat.values))
