"""The spatial check engine: townships, county and permit checks for all cases at once.

Every step works on arrays of geometries (shapely 2 STRtree bulk queries and array set operations);
there is no Python loop over geometry operations.  All areas and distances are computed in the
area CRS: the county's CGCS2000 3-degree Gauss-Krüger zone, by default 代县's zone 38 (EPSG:4526).

Speed without approximation: a case wholly inside one township or the county (a raster pre-filter,
``geo._grid``, for many cases; else a prepared ``contains_properly``) needs no intersection or difference:
its share is its own area.  The part outside a permit is measured by :mod:`geo.outside` (in numpy against a
convex permit, by GEOS only where a case crosses any other).  The geometry work runs in threads
(``geo._engine``).  Results are those of the plain overlay: the same predicates, areas equal to about 1e-9
of their size (floating-point rounding), distances to the same vertices.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo._engine import in_chunks, join
from geo._grid import InteriorGrid
from geo.crs import AREA_CRS, M2_PER_MU, STORAGE_CRS, require_crs
from geo.outside import measure_outside, outside_of
from geo.projection import project

#: Flag codes, with their Chinese labels.
FLAGS: dict[str, str] = {
    "TOWNSHIP_MISMATCH": "乡镇不符",
    "CROSSES_TOWNSHIPS": "跨乡镇",
    "OUTSIDE_COUNTY": "超出县界",
    "OUT_OF_BOUNDS": "越界开采",
    "NO_PERMIT": "无证开采",
    "WRONG_MINERAL": "矿种不符",
    "PERMIT_EXPIRED": "许可证过期",
    "NO_LOCATION": "未定位",
}
#: Overlaps smaller than this (m²) are slivers from imprecise boundaries, not a real crossing.
SLIVER_M2 = 1.0
#: Township shares within this fraction of the largest are an even split (the declared township wins).
TIE_REL = 1e-3
#: From this many cases on, a raster pre-filter (``geo._grid``) finds those wholly inside a township or the county.
GRID_MIN_CASES = 20_000
#: Check result columns, in the order of the CLI's JSON contract.
RESULT_KEYS = (
    "case_id", "township", "townships", "area_m2", "area_mu", "permit_no",
    "outside_area_m2", "outside_area_mu", "max_outside_distance_m", "flags",
)

_MINERAL_ALIASES = {"煤炭": "煤", "原煤": "煤", "铁矿石": "铁", "铁矿": "铁"}


def check_cases(
    cases: gpd.GeoDataFrame,
    townships: gpd.GeoDataFrame,
    permits: gpd.GeoDataFrame | None = None,
    county: shapely.Geometry | gpd.GeoSeries | None = None,
    *,
    tolerance_m: float = 1.0,
    area_crs: CRS = AREA_CRS,
) -> pd.DataFrame:
    """Check every case against townships, the county outline and mining permits.

    Parameters
    ----------
    cases
        Columns ``case_id``, ``kind`` (land|mining), ``township`` (declared), ``permit_no``,
        ``mineral``, ``found_date``; point or polygon geometry in any declared CRS.
    townships
        Column ``name``; polygons in any declared CRS.
    permits
        Columns ``permit_no``, ``mineral``, ``valid_from``, ``valid_to``; polygons.  May be empty.
    county
        The county outline as a GeoSeries with a CRS (one row); None skips OUTSIDE_COUNTY.
    tolerance_m
        A mine counts as OUT_OF_BOUNDS when some part lies farther than this from its permit.
    area_crs
        The county's Gauss-Krüger CRS, where areas and distances are measured (default 代县's EPSG:4526).
        A ``county`` given as a shapely geometry must already be in it.

    Returns
    -------
    DataFrame with the columns of ``RESULT_KEYS`` (one row per case, in input order).  Points are
    assigned with ``intersects`` (a point on a township line belongs to the first township listed).
    A case without a position (未定位) gets NO_LOCATION, no township and no measures; its permit
    is still found by number, so WRONG_MINERAL and PERMIT_EXPIRED still apply.
    """
    if tolerance_m < 0:
        raise ValueError(f"tolerance_m must be ≥ 0, got {tolerance_m}")
    require_crs(cases)
    c = cases.reset_index(drop=True)
    geoms = project(np.asarray(cases.geometry.values), cases.crs, area_crs)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    is_point = shapely.get_type_id(geoms) == 0
    area = np.where(is_point, 0.0, shapely.area(geoms))

    declared = c["township"].fillna("").astype(str).to_numpy() if "township" in c else np.full(len(c), "")
    primary, town_lists, n_towns = _township_shares(geoms, is_point, _in_crs(townships, area_crs), declared)
    flags = [[] for _ in range(len(c))]
    _add_flag(flags, (declared != "") & (primary != declared) & (primary != None), "TOWNSHIP_MISMATCH")  # noqa: E711
    _add_flag(flags, missing, "NO_LOCATION")
    _add_flag(flags, n_towns > 1, "CROSSES_TOWNSHIPS")
    if county is not None:
        cty = _in_crs(county, area_crs).union_all() if not isinstance(county, shapely.Geometry) else county
        _add_flag(flags, _outside_county(geoms, is_point, cty, tolerance_m), "OUTSIDE_COUNTY")

    n = len(c)
    permit_no = np.full(n, None, dtype=object)
    out_m2 = np.full(n, np.nan)
    out_dist = np.full(n, np.nan)
    mining = (c["kind"].astype(str).to_numpy() == "mining") if "kind" in c else np.zeros(n, bool)
    if mining.any():
        p = _in_crs(permits, area_crs).reset_index(drop=True) if permits is not None and len(permits) else None
        _check_mining(c, geoms, is_point, mining, p, tolerance_m, flags, permit_no, out_m2, out_dist)

    res = pd.DataFrame({
        "case_id": c["case_id"].astype(str).to_numpy(),
        "township": primary,
        "townships": town_lists,
        "area_m2": np.round(area, 2),
        "area_mu": np.round(area / M2_PER_MU, 4),
        "permit_no": permit_no,
        "outside_area_m2": np.round(out_m2, 2),
        "outside_area_mu": np.round(out_m2 / M2_PER_MU, 4),
        "max_outside_distance_m": np.round(out_dist, 2),
        "flags": flags,
    })
    return res


def township_of(cases: gpd.GeoDataFrame, townships: gpd.GeoDataFrame, declared: np.ndarray | None = None, *,
                area_crs: CRS = AREA_CRS) -> np.ndarray:
    """The township (``townships["name"]``) each case lies in: the largest share, by the rules of :func:`check_cases`.

    ``declared`` (one name per case, "" for none) wins ties as in the check.  None for a case without a
    position or outside every township.  Shares are measured in ``area_crs``.
    """
    c = _in_crs(cases, area_crs).reset_index(drop=True)
    geoms = np.asarray(c.geometry.values)
    if declared is None:
        declared = np.full(len(c), "", dtype=object)
    primary, _, _ = _township_shares(geoms, shapely.get_type_id(geoms) == 0, _in_crs(townships, area_crs),
                                     np.asarray(declared, dtype=object))
    return primary


def outside_parts(cases: gpd.GeoDataFrame, permits: gpd.GeoDataFrame, *, area_crs: CRS = AREA_CRS) -> gpd.GeoSeries:
    """The part of each mining parcel outside the permit it names (in ``area_crs``, default 代县's zone 38; empty
    where none), for drawing.

    Cases without a permit number, naming an unknown permit, or located by a point get an empty
    geometry: they are unlicensed or have no area, not an out-of-bounds part to hatch.
    """
    c = _in_crs(cases, area_crs)
    out = np.array([shapely.Polygon()] * len(c), dtype=object)
    if len(c) and len(permits):
        p = _in_crs(permits, area_crs)
        lookup = dict(zip(p["permit_no"].astype(str), p.geometry.values))
        nos = c["permit_no"].fillna("").astype(str).to_numpy() if "permit_no" in c else np.full(len(c), "")
        is_mine = c["kind"].astype(str).to_numpy() == "mining"
        sel = np.flatnonzero(is_mine & np.isin(nos, list(lookup)))
        sel = sel[shapely.get_type_id(np.asarray(c.geometry.values)[sel]) != 0]
        if len(sel):
            pg = np.array([lookup[n] for n in nos[sel]], dtype=object)
            out[sel] = outside_of(np.asarray(c.geometry.values)[sel], pg)
    return gpd.GeoSeries(out, index=c.index, crs=area_crs)


def outside_part(subject: shapely.Geometry | None, permit: shapely.Geometry | None, *,
                 area_crs: CRS = AREA_CRS) -> shapely.Geometry | None:
    """The part of one parcel (lon/lat) outside one permit (lon/lat), computed in ``area_crs`` (default 代县's
    zone 38), in lon/lat.

    None for a point, a missing permit, or a parcel wholly inside.
    """
    if subject is None or permit is None or subject.geom_type == "Point":
        return None
    pair = gpd.GeoSeries([subject, permit], crs=STORAGE_CRS).to_crs(area_crs).values
    out = gpd.GeoSeries(outside_of(pair[:1], pair[1:]), crs=area_crs).to_crs(STORAGE_CRS).iloc[0]
    return None if out.is_empty else out


def _in_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, crs: CRS):
    """``frame`` in the check's area CRS ``crs``; refuse data without a CRS."""
    require_crs(frame)
    return frame.to_crs(crs)


