"""卫片图斑 triage: read a patch layer (refusing bad input by name) and judge every patch against the
reference layers: 合法 / 疑似违法 / 需核实, with the numbers and a one-sentence reason.

``triage`` is vectorized (one STRtree bulk query per layer, array intersections, :mod:`cases.triage.overlay`);
areas are measured in the store county's Gauss-Krüger zone.  Covered means covered by 批准用地 ∪
设施农业备案 ∪ 采矿许可证 (:data:`cases.triage.layers.COVERING`), each feature counted once.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from cases.county import County
from cases.io.geodata import read_layer
from cases.triage.layers import COVERING, KINDS, REF_LABELS
from cases.triage.overlay import SLIVER_M2, covered_area, pair_pieces, union_by_subject
from cases.triage.rules import Rules
from geo.checks import township_of
from geo.crs import M2_PER_MU, STORAGE_CRS
from geo.errors import LedgerFormatError, RowErrors

#: The JSON keys of one judged patch, in order (the CLI's contract).
RESULT_KEYS = ("patch_id", "township", "area_mu", "overlaps", "covered_by", "covered_share", "suggestion", "reason")
LEGAL, ILLEGAL, VERIFY = "合法", "疑似违法", "需核实"
SUGGESTIONS = (LEGAL, ILLEGAL, VERIFY)
#: Field names tried, in order, for the patch id when ``--id-field`` is not given.
ID_FIELDS = ("图斑编号", "监测编号", "patch_id", "TBBH", "JCBH", "tbbh", "jcbh", "BSM")
#: A patch with less than this share inside the county outline lies outside the county.
MIN_INSIDE = 0.5
#: At most this many bad patches are listed one by one.
MAX_LISTED = 200


def read_patches(path: str | Path, *, id_field: str | None = None, division: County,
                 county: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Read a 卫片图斑 layer (first layer of any file :func:`cases.io.geodata.read_geodata` reads).

    Returns ``patch_id`` plus every attribute of the file and the geometry in CGCS2000.  Refuses, with
    one Chinese message listing each bad patch by number and id (nothing is judged or written): no CRS,
    no features, no id field, an empty or repeated id, a feature that is no polygon, an invalid polygon
    (self-intersecting: the reason is named) and a patch less than half inside the ``county`` outline.
    """
    path = Path(path)
    what = "卫片图斑文件"
    frame = read_layer(path, what=what, division=division)
    source = f"{what} {path.name}"
    if frame.empty:
        raise LedgerFormatError(f"{source} 中没有任何要素（图斑）")
    field = id_field or next((f for f in ID_FIELDS if f in frame.columns), None)
    if field is None or field not in frame.columns:
        have = "、".join(map(str, frame.columns.drop("geometry"))) or "（无）"
        asked = f"字段「{id_field}」" if id_field else f"图斑编号字段（{'、'.join(ID_FIELDS[:3])} 等）"
        raise LedgerFormatError(f"{source} 中没有{asked}；请用 --id-field 指定。文件中现有字段：{have}")
    ids = frame[field].astype(object).where(frame[field].notna(), "").astype(str).str.strip()
    labels = [f"第 {n} 个图斑" + (f"（{field} {i}）" if i else "") for n, i in enumerate(ids, start=1)]
    errors = [f"{labels[i]}：{field} 为空" for i in np.flatnonzero(ids.to_numpy() == "")]
    dup = ids[ids.duplicated(keep=False) & (ids != "")]
    errors += [f"图斑编号 {v} 重复出现 {n} 次" for v, n in dup.value_counts().items()]
    geoms = np.asarray(frame.geometry.values)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    not_poly = ~missing & ~np.isin(shapely.get_type_id(geoms), (3, 6))
    invalid = ~missing & ~not_poly & ~shapely.is_valid(geoms)
    errors += [f"{labels[i]}：缺少几何" for i in np.flatnonzero(missing)]
    errors += [f"{labels[i]}：不是面（{geoms[i].geom_type}），图斑应为面" for i in np.flatnonzero(not_poly)]
    errors += [f"{labels[i]}：面无效（{shapely.is_valid_reason(geoms[i])}），请在 GIS 软件中修复后再导入"
               for i in np.flatnonzero(invalid)]
    ok = np.flatnonzero(~(missing | not_poly | invalid))
    if len(ok) and len(county):
        errors += _outside(geoms[ok], labels, ok, county, division)
    if errors:
        listed = errors[:MAX_LISTED] + ([f"……另有 {len(errors) - MAX_LISTED} 处问题"] if len(errors) > MAX_LISTED else [])
        raise RowErrors(listed, source=source)
    out = frame.drop(columns=[field]).assign(patch_id=ids.to_numpy())
    return out[["patch_id", *[c for c in out.columns if c not in ("patch_id", "geometry")], "geometry"]]


