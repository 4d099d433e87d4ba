"""The triage as the CLI and the app run it on a store: layers from the store, patches already handled
recognised by overlap, confirmed judgements kept, and confirmed illegal patches turned into cases.

Confirmed judgements are kept as a store layer (key ``patches:<year>``, like the reference layers), so a
patch of a later year lying over one judged before is recognised, not judged twice.  A case made from a
patch has the id ``WP-<图斑编号>``, category 2 (卫片发现) or 3 (a patch not in that year's list) and
names its 图斑编号 and year in 备注: the case and the patch link back to each other.
"""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cases import audit
from cases.county import county_of
from cases.model import LAND, Case
from cases.store import CaseStore
from cases.triage.layers import permit_layer, stored_layers
from cases.triage.overlay import pair_pieces
from cases.triage.patches import triage
from cases.triage.referral import FLAG, referrals
from cases.triage.rules import Rules, store_rules
from geo.crs import STORAGE_CRS
from geo.errors import PermissionDeniedError, ValidationError

#: Judgements an inspector confirms (伪变化: a change on the image that is no change on the ground).
JUDGEMENTS = ("合法", "违法", "伪变化")
#: Store layer key prefix of confirmed judgements, by year.
JUDGED_PREFIX = "patches:"
#: Case id prefix of cases made from patches.
CASE_PREFIX = "WP-"


def reference_layers(store: CaseStore) -> dict[str, gpd.GeoDataFrame]:
    """The loaded reference layers and the store's permits (``permit``), each ``ref`` + geometry."""
    layers = {k: f[["ref", "geometry"]] for k, f in stored_layers(store).items()}
    layers["permit"] = permit_layer(store)
    return layers


def judge(store: CaseStore, patches: gpd.GeoDataFrame, *, rules: Rules) -> pd.DataFrame:
    """Triage ``patches`` against the store's layers; adds ``handled`` (text: the case or earlier judgement
    each patch overlaps by at least ``rules.handled_overlap`` of its area; "" when none)."""
    crs = county_of(store).area_crs
    results = triage(patches, reference_layers(store), townships=store.townships(), rules=rules, area_crs=crs)
    results["handled"] = handled(store, patches, ratio=rules.handled_overlap)
    return results


def handled(store: CaseStore, patches: gpd.GeoDataFrame, *, ratio: float) -> np.ndarray:
    """For each patch: the cases and earlier confirmed patches it overlaps by ≥ ``ratio`` of its area (text)."""
    crs = county_of(store).area_crs
    g = np.asarray(patches.to_crs(crs).geometry.values)
    area = shapely.area(g)
    out = np.full(len(g), "", dtype=object)
    cases = store.cases()
    cases = cases[~(cases.geometry.isna() | cases.geometry.is_empty)]
    sources = [(cases, lambda f, j: f"已有案件 {f['case_id'].iloc[j]}")]
    for year, frame in judged_layers(store).items():
        sources.append((frame, lambda f, j, y=year: f"{y} 年已核实为{f['judgement'].iloc[j]}（图斑 {f['ref'].iloc[j]}）"))
    for frame, label in sources:
        if not len(frame):
            continue
        si, fi, pieces = pair_pieces(g, np.asarray(frame.to_crs(crs).geometry.values))
        keep = np.round(shapely.area(pieces) / area[si], 4) >= ratio  # as shown, like the covered share
        for i, j in zip(si[keep], fi[keep]):  # the few hits only
            out[i] = "；".join([t for t in (out[i], label(frame, j)) if t])
    return out


def judged_layers(store: CaseStore) -> dict[int, gpd.GeoDataFrame]:
    """Confirmed judgements by year: ``ref`` (图斑编号), ``judgement``, ``by``, ``at``, geometry."""
    try:
        keys = sorted(r[0] for r in store.query("SELECT DISTINCT layer FROM boundaries WHERE layer LIKE ?",
                                                (JUDGED_PREFIX + "%",)))
    except PermissionDeniedError:
        return {}
    out = {}
    for key in keys:
        rows = store.query("SELECT source, geom FROM boundaries WHERE layer = ? ORDER BY name", (key,))
        meta = [json.loads(r[0]) for r in rows]
        out[int(key[len(JUDGED_PREFIX):])] = gpd.GeoDataFrame(
            {c: [m.get(c, "") for m in meta] for c in ("ref", "judgement", "by", "at")},
            geometry=gpd.GeoSeries(shapely.from_wkb([r[1] for r in rows]), crs=STORAGE_CRS), crs=STORAGE_CRS)
    return out


