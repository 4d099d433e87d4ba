"""The part of a parcel outside its permit: built (:func:`outside_of`) and measured (:func:`measure_outside`).

Measured in the area CRS: its area and its largest distance from the permit, for many cases at once.  Against a
convex permit nothing is built (``geo._clip``); against any other the part outside is built by GEOS, and only
for cases neither properly inside nor disjoint.
"""

from __future__ import annotations

import numpy as np
import shapely

from geo._clip import ccw_convex, clipped_area, strictly_inside, vertex_measures
from geo._engine import farthest_vertex_distance, in_chunks, join, segment_table

#: Spacing (m) at which the outside part's boundary is sampled against a non-convex permit.
DISTANCE_SAMPLE_M = 1.0


def outside_of(subjects: np.ndarray, permits: np.ndarray) -> np.ndarray:
    """The part of each subject outside its permit, element-wise: the one "part outside the permit".

    Both arrays hold geometries in the same CRS (the area CRS when the result is measured).  A point
    inside its permit gives an empty geometry, a point outside stays the point.
    """
    return shapely.difference(subjects, permits)


def measure_outside(cg: np.ndarray, is_point: np.ndarray, pidx: np.ndarray, pgeoms: np.ndarray,
                     case_area: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Area (m², 0 for a point) and largest distance (m) of the part of each case ``cg`` outside permit ``pidx``.

    Against a convex permit (one ring without a reflex turn) the part outside is measured in numpy without
    being built (``geo._clip``: the case's area minus the area clipped to the permit; its vertices outside).
    Against any other permit it is :func:`outside_of`'s, found cheaply where possible: nothing for a case the
    prepared permit ``contains_properly``, the whole case for one disjoint from it; only the others are cut.
    The distance is that of :func:`_max_distance`.  ``case_area`` is each case's own area; the cases are
    split over threads (``geo._engine``).
    """
    used, pidx = np.unique(pidx, return_inverse=True)  # only the permits named: a one-case check stays cheap
    pgeoms = pgeoms[used]
    usable = ~(shapely.is_missing(pgeoms) | shapely.is_empty(pgeoms))
    oriented, clip_ok = ccw_convex(pgeoms)
    segs, start = segment_table(oriented)
    convex = _is_convex(pgeoms)
    by_clip = clip_ok & convex
    kind = shapely.get_type_id(cg)

    def measure(lo, hi, own):
        g, j = cg[lo:hi], pidx[lo:hi]
        area, dist = np.zeros(hi - lo), np.zeros(hi - lo)
        fast = by_clip[j] & np.isin(kind[lo:hi], (0, 3, 6))  # points and polygons against convex permits
        f = np.flatnonzero(fast)
        # a box whose corners are interior points of a convex permit lies inside it: so does the case in it
        corners = shapely.bounds(g[f])[:, [0, 1, 2, 1, 2, 3, 0, 3]].reshape(-1, 2)
        f = f[~strictly_inside(corners, np.repeat(j[f], 4), segs, start).reshape(-1, 4).all(axis=1)]
        area[f], dist[f] = _measure_convex(g[f], j[f], is_point[lo:hi][f], case_area[lo:hi][f], segs, start)
        o = np.flatnonzero(~fast)
        o = o[~shapely.contains_properly(own[j[o]], g[o])]  # else nothing outside
        g, j, perm = g[o], j[o], own[j[o]]
        outside = g.copy()
        cut = shapely.intersects(perm, g) | ~usable[j]  # else disjoint: the whole case is outside
        outside[cut] = outside_of(g[cut], perm[cut])
        area[o] = np.where(is_point[lo:hi][o], 0.0, shapely.area(outside))
        dist[o] = _max_distance(outside, j, convex, segs, start)
        return area, dist

    return join(in_chunks(measure, len(cg), [pgeoms]))


def _measure_convex(g: np.ndarray, j: np.ndarray, point: np.ndarray, case_area: np.ndarray, segs: np.ndarray,
                    start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Area outside and largest distance outside for points and polygons ``g`` against convex CCW permits ``j``."""
    area, dist = np.zeros(len(g)), np.zeros(len(g))
    xy, owner = shapely.get_coordinates(g, return_index=True)
    if not len(xy):
        return area, dist
    d, strict, out_vertex, out_seg = vertex_measures(xy, j[owner], segs, start)
    cut = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    dist[owner[cut]] = np.maximum.reduceat(d, cut)
    properly_inside = np.bincount(owner, weights=~strict, minlength=len(g)) == 0  # every vertex an interior point
    poly = np.flatnonzero(~point & ~properly_inside)
    pos = np.full(len(g), -1)
    pos[poly] = np.arange(len(poly))
    pc = pos[owner[out_vertex]]
    inside = clipped_area(g[poly], j[poly], segs, start, (pc[pc >= 0], out_seg[pc >= 0]))
    area[poly] = np.maximum(case_area[poly] - inside, 0.0)
    return area, dist


def _is_convex(polygons: np.ndarray) -> np.ndarray:
    """Polygons without holes equal to their convex hull (to 1e-6 of their area)."""
    return (shapely.get_num_interior_rings(polygons) == 0) & (
        shapely.area(shapely.convex_hull(polygons)) - shapely.area(polygons) <= 1e-6 * shapely.area(polygons)
    )


def _max_distance(outside: np.ndarray, pidx: np.ndarray, convex: np.ndarray, segs: np.ndarray,
                  start: np.ndarray) -> np.ndarray:
    """Largest distance (m) from any part of ``outside`` to permit ``pidx`` (``segs``/``start``: its segments).

    The distance to a convex permit is a convex function, so its maximum over the outside part is
    reached at a vertex: those are measured exactly.  Against a non-convex permit (or one with
    holes) the outside part's boundary is first densified to ``DISTANCE_SAMPLE_M``, which bounds the
    error by half that spacing (distance is 1-Lipschitz).  Each vertex lies outside the permit or on
    its boundary, so its distance to the permit is the one to the nearest boundary segment, measured in
    numpy (any polygon shape).  0 where nothing is outside.
    """
    geoms = outside
    rough = ~convex[pidx] & ~(shapely.is_missing(outside) | shapely.is_empty(outside))
    if rough.any():
        geoms = outside.copy()
        geoms[rough] = shapely.segmentize(outside[rough], DISTANCE_SAMPLE_M)
    return farthest_vertex_distance(geoms, pidx, segs, start)