def _outside(geoms: np.ndarray, labels: list[str], index: np.ndarray, county: gpd.GeoDataFrame,
             division: County) -> list[str]:
    crs = division.area_crs
    g = gpd.GeoSeries(geoms, crs=STORAGE_CRS).to_crs(crs).values
    outline = shapely.union_all(np.asarray(county.to_crs(crs).geometry.values))
    shapely.prepare(outline)
    area = shapely.area(g)
    inside = np.where(area > 0, shapely.area(shapely.intersection(g, outline)) / np.where(area > 0, area, 1), 0.0)
    return [f"{labels[index[i]]}：在{division.name}县界内仅 {inside[i]:.0%}，不在本县范围内（请检查是否为其他县的图斑或坐标系）"
            for i in np.flatnonzero(inside < MIN_INSIDE)]


def triage(patches: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame], *, townships: gpd.GeoDataFrame,
           rules: Rules, area_crs: CRS) -> pd.DataFrame:
    """Judge every patch: one row per patch with the columns :data:`RESULT_KEYS`.

    Parameters
    ----------
    patches
        ``patch_id`` and polygon geometry (any declared CRS).
    layers
        Reference layers by kind (:data:`cases.triage.layers.KINDS` and ``permit``), each ``ref`` + geometry.
    townships
        The township layer (``name``); a patch goes to the township holding its largest share.
    rules
        ``legal_share`` / ``illegal_share`` decide the suggestion from ``covered_share``.
    area_crs
        The CRS areas are measured in (the store county's zone).
    """
    g = np.asarray(patches.to_crs(area_crs).geometry.values)
    area = shapely.area(g)
    overlaps: dict[str, np.ndarray] = {}
    covers: list[tuple[np.ndarray, np.ndarray]] = []
    cover_refs: list[tuple[str, np.ndarray, np.ndarray]] = []
    for kind, frame in layers.items():
        feats = np.asarray(frame.to_crs(area_crs).geometry.values)
        si, fi, pieces = pair_pieces(g, feats)
        merged = union_by_subject(len(g), si, pieces)
        has = merged != None  # noqa: E711 - element-wise on an object array
        mu = np.zeros(len(g))
        mu[has] = shapely.area(merged[has].astype(object)) / M2_PER_MU
        overlaps[kind] = mu
        if kind in COVERING:
            covers.append((si, pieces))
            refs = frame["ref"].astype(str).to_numpy() if "ref" in frame else np.full(len(frame), "", dtype=object)
            cover_refs.append((kind, si, refs[fi]))
    covered = np.zeros(len(g))
    if covers:
        si = np.concatenate([c[0] for c in covers])
        merged = union_by_subject(len(g), si, np.concatenate([c[1] for c in covers]))
        has = merged != None  # noqa: E711
        covered[has] = shapely.area(merged[has].astype(object))
    # judged on the share as shown (4 decimals), so that 95 % drawn by hand is 95 % after reprojection
    share = np.round(np.clip(np.divide(covered, area, out=np.zeros(len(g)), where=area > 0), 0.0, 1.0), 4)
    suggestion = np.where(share >= rules.legal_share, LEGAL, np.where(share <= rules.illegal_share, ILLEGAL, VERIFY))
    towns = (township_of(patches, townships, area_crs=area_crs) if len(townships) and len(g)
             else np.full(len(g), None, dtype=object))
    covered_by = _covered_by(len(g), cover_refs)
    area_mu = area / M2_PER_MU
    return pd.DataFrame({
        "patch_id": patches["patch_id"].astype(str).to_numpy(),
        "township": towns,
        "area_mu": np.round(area_mu, 2),
        "overlaps": [{k: round(float(v[i]), 2) for k, v in overlaps.items()} for i in range(len(g))],
        "covered_by": covered_by,
        "covered_share": share,
        "suggestion": suggestion,
        "reason": _reasons(area_mu, covered / M2_PER_MU, share, suggestion, overlaps, rules),
    }, columns=list(RESULT_KEYS))