def save_judgements(store: CaseStore, patches: gpd.GeoDataFrame, judgements: list[str], *, year: int,
                    user: str) -> int:
    """Keep the confirmed judgements of ``patches`` (``patch_id``, geometry) for ``year`` (replacing that
    year's patches of the same ids); one audited transaction.  ValidationError for an unknown judgement."""
    bad = sorted({j for j in judgements if j not in JUDGEMENTS})
    if bad:
        raise ValidationError(f"核实结论「{'、'.join(bad)}」无效，应为：{'、'.join(JUDGEMENTS)}")
    key = f"{JUDGED_PREFIX}{int(year)}"
    now = dt.datetime.now().isoformat(timespec="seconds")
    frame = patches.to_crs(STORAGE_CRS)
    rows = [(key, str(pid), 0, json.dumps({"ref": str(pid), "judgement": j, "by": user, "at": now}, ensure_ascii=False),
             shapely.to_wkb(g)) for pid, j, g in zip(frame["patch_id"], judgements, frame.geometry.values)]
    with store.transaction() as con:
        con.executemany("DELETE FROM boundaries WHERE layer = ? AND name = ?", [(key, r[1]) for r in rows])
        con.executemany("INSERT INTO boundaries (layer, name, approximate, source, geom) VALUES (?, ?, ?, ?, ?)", rows)
        counts = pd.Series(judgements).value_counts()
        audit.append(con, [(now, user, None, "patches", None, None, f"{year} 年卫片图斑核实结论 {len(rows)} 个："
                            + "、".join(f"{k} {v}" for k, v in counts.items()))])
    return len(rows)


def patch_cases(patches: gpd.GeoDataFrame, results: pd.DataFrame, *, year: int, in_list: np.ndarray,
                found: dt.date | None = None) -> list[Case]:
    """Cases (用地, 排查发现) for patches confirmed 违法: category 2 where the patch is in that year's list
    (``in_list``), else 3; id ``WP-<图斑编号>``; township from the triage; 图斑编号 in 备注 and 基本情况."""
    res = results.set_index("patch_id")
    geoms = patches.to_crs(STORAGE_CRS).geometry.values
    out = []
    for pid, geom, listed in zip(patches["patch_id"].astype(str), geoms, in_list):  # one record per confirmed patch
        r = res.loc[pid]
        if not r["township"]:
            raise ValidationError(f"图斑 {pid} 不在任何乡镇内，无法确定责任乡镇；请先载入乡镇界线")
        out.append(Case(
            case_id=f"{CASE_PREFIX}{pid}", kind=LAND, category=2 if listed else 3, township=str(r["township"]),
            found_date=found or dt.date.today(), geometry=geom, area_mu_declared=float(r["area_mu"]),
            summary=f"{year} 年度土地卫片执法检查图斑 {pid}，面积 {float(r['area_mu']):.2f} 亩；{r['reason']}",
            remarks=f"卫片图斑编号：{pid}（{year} 年度{'' if listed else '，未列入当年下发图斑'}）",
        ))
    return out


def illegal_ids(results: pd.DataFrame, judgements: list[str]) -> list[str]:
    """Patch ids whose confirmed judgement is 违法 and that no case already covers."""
    sel = (np.asarray(judgements) == "违法") & (results["handled"].astype(str).str.contains("已有案件") == False)  # noqa: E712
    return results.loc[sel, "patch_id"].astype(str).tolist()




def store_referrals(store: CaseStore, cases: gpd.GeoDataFrame | None = None, *,
                    rules: Rules | None = None) -> pd.DataFrame:
    """:func:`cases.triage.referral.referrals` of the store's cases (or ``cases``; their text fields taken from
    the store's case of the same id where the frame has none) against the store's layers and rules."""
    frame = store.cases() if cases is None else cases
    if cases is not None and "summary" not in frame:
        stored = store.cases().set_index("case_id")
        frame = frame.assign(**{f: frame["case_id"].map(stored[f]) if len(stored) else "" for f in
                                ("summary", "penalty", "remarks")})
    return referrals(frame.reset_index(drop=True), reference_layers(store), rules=rules or store_rules(store),
                     area_crs=county_of(store).area_crs)


def add_referral_flags(store: CaseStore, cases: gpd.GeoDataFrame, results: pd.DataFrame) -> list[str]:
    """Append ``CRIMINAL_THRESHOLD`` to the check ``results``' flags of each case over a threshold (same row
    order as ``cases``); return one note per such case naming the rule and the numbers."""
    rules = store_rules(store)
    try:
        ref = store_referrals(store, cases, rules=rules)
    except PermissionDeniedError:
        return ["注意：参考图层仅领导组/县级账号可读，未核查涉嫌犯罪移送标准（CRIMINAL_THRESHOLD）。"]
    notes = []
    for i in np.flatnonzero(ref["fired"].map(bool).to_numpy()):
        results["flags"].iloc[i].append(FLAG)
        notes.append(f"案件 {ref['case_id'].iloc[i]}：{ref['text'].iloc[i]}（规则：{rules.source}）")
    return notes


def referral_by_township(store: CaseStore, cases: gpd.GeoDataFrame | None = None, *,
                         rules: Rules | None = None) -> pd.DataFrame:
    """Per declared township: cases over a threshold, 追刑 persons recorded for them and in all its cases."""
    frame = store.cases() if cases is None else cases
    ref = store_referrals(store, frame, rules=rules)
    over = ref["fired"].map(bool).to_numpy()
    t = pd.DataFrame({"township": frame["township"].astype(str).to_numpy(), "over": over,
                      "persons": frame["criminal_persons"].fillna(0).astype(int).to_numpy()})
    t["persons_over"] = np.where(t["over"], t["persons"], 0)
    t["over_unreferred"] = t["over"] & (t["persons"] == 0)
    out = t.groupby("township", sort=True).agg(cases_over=("over", "sum"), criminal_persons_over=("persons_over", "sum"),
                                               over_without_persons=("over_unreferred", "sum"),
                                               criminal_persons=("persons", "sum")).reset_index()
    return out
