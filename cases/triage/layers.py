"""Reference layers (参考图层): 永久基本农田, 耕地, 其他农用地 (optional), 生态保护红线, 城镇开发边界, 批准用地,
设施农业备案.

A layer is kept in the store's named boundary layers (key ``ref:<kind>``) through the public
``CaseStore.transaction``/``query`` methods, one row per feature: ``name`` is the feature's number,
``source`` a JSON object with its reference (批文号, 备案号, name) and the file it came from.  Replacing a
layer is one audited transaction.  Nothing here depends on one county.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cases import audit
from cases.county import County, county_of
from cases.io.geodata import read_layer
from cases.store import CaseStore
from geo.crs import M2_PER_MU, STORAGE_CRS
from geo.errors import PermissionDeniedError, RowErrors, ValidationError
from geo.repair import polygonal_part

#: Reference layer kinds → Chinese names, in display order.  ``other_farmland`` (其他农用地: 林地、园地、草地等, one
#: layer holding them all) is optional: without it the referral check bounds other farmland from above.
KINDS: dict[str, str] = {
    "basic_farmland": "永久基本农田",
    "cropland": "耕地",
    "other_farmland": "其他农用地",
    "eco_redline": "生态保护红线",
    "urban_boundary": "城镇开发边界",
    "approved_land": "批准用地",
    "facility_ag": "设施农业备案",
}
#: What the optional 其他农用地 layer holds (one layer for them all).
OTHER_FARMLAND_HINT = "林地、园地、草地等"
#: Other Chinese names accepted for a kind.
ALIASES: dict[str, str] = {"基本农田": "basic_farmland", "红线": "eco_redline", "生态红线": "eco_redline",
                           "开发边界": "urban_boundary", "设施农业": "facility_ag", "批地": "approved_land"}
#: Kinds whose features make land use legal (covering layers); ``permit`` (采矿许可证) comes from the store.
COVERING = ("approved_land", "facility_ag", "permit")
#: What the reference of a feature is called, per covering kind.
REF_LABELS = {"approved_land": "批文号", "facility_ag": "备案号", "permit": "采矿许可证号"}
#: Field names tried, in order, for a feature's reference when ``--name-field`` is not given.
REF_FIELDS = ("批文号", "备案号", "ref", "name", "名称", "NAME", "PZWH", "BAH", "XMMC")
#: Store key prefix of the reference layers.
KEY_PREFIX = "ref:"
#: The demo layers shipped in data/demo_layers/ (示例数据).
DEMO_DIR = Path(__file__).resolve().parents[2] / "data" / "demo_layers"


@dataclass(frozen=True)
class LayerInfo:
    """One stored reference layer: its kind, feature count, area (亩) and where it came from."""

    kind: str
    features: int
    area_mu: float
    source: str
    demo: bool


def kind_of(text: str) -> str:
    """The kind code of ``text`` (code or Chinese name); ValidationError naming the kinds allowed."""
    t = str(text).strip()
    if t in KINDS:
        return t
    found = {v: k for k, v in KINDS.items()}.get(t) or ALIASES.get(t)
    if found:
        return found
    allowed = "、".join(f"{k}（{v}）" for k, v in KINDS.items())
    raise ValidationError(f"参考图层类型「{text}」无效，应为：{allowed}")


def read_layer_file(path: str | Path, kind: str, *, name_field: str | None = None,
                    division: County) -> gpd.GeoDataFrame:
    """Read a reference layer file (any CRS it declares) → ``ref``, geometry in CGCS2000.

    Refuses, naming the feature: no CRS, no features, a missing ``name_field``, a feature that is no
    polygon.  Invalid polygons are repaired (make_valid), as reference layers come from other systems.
    """
    path = Path(path)
    what = f"{KINDS[kind]}图层文件"
    frame = read_layer(path, what=what, division=division)
    if frame.empty:
        raise ValidationError(f"{what} {path.name} 中没有任何要素")
    if name_field and name_field not in frame.columns:
        have = "、".join(map(str, frame.columns.drop("geometry"))) or "（无）"
        raise ValidationError(f"{what} {path.name} 中没有字段「{name_field}」；文件中现有字段：{have}")
    field = name_field or next((f for f in REF_FIELDS if f in frame.columns), None)
    refs = (frame[field].astype(object).where(frame[field].notna(), "").astype(str).str.strip()
            if field else pd.Series([""] * len(frame)))
    geoms = np.asarray(frame.geometry.values)
    kinds = shapely.get_type_id(geoms)
    bad = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms) | ~np.isin(kinds, (3, 6)))
    if len(bad):
        raise RowErrors([f"第 {i + 1} 个要素：{'缺少几何' if geoms[i] is None or shapely.is_empty(geoms[i]) else f'是{geoms[i].geom_type}，不是面'}，"
                         "参考图层只收面要素" for i in bad[:50]], source=f"{what} {path.name}")
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    if len(invalid):
        geoms = geoms.copy()
        geoms[invalid] = [polygonal_part(g) for g in shapely.make_valid(geoms[invalid])]
    return gpd.GeoDataFrame({"ref": refs.to_numpy()}, geometry=geoms, crs=STORAGE_CRS)


def save_layer(store: CaseStore, kind: str, frame: gpd.GeoDataFrame, *, user: str, source: str,
               demo: bool = False) -> int:
    """Replace the stored layer of ``kind`` with ``frame`` (``ref``, geometry) in one audited transaction."""
    frame = frame.to_crs(STORAGE_CRS)
    key = KEY_PREFIX + kind
    meta = [json.dumps({"ref": r, "file": source, "demo": demo}, ensure_ascii=False) for r in frame["ref"]]
    rows = [(key, f"{i:07d}", 0, m, shapely.to_wkb(g)) for i, (m, g) in enumerate(zip(meta, frame.geometry.values), 1)]
    now = dt.datetime.now().isoformat(timespec="seconds")
    with store.transaction() as con:
        con.execute("DELETE FROM boundaries WHERE layer = ?", (key,))
        con.executemany("INSERT INTO boundaries (layer, name, approximate, source, geom) VALUES (?, ?, ?, ?, ?)", rows)
        audit.append(con, [(now, user, None, f"layer:{kind}", None, None,
                            f"参考图层「{KINDS[kind]}」：{len(rows)} 个要素，来源：{source}" + ("（示例数据）" if demo else ""))])
    return len(rows)


def stored_layer(store: CaseStore, kind: str) -> gpd.GeoDataFrame:
    """The stored layer of ``kind``: ``ref``, ``source``, ``demo``, geometry (CGCS2000); empty when not loaded."""
    rows = store.query("SELECT source, geom FROM boundaries WHERE layer = ? ORDER BY name", (KEY_PREFIX + kind,))
    meta = [json.loads(r[0]) for r in rows]
    return gpd.GeoDataFrame({"ref": [m.get("ref", "") for m in meta], "source": [m.get("file", "") for m in meta],
                             "demo": [bool(m.get("demo")) for m in meta]},
                            geometry=gpd.GeoSeries(shapely.from_wkb([r[1] for r in rows]) if rows else [],
                                                   crs=STORAGE_CRS), crs=STORAGE_CRS)


def loaded_kinds(store: CaseStore) -> dict[str, bool]:
    """The kinds of the loaded reference layers → whether each is demo data (示例数据), in :data:`KINDS` order;
    no geometry is read.

    PermissionDeniedError (Chinese) for an account that may not read them: the layers are read with the
    store's raw ``query``, which only county accounts may use.
    """
    try:
        rows = store.query("SELECT layer, MAX(source) FROM boundaries WHERE layer LIKE ? GROUP BY layer",
                           (KEY_PREFIX + "%",))
    except PermissionDeniedError as exc:
        raise PermissionDeniedError(f"参考图层（基本农田、耕地、批准用地等）仅领导组/县级账号可读：{exc}") from None
    demo = {r[0][len(KEY_PREFIX):]: bool(json.loads(r[1] or "{}").get("demo")) for r in rows}
    return {k: demo[k] for k in KINDS if k in demo}


def layer_label(kind: str, demo: bool) -> str:
    """The Chinese name of ``kind`` as a map legend or a picker shows it: ``永久基本农田（示例数据）`` for demo data."""
    return KINDS[kind] + ("（示例数据）" if demo else "")


def stored_layers(store: CaseStore) -> dict[str, gpd.GeoDataFrame]:
    """Every loaded reference layer (kind → frame), in :data:`KINDS` order.

    PermissionDeniedError (Chinese) for an account that may not read them (see :func:`loaded_kinds`).
    """
    return {k: stored_layer(store, k) for k in loaded_kinds(store)}


def permit_layer(store: CaseStore) -> gpd.GeoDataFrame:
    """The store's mining permits as a covering layer (``ref`` = 采矿许可证号)."""
    p = store.permits()
    return gpd.GeoDataFrame({"ref": p["permit_no"].astype(str).to_numpy()}, geometry=p.geometry.values, crs=STORAGE_CRS)