def _mask(n: int, idx: np.ndarray) -> np.ndarray:
    """A boolean array of length ``n``, True at ``idx``."""
    m = np.zeros(n, bool)
    m[idx] = True
    return m


def _add_flag(flags: list[list[str]], mask: np.ndarray, code: str) -> None:
    for i in np.flatnonzero(mask):
        flags[i].append(code)


def _township_shares(geoms: np.ndarray, is_point: np.ndarray, towns: gpd.GeoDataFrame, declared: np.ndarray):
    """Primary township, list of {name, area_mu} and count of townships for every case.

    The primary township holds the largest share.  Shares within ``TIE_REL`` of the largest (an even
    split, up to coordinate rounding) are a tie, which the declared township wins; so does a point on
    a line shared by two townships.  Otherwise ties go to the township listed first.
    """
    n = len(geoms)
    names = towns["name"].astype(str).to_numpy()
    tgeoms = np.asarray(towns.geometry.values)
    whole = _inside_one(tgeoms, geoms)  # cases wholly inside one township, which meet no other: share = own area
    rest = np.flatnonzero(whole < 0)
    ci, ti = shapely.STRtree(tgeoms).query(geoms[rest])  # envelopes; the predicates below decide
    ci = rest[ci]
    hit, share = join(in_chunks(lambda lo, hi, own: _shares(geoms[ci[lo:hi]], is_point[ci[lo:hi]], own[ti[lo:hi]]),
                                len(ci), [tgeoms])) if len(ci) else (np.zeros(0, bool), np.zeros(0))
    inside = np.flatnonzero(whole >= 0)
    ci, ti = np.r_[inside, ci[hit]], np.r_[whole[inside], ti[hit]]
    share = np.r_[np.where(is_point[inside], 0.0, shapely.area(geoms[inside])), share[hit]]
    is_declared = declared[ci] == names[ti]
    order = np.lexsort((ti, ~is_declared, ci))
    ci, ti, is_declared, share = ci[order], ti[order], is_declared[order], share[order]
    keep = is_point[ci] | (share > SLIVER_M2)
    # a point on a shared line touches two townships: keep only the first (the declared one if it is there)
    first_point = np.ones(len(ci), bool)
    first_point[1:] = ci[1:] != ci[:-1]
    keep &= ~is_point[ci] | first_point
    ci, ti, share, is_declared = ci[keep], ti[keep], share[keep], is_declared[keep]
    n_towns = np.bincount(ci, minlength=n)
    primary = np.full(n, None, dtype=object)
    best = np.zeros(n)
    cut = np.flatnonzero(np.r_[True, ci[1:] != ci[:-1]]) if len(ci) else np.zeros(0, int)  # ci is sorted
    best[ci[cut]] = np.maximum.reduceat(share, cut) if len(ci) else 0.0
    tied = share >= best[ci] * (1 - TIE_REL)
    # per case: tied shares first, the declared one first among them, then the largest share
    o = np.lexsort((-share, ~is_declared, ~tied, ci))
    starts = np.ones(len(o), bool)
    starts[1:] = ci[o][1:] != ci[o][:-1]
    primary[ci[o][starts]] = names[ti[o][starts]]
    o = np.lexsort((-share, ci))
    town_names = [str(t) for t in names]
    records = [{"name": town_names[t], "area_mu": round(s, 4)}  # plain records, largest share first
               for t, s in zip(ti[o].tolist(), (share[o] / M2_PER_MU).tolist())]
    ends = np.cumsum(n_towns)
    lists = [records[a:b] for a, b in zip((ends - n_towns).tolist(), ends.tolist())]
    return primary, lists, n_towns