def _covered_by(n: int, cover_refs: list[tuple[str, np.ndarray, np.ndarray]]) -> list[list[dict]]:
    out: list[list[dict]] = [[] for _ in range(n)]
    for kind, si, refs in cover_refs:
        for i, ref in zip(si, refs):  # plain records of pairs already found; no geometry work
            item = {"layer": kind, "ref": str(ref)}
            if item not in out[i]:
                out[i].append(item)
    return out


_COVER_TEXT = "、".join(KINDS.get(k, "采矿许可证") for k in COVERING)


def _reasons(area_mu: np.ndarray, covered_mu: np.ndarray, share: np.ndarray, suggestion: np.ndarray,
             overlaps: dict[str, np.ndarray], rules: Rules) -> list[str]:
    """One Chinese sentence per patch with its numbers."""
    hints = {k: KINDS[k] for k in ("basic_farmland", "cropland", "other_farmland", "eco_redline") if k in overlaps}
    out = []
    for i in range(len(area_mu)):  # text only
        head = (f"图斑面积 {area_mu[i]:.2f} 亩，{_COVER_TEXT}覆盖 {covered_mu[i]:.2f} 亩（{share[i]:.1%}）")
        if suggestion[i] == LEGAL:
            tail = f"，不低于 {rules.legal_share:.0%}，建议判为合法"
        elif suggestion[i] == ILLEGAL:
            tail = f"，不高于 {rules.illegal_share:.0%}，疑似违法用地"
        else:
            tail = f"，介于 {rules.illegal_share:.0%} 与 {rules.legal_share:.0%} 之间，需实地核实"
        inside = "、".join(f"{label} {overlaps[k][i]:.2f} 亩" for k, label in hints.items() if overlaps[k][i] > 0)
        out.append(head + tail + (f"；其中占{inside}" if inside and suggestion[i] != LEGAL else "") + "。")
    return out


def records(results: pd.DataFrame) -> list[dict]:
    """The judged patches as JSON-ready dicts with exactly :data:`RESULT_KEYS`."""
    return [{k: (None if k == "township" and (v is None or v != v) else v) for k, v in zip(RESULT_KEYS, row)}
            for row in results[list(RESULT_KEYS)].itertuples(index=False, name=None)]


def flat_table(results: pd.DataFrame, kinds: list[str]) -> pd.DataFrame:
    """The results with one column per layer overlap and the covering references as text (for CSV, tables, files)."""
    flat = results.drop(columns=["overlaps", "covered_by"]).copy()
    for k in kinds:
        flat.insert(flat.columns.get_loc("covered_share"), f"{k}_mu", [o.get(k, 0.0) for o in results["overlaps"]])
    flat.insert(flat.columns.get_loc("covered_share"), "covered_by",
                ["；".join(f"{REF_LABELS.get(c['layer'], c['layer'])} {c['ref']}" for c in cb) for cb in results["covered_by"]])
    return flat


def covered_area_of(subjects: gpd.GeoDataFrame, frame: gpd.GeoDataFrame, *, area_crs: CRS) -> np.ndarray:
    """Area (m²) of each subject inside the union of ``frame``'s features, in ``area_crs``."""
    return covered_area(np.asarray(subjects.to_crs(area_crs).geometry.values),
                        np.asarray(frame.to_crs(area_crs).geometry.values))


__all__ = ["ILLEGAL", "LEGAL", "RESULT_KEYS", "SLIVER_M2", "SUGGESTIONS", "VERIFY", "covered_area_of", "flat_table",
           "read_patches", "records", "triage"]
