"""Array kernels of the check engine: work split over threads, fast paths by prepared predicates, distances in numpy.

shapely 2 releases the GIL in its array functions, so chunks of one array run in parallel threads.  GEOS
prepared geometries are not thread-safe (their indexes are built lazily and hold state while in use,
libgeos/geos#825), so every worker gets its own prepared copy of a shared layer; the cases are split
between workers and never shared.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

#: Worker threads for the geometry work (the machine's cores, at most 8).
WORKERS = max(1, min(8, os.cpu_count() or 1))
#: Below this many items per worker the work runs in the calling thread (threads would cost more than they save).
MIN_CHUNK = 2_000
#: At most this many items per chunk: each step's temporary arrays stay small (and in cache) for 1M cases.
MAX_CHUNK = 50_000
#: Point-segment pairs measured at once in :func:`farthest_vertex_distance` (bounds its memory: ~10 arrays of this).
PAIRS_PER_BLOCK = 1 << 21


def own_copy(geoms: np.ndarray) -> np.ndarray:
    """New GEOS geometries equal to ``geoms`` (bit for bit, via WKB), prepared: one worker's private copy."""
    copy = shapely.from_wkb(shapely.to_wkb(geoms))
    shapely.prepare(copy)
    return copy


def in_chunks(work: Callable[..., object], n: int, layers: Sequence[np.ndarray] = (), *,
              workers: int | None = None, min_chunk: int | None = None, max_chunk: int | None = None) -> list:
    """Run ``work(lo, hi, *layers)`` over ``[0, n)`` in contiguous chunks on worker threads; results in order.

    Each worker receives its own prepared copy of every array in ``layers`` (see :func:`own_copy`), so
    prepared predicates never share GEOS state between threads; a worker takes every k-th chunk.  Chunks
    hold at most ``max_chunk`` items (bounding the memory of each step) and, below ``min_chunk`` items per
    worker, the work runs in the calling thread.
    """
    workers = WORKERS if workers is None else workers
    min_chunk = MIN_CHUNK if min_chunk is None else min_chunk
    max_chunk = MAX_CHUNK if max_chunk is None else max_chunk
    k = int(max(1, min(workers, n // max(min_chunk, 1))))
    chunks = max(k, -(-n // max(max_chunk, 1)))
    bounds = np.linspace(0, n, chunks + 1).astype(int)
    if k == 1:
        own = [own_copy(a) for a in layers]
        return [work(bounds[i], bounds[i + 1], *own) for i in range(chunks)]

    def worker(w: int) -> list:
        own = [own_copy(a) for a in layers]
        return [work(bounds[i], bounds[i + 1], *own) for i in range(w, chunks, k)]

    with ThreadPoolExecutor(k) as pool:
        done = list(pool.map(worker, range(k)))
    return [done[i % k][i // k] for i in range(chunks)]


def join(parts: list) -> tuple[np.ndarray, ...] | np.ndarray:
    """Concatenate the per-chunk results of :func:`in_chunks` (arrays, or tuples of arrays)."""
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(p) for p in zip(*parts))
    return np.concatenate(parts)


def segment_table(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every boundary segment (exterior and holes, all parts) of each polygon, grouped by polygon.

    Returns ``(segs, start)``: ``segs`` is an (m, 4) array of x0, y0, x1, y1; the segments of polygon
    ``i`` are rows ``start[i]:start[i + 1]`` (none for a missing or empty polygon).
    """
    parts, part_of = shapely.get_parts(polygons, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, vertex_of = shapely.get_coordinates(rings, return_index=True)
    same_ring = vertex_of[1:] == vertex_of[:-1]
    segs = np.hstack([xy[:-1], xy[1:]])[same_ring]
    owner = part_of[ring_of[vertex_of[:-1][same_ring]]]
    start = np.zeros(len(polygons) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=len(polygons)), out=start[1:])
    return segs, start


def farthest_vertex_distance(geoms: np.ndarray, polygon_of: np.ndarray, segs: np.ndarray,
                             start: np.ndarray) -> np.ndarray:
    """Largest distance (m) from a vertex of ``geoms[i]`` to the boundary of polygon ``polygon_of[i]``.

    Point-to-segment distances in numpy against the polygon's segments from :func:`segment_table` (any
    polygon: convex or not, with holes, multipart), the nearest taken per vertex and the farthest vertex
    per geometry.  For a vertex outside the polygon, or on its boundary, this is its distance to the
    polygon.  0 for an empty geometry; NaN where the polygon has no segments (missing or empty).
    """
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    res = np.zeros(len(geoms))
    if not len(xy):
        return res
    q = polygon_of[owner]
    first, count = start[q], start[q + 1] - start[q]
    x0, y0 = segs[:, 0], segs[:, 1]
    dx, dy = segs[:, 2] - x0, segs[:, 3] - y0
    len2 = dx * dx + dy * dy
    inv = np.divide(1.0, len2, out=np.zeros_like(len2), where=len2 > 0)  # a zero-length segment: its start
    cols = (x0, y0, dx, dy, inv)
    nearest = np.full(len(xy), np.nan)
    # vertices grouped by their polygon's number of segments: one (vertices × segments) block per group
    order = np.argsort(count, kind="stable")
    cuts = np.flatnonzero(np.r_[True, count[order][1:] != count[order][:-1], True])
    for a, b in zip(cuts[:-1], cuts[1:]):
        c = int(count[order[a]])
        if c == 0:
            continue
        step = max(1, PAIRS_PER_BLOCK // c)
        for lo in range(a, b, step):
            v = order[lo:min(b, lo + step)]
            nearest[v] = _nearest_segment(xy[v], first[v], c, cols)
    # owner is sorted (get_coordinates keeps the input order): the farthest vertex of each geometry
    cut = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    res[owner[cut]] = np.fmax.reduceat(nearest, cut)
    res[owner[cut][np.add.reduceat(np.isnan(nearest), cut) > 0]] = np.nan
    return res


def _nearest_segment(xy: np.ndarray, first: np.ndarray, c: int, cols: tuple[np.ndarray, ...]) -> np.ndarray:
    """Distance from each point to the nearest of its ``c`` segments, rows ``first:first + c`` of ``cols``."""
    k = first[:, None] + np.arange(c)
    x0, y0, dx, dy, inv = (col[k] for col in cols)
    px = xy[:, :1] - x0
    py = xy[:, 1:] - y0
    t = (px * dx + py * dy) * inv
    np.clip(t, 0.0, 1.0, out=t)
    px -= t * dx
    py -= t * dy
    px *= px
    py *= py
    px += py
    return np.sqrt(px.min(axis=1))