def _shares(g: np.ndarray, point: np.ndarray, towns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise: does case ``g`` meet township ``towns`` (prepared), and the area they share (0 for a point).

    A case the township ``contains_properly`` shares its whole area; only the others are intersected.
    """
    inside = shapely.contains_properly(towns, g)
    meets = inside | shapely.intersects(towns, g)
    share = np.zeros(len(g))
    whole = inside & ~point
    share[whole] = shapely.area(g[whole])
    cut = meets & ~inside & ~point
    share[cut] = shapely.area(shapely.intersection(g[cut], towns[cut]))
    return meets, share


def _inside_one(layer: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Index of the polygon of ``layer`` whose interior holds each geometry and which no other polygon meets;
    -1 where that is not known (decide those exactly).  A raster pre-filter (``geo._grid``), for many cases only.
    """
    if len(geoms) < GRID_MIN_CASES or not len(layer):
        return np.full(len(geoms), -1)
    return InteriorGrid(layer).polygon_of(shapely.bounds(geoms))


def _outside_county(geoms, is_point, county, tolerance_m):
    """Cases with more than a sliver outside ``county`` (points: farther than ``tolerance_m`` from it).

    Cases wholly inside the outline (the grid, or the prepared outline's ``contains_properly``) need no difference.
    """
    layer = np.array([county], dtype=object)
    rest = np.flatnonzero(_inside_one(layer, geoms) < 0)
    flagged = np.zeros(len(geoms), bool)

    def outside(lo, hi, own):
        g, point, cty = geoms[rest[lo:hi]], is_point[rest[lo:hi]], own[0]
        inside = shapely.contains_properly(cty, g)
        out_area = np.zeros(hi - lo)
        cut = ~inside & ~point
        out_area[cut] = shapely.area(shapely.difference(g[cut], cty))
        pt_out = point & ~inside
        pt_out[pt_out] = shapely.distance(g[pt_out], cty) > tolerance_m
        return pt_out | (out_area > SLIVER_M2)

    if len(rest):
        flagged[rest] = join(in_chunks(outside, len(rest), [layer]))
    return flagged


def _norm_mineral(m: pd.Series) -> np.ndarray:
    """Mineral names compared as one: stripped, aliases resolved, a trailing 矿/矿石 dropped ("" for none)."""
    codes, uniques = pd.factorize(m)  # each distinct name once (1M cases name a handful)
    s = pd.Series(uniques, dtype=object).fillna("").astype(str).str.strip().replace(_MINERAL_ALIASES)
    s = s.str.replace(r"(矿石|矿)$", "", regex=True)
    return np.append(s.to_numpy(dtype=object), "")[codes]  # code -1 (missing): ""


def _check_mining(c, geoms, is_point, mining, p, tolerance_m, flags, permit_no, out_m2, out_dist):
    """Assign permits to mining cases and measure what lies outside them."""
    n = len(c)
    pidx = np.full(n, -1)
    given = c["permit_no"].fillna("").astype(str).str.strip().to_numpy() if "permit_no" in c else np.full(n, "")
    has_no = mining & (given != "")
    if p is not None:
        lookup = pd.Series(np.arange(len(p)), index=p["permit_no"].astype(str).str.strip())
        lookup = lookup[~lookup.index.duplicated()]
        pidx[has_no] = lookup.reindex(given[has_no]).fillna(-1).astype(int).to_numpy()
        # cases without a number: the permit they overlap most
        search = np.flatnonzero(mining & (given == ""))
        if len(search):
            pg = np.asarray(p.geometry.values)
            qi, pj = shapely.STRtree(pg).query(geoms[search], predicate="intersects")
            if len(qi):
                ov = np.where(is_point[search[qi]], 1.0, shapely.area(shapely.intersection(geoms[search[qi]], pg[pj])))
                o = np.lexsort((-ov, qi))
                first = np.ones(len(o), bool)
                first[1:] = qi[o][1:] != qi[o][:-1]
                pidx[search[qi[o][first]]] = pj[o][first]
    _add_flag(flags, mining & (pidx < 0), "NO_PERMIT")
    sel = np.flatnonzero(pidx >= 0)
    if not len(sel):
        return
    cg = geoms[sel]
    permit_no[sel] = p["permit_no"].astype(str).to_numpy()[pidx[sel]]
    area, dist = measure_outside(cg, is_point[sel], pidx[sel], np.asarray(p.geometry.values), shapely.area(cg))
    out_m2[sel] = area
    out_dist[sel] = dist
    unlocated = shapely.is_missing(cg) | shapely.is_empty(cg)
    out_m2[sel[unlocated]] = np.nan
    out_dist[sel[unlocated]] = np.nan
    _add_flag(flags, _mask(n, sel[out_dist[sel] > tolerance_m]), "OUT_OF_BOUNDS")
    case_min = _norm_mineral(c["mineral"].iloc[sel]) if "mineral" in c else np.full(len(sel), "")
    perm_min = _norm_mineral(p["mineral"].iloc[pidx[sel]]) if "mineral" in p else np.full(len(sel), "")
    wrong = (case_min != "") & (perm_min != "") & (case_min != perm_min)
    _add_flag(flags, _mask(n, sel[wrong]), "WRONG_MINERAL")
    if "found_date" in c:
        found = pd.to_datetime(c["found_date"].iloc[sel], errors="coerce").to_numpy()
        vf = pd.to_datetime(p["valid_from"].iloc[pidx[sel]], errors="coerce").to_numpy() if "valid_from" in p else None
        vt = pd.to_datetime(p["valid_to"].iloc[pidx[sel]], errors="coerce").to_numpy() if "valid_to" in p else None
        expired = np.zeros(len(sel), bool)
        with np.errstate(invalid="ignore"):
            if vf is not None:
                expired |= ~np.isnat(found) & ~np.isnat(vf) & (found < vf)
            if vt is not None:
                expired |= ~np.isnat(found) & ~np.isnat(vt) & (found > vt)
        _add_flag(flags, _mask(n, sel[expired]), "PERMIT_EXPIRED")