def layer_summary(store: CaseStore) -> list[LayerInfo]:
    """One :class:`LayerInfo` per loaded layer (area in the store county's zone)."""
    crs = county_of(store).area_crs
    out = []
    for kind, frame in stored_layers(store).items():
        area = float(shapely.area(shapely.union_all(np.asarray(frame.to_crs(crs).geometry.values)))) / M2_PER_MU
        out.append(LayerInfo(kind, len(frame), round(area, 2), "、".join(sorted(set(frame["source"]))),
                             bool(frame["demo"].any())))
    return out


def load_layer_file(store: CaseStore, kind: str, path: str | Path, *, user: str,
                    name_field: str | None = None, demo: bool = False) -> int:
    """Read ``path`` as the layer of ``kind`` (code or Chinese) and replace the stored one; the feature count."""
    kind = kind_of(kind)
    frame = read_layer_file(path, kind, name_field=name_field, division=county_of(store))
    return save_layer(store, kind, frame, user=user, source=Path(path).name, demo=demo)


def load_demo_layers(store: CaseStore, *, user: str) -> dict[str, int]:
    """Load the shipped demo layers (示例数据, data/demo_layers/<kind>.geojson, one per kind): kind → feature count."""
    return {k: load_layer_file(store, k, DEMO_DIR / f"{k}.geojson", user=user, demo=True)
            for k in KINDS if (DEMO_DIR / f"{k}.geojson").exists()}
