"""Overlay arithmetic of the triage and the referral check: how much of each subject a layer covers.

Every step works on arrays (one STRtree bulk query per layer, array intersections); the only grouping
is the union of the pieces of subjects that several features of one layer touch, so that features
overlapping each other are not counted twice.  Geometries must already be in the area CRS.
"""

from __future__ import annotations

import numpy as np
import shapely

#: Pieces smaller than this (m²) are slivers of imprecise boundaries, not a real overlap (as in geo.checks).
SLIVER_M2 = 1.0


def pair_pieces(subjects: np.ndarray, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(subject index, feature index, piece) for every subject/feature pair overlapping by more than a sliver.

    ``intersects`` is the STRtree predicate; pieces are ``shapely.intersection`` of the pair.
    """
    if not len(subjects) or not len(features):
        empty = np.array([], dtype=np.intp)
        return empty, empty, np.array([], dtype=object)
    si, fi = shapely.STRtree(features).query(subjects, predicate="intersects")
    pieces = shapely.intersection(subjects[si], features[fi])
    keep = shapely.area(pieces) > SLIVER_M2
    return si[keep], fi[keep], pieces[keep]


def union_by_subject(n: int, si: np.ndarray, pieces: np.ndarray) -> np.ndarray:
    """The union of the pieces of each of ``n`` subjects (None where a subject has none)."""
    out = np.full(n, None, dtype=object)
    if not len(si):
        return out
    order = np.argsort(si, kind="stable")
    si, pieces = si[order], pieces[order]
    counts = np.bincount(si, minlength=n)
    single = counts[si] == 1
    out[si[single]] = pieces[single]
    multi = ~single
    if multi.any():
        groups, starts = np.unique(si[multi], return_index=True)
        parts = np.split(pieces[multi], starts[1:])
        out[groups] = [shapely.union_all(p) for p in parts]  # one C call per subject touched several times
    return out


def covered_area(subjects: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Area (m²) of each subject inside the union of ``features``."""
    si, _, pieces = pair_pieces(subjects, features)
    merged = union_by_subject(len(subjects), si, pieces)
    has = merged != None  # noqa: E711 - element-wise on an object array
    area = np.zeros(len(subjects))
    area[has] = shapely.area(merged[has].astype(object))
    return area


def area_outside(subjects: np.ndarray, covers: np.ndarray) -> np.ndarray:
    """Each subject minus its cover (None: the whole subject), element-wise."""
    out = subjects.copy()
    has = covers != None  # noqa: E711
    if has.any():
        out[has] = shapely.difference(subjects[has], covers[has].astype(object))
    return out
