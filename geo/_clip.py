"""Parcels against convex permits in numpy: the area inside (Sutherland–Hodgman) and the vertices outside.

Against a convex polygon the part of a parcel outside needs no overlay: a vertex is inside when it lies
left of (or on) every edge of the counter-clockwise ring; the parcel is wholly, properly inside when every
vertex is strictly inside (the polygon's interior is convex); clipping each ring of the parcel by the
polygon's edges one half-plane at a time gives the area inside (holes subtracted), so the area outside is
the parcel's area minus that; and the farthest point outside is a vertex outside (distance to a convex set
is convex), whose distance is that to the nearest boundary segment.  All coordinates are first moved to
an origin at the permit, so products of Gauss-Krüger coordinates (≈ 4·10⁶ m) lose no digits.
"""

from __future__ import annotations

import numpy as np
import shapely

#: A turn counts as convex when its cross product is at least this fraction below zero (collinear points).
TURN_REL = 1e-12


def ccw_convex(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polygons oriented counter-clockwise, and which are single convex rings (no holes, no parts, no reflex turn)."""
    polygons = np.asarray(polygons, dtype=object)
    ok = (shapely.get_type_id(polygons) == 3) & ~shapely.is_empty(polygons)
    ok[ok] = shapely.get_num_interior_rings(polygons[ok]) == 0
    out = polygons.copy()
    if not ok.any():
        return out, ok
    ring = shapely.get_exterior_ring(polygons[ok])
    cw = ~shapely.is_ccw(ring)
    flipped = np.flatnonzero(ok)[cw]
    out[flipped] = shapely.reverse(polygons[flipped])
    xy, owner = shapely.get_coordinates(shapely.get_exterior_ring(out[ok]), return_index=True)
    same = owner[1:] == owner[:-1]
    e = (xy[1:] - xy[:-1])[same]  # edges, ring by ring
    eo = owner[:-1][same]
    # each edge with the next one of its ring (cyclic)
    first = np.r_[0, np.flatnonzero(eo[1:] != eo[:-1]) + 1]
    nxt = np.arange(len(e)) + 1
    last = np.r_[first[1:], len(e)] - 1
    nxt[last] = first
    cross = e[:, 0] * e[nxt, 1] - e[:, 1] * e[nxt, 0]
    scale = np.hypot(e[:, 0], e[:, 1]) * np.hypot(e[nxt, 0], e[nxt, 1])
    reflex = np.bincount(eo, weights=cross < -TURN_REL * scale, minlength=ok.sum()) > 0
    convex = ok.copy()
    convex[ok] = ~reflex
    return out, convex


#: Point-segment pairs handled at once (bounds the temporary arrays).
BLOCK = 1 << 20


def _blocks(which: np.ndarray, start: np.ndarray):
    """Points grouped by their polygon's number of segments ``c``: yields (point indices, (points × c) segment rows)."""
    if not len(which):
        return
    first, count = start[which], start[which + 1] - start[which]
    order = np.argsort(count, kind="stable")
    cuts = np.flatnonzero(np.r_[True, count[order][1:] != count[order][:-1], True])
    for a, b in zip(cuts[:-1], cuts[1:]):
        c = int(count[order[a]])
        step = max(1, BLOCK // max(c, 1))
        for lo in range(a, b, step) if c else ():
            v = order[lo:min(b, lo + step)]
            yield v, first[v, None] + np.arange(c)


def strictly_inside(xy: np.ndarray, which: np.ndarray, segs: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Points ``xy`` strictly left of every (non-degenerate) edge of their CCW convex polygon ``which``: interior points."""
    x0, y0 = segs[:, 0], segs[:, 1]
    dx, dy = segs[:, 2] - x0, segs[:, 3] - y0
    flat = (dx == 0) & (dy == 0)  # a repeated vertex: no edge
    res = np.zeros(len(xy), bool)
    for v, k in _blocks(which, start):
        res[v] = ((dx[k] * (xy[v, 1:] - y0[k]) > dy[k] * (xy[v, :1] - x0[k])) | flat[k]).all(axis=1)
    return res


def vertex_measures(xy: np.ndarray, which: np.ndarray, segs: np.ndarray,
                    start: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points ``xy`` against CCW convex polygons ``which`` (segments ``segs[start[i]:start[i + 1]]``).

    Returns each point's distance to its polygon (0 inside or on the boundary), whether it is an interior
    point, and the pairs (point, segment row) where it lies strictly right of the segment's line, i.e.
    outside that edge's half-plane.
    """
    x0, y0 = segs[:, 0], segs[:, 1]
    dx, dy = segs[:, 2] - x0, segs[:, 3] - y0
    len2 = dx * dx + dy * dy
    inv = np.divide(1.0, len2, out=np.zeros_like(len2), where=len2 > 0)  # a zero-length segment: its start
    dist = np.zeros(len(xy))
    strict = np.zeros(len(xy), bool)
    pv, ps = [], []
    for v, k in _blocks(which, start):
        ex, ey = dx[k], dy[k]
        px, py = xy[v, :1] - x0[k], xy[v, 1:] - y0[k]
        left, right = ex * py, ey * px
        out = left < right  # right of the edge: outside its half-plane
        strict[v] = ((left > right) | (len2[k] == 0)).all(axis=1)
        far = np.flatnonzero(out.any(axis=1))  # inside or on the boundary: distance 0
        ex, ey, px, py = ex[far], ey[far], px[far], py[far]
        t = np.clip((px * ex + py * ey) * inv[k[far]], 0.0, 1.0)
        px -= t * ex
        py -= t * ey
        dist[v[far]] = np.sqrt((px * px + py * py).min(axis=1))
        rows, cols = np.nonzero(out)
        pv.append(v[rows])
        ps.append(k[rows, cols])
    empty = np.zeros(0, int)
    return dist, strict, np.concatenate(pv or [empty]), np.concatenate(ps or [empty])


def clipped_area(polys: np.ndarray, which: np.ndarray, segs: np.ndarray, start: np.ndarray,
                 cuts: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Area of each polygon of ``polys`` (Polygon or MultiPolygon) inside its CCW convex polygon ``which``.

    ``cuts`` (polygon index, segment row) names the edges to clip by: those some vertex of the polygon lies
    outside of (by any other edge a clip changes nothing, since the new vertices lie between old ones).
    Rings are clipped one edge per round and leave the rounds as soon as they are done.
    """
    if not len(polys):
        return np.zeros(0)
    kind, xy, offsets = shapely.to_ragged_array(polys)  # Polygons, or MultiPolygons when mixed
    ring_at, part_at = offsets[0], offsets[1]
    case_at = offsets[2] if kind == shapely.GeometryType.MULTIPOLYGON else np.arange(len(polys) + 1)
    n_rings = len(ring_at) - 1
    ring_part = np.repeat(np.arange(len(part_at) - 1), np.diff(part_at))
    ring_case = np.repeat(np.arange(len(polys)), np.diff(case_at))[ring_part]
    sign = np.where(np.arange(n_rings) == part_at[:-1][ring_part], 1.0, -1.0)  # a part's first ring; holes negative
    r = np.repeat(np.arange(n_rings), np.diff(ring_at))
    keep = np.ones(len(r), bool)
    keep[ring_at[1:][np.diff(ring_at) > 0] - 1] = False  # drop each ring's closing vertex
    xy, r = xy[keep], r[keep]
    origin = segs[start[which], :2][ring_case]  # per ring: the permit's first vertex
    v = xy - origin[r]
    case, seg = cuts
    o = np.lexsort((seg, case))
    case, seg = case[o], seg[o]
    first = np.r_[True, (case[1:] != case[:-1]) | (seg[1:] != seg[:-1])]
    case, seg = case[first], seg[first]
    rank = np.arange(len(case)) - np.searchsorted(case, case)  # 0 for a polygon's first edge, 1 for its second…
    rounds = np.bincount(case, minlength=len(polys))[ring_case]  # per ring
    area = np.zeros(n_rings)
    for m in range(int(rounds.max(initial=0)) + 1):
        done = rounds[r] == m
        area += _ring_areas(v[done], r[done], n_rings)
        v, r = v[~done], r[~done]
        if not len(v):
            break
        edge = np.full(len(polys), -1)
        edge[case[rank == m]] = seg[rank == m]
        row = segs[edge[ring_case[r]]]
        v, r = _clip_half_plane(v, r, row[:, :2] - origin[r], row[:, 2:] - row[:, :2])
    return np.bincount(ring_case, weights=sign * area, minlength=len(polys))


def _ring_areas(v: np.ndarray, r: np.ndarray, n: int) -> np.ndarray:
    """Unsigned area of each ring (vertices ``v`` in runs of ring id ``r``, not closed); 0 for rings absent."""
    nxt = _next_in_ring(r)
    return np.abs(np.bincount(r, weights=v[:, 0] * v[nxt, 1] - v[nxt, 0] * v[:, 1], minlength=n)) / 2


def _next_in_ring(r: np.ndarray) -> np.ndarray:
    """Index of the next vertex of the same ring (the first after the last); each ring's vertices are one run of ``r``."""
    nxt = np.arange(1, len(r) + 1)
    if not len(r):
        return nxt
    ends = np.flatnonzero(np.r_[r[1:] != r[:-1], True])
    starts = np.r_[0, ends[:-1] + 1]
    nxt[ends] = starts
    return nxt


def _clip_half_plane(v: np.ndarray, r: np.ndarray, a: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One Sutherland–Hodgman step: rings (vertices ``v``, ring ids ``r``) cut to the left of the line through
    ``a`` along ``d`` (both given per vertex, the same along a ring)."""
    side = d[:, 0] * (v[:, 1] - a[:, 1]) - d[:, 1] * (v[:, 0] - a[:, 0])
    nxt = _next_in_ring(r)
    s0, s1 = side, side[nxt]
    in0, in1 = s0 >= 0, s1 >= 0
    count = np.where(in0, 1, np.where(in1, 2, 0))  # in→in: next; in→out: crossing; out→in: crossing, next
    edge = np.repeat(np.arange(len(v)), count)
    slot = np.arange(len(edge)) - np.repeat(np.cumsum(count) - count, count)
    crossing = (in0 != in1)[edge] & ((slot == 0) | in0[edge])
    denom = s0 - s1
    t = np.divide(s0, denom, out=np.zeros_like(s0), where=denom != 0)
    p0, p1 = v[edge], v[nxt[edge]]
    return np.where(crossing[:, None], p0 + t[edge, None] * (p1 - p0), p1), r[edge]
