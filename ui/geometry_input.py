"""Shared UI for entering a geometry: paste coordinates, upload a file, or draw on the map."""

from __future__ import annotations

import tempfile
from pathlib import Path

import shapely
import streamlit as st
from shapely.geometry import shape
from streamlit_folium import st_folium

from cases.io.geodata import read_layer
from cases.io.pasted import parse_coordinate_text
from geo.errors import CasemapError, GeometryError
from geo.webmap.maps import build_check_map
from ui import common

PASTE, UPLOAD, DRAW = "粘贴坐标", "上传文件", "在地图上绘制"
UPLOAD_TYPES = ["geojson", "json", "gpkg", "zip", "kml"]
PASTE_HELP = ("每行一个点：经纬度「113.0123, 39.0543」或度分秒「112°57′18″, 39°03′01″」「东经112度57分18秒 北纬39度3分1秒」，"
              "或高斯-克吕格「X Y」（X 为北坐标，Y 为东坐标，带带号或不带）；可带点号（J1 4325678.12 38512345.67）。"
              "X、Y 或经纬度颠倒会自动识别并提示。")


def geometry_from_file(name: str, data: bytes) -> shapely.Geometry:
    """The union of all features of an uploaded vector file (any CRS it declares), in CGCS2000."""
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        frame = read_layer(path, what="上传的文件", division=common.county())
    geoms = frame.geometry.dropna()
    if geoms.empty:
        raise GeometryError(f"文件 {name} 中没有几何图形")
    return shapely.make_valid(shapely.union_all(geoms.values))


def geometry_input(*, key: str, methods: tuple[str, ...] = (PASTE, DRAW, UPLOAD)) -> shapely.Geometry | None:
    """Let the user give a parcel; returns it in CGCS2000 lon/lat, or None (nothing given yet / error shown)."""
    method = methods[0] if len(methods) == 1 else st.radio("图形来源", methods, horizontal=True, key=f"{key}_method")
    try:
        if method == PASTE:
            text = st.text_area("坐标（每行一个点）", key=f"{key}_text", height=140, help=PASTE_HELP,
                                placeholder="113.0500, 39.0200\n113.0560, 39.0200\n113.0560, 39.0250")
            if not text.strip():
                return None
            parsed = parse_coordinate_text(text, division=common.county())
            st.caption(f"识别为：{parsed.system}")
            for note in parsed.notes:
                st.info(note)
            return parsed.geometry
        if method == UPLOAD:
            up = st.file_uploader("矢量文件（GeoJSON、GeoPackage、压缩的 Shapefile .zip、KML；须带坐标系）",
                                  type=UPLOAD_TYPES, key=f"{key}_file")
            return geometry_from_file(up.name, up.getvalue()) if up is not None else None
        return _drawn(key)
    except CasemapError as exc:
        common.show_error(exc)
        return None


def _drawn(key: str) -> shapely.Geometry | None:
    path, ver = common.db_path(), common.version()
    county, towns, permits = common.load_layers(path, ver)
    m = build_check_map(drawn_geometry(key), townships=towns, permit=permits, county=county, draw=True,
                        assets=common.map_assets(), height=460)
    st.caption("用左上角的工具画出地块（多边形或矩形），或标出点位；画完后自动读取。")
    draw_on_map(m, key=key, height=460)
    return drawn_geometry(key)


def drawn_geometry(key: str) -> shapely.Geometry | None:
    """The last shape drawn with the map of ``key`` (kept for the session), or None."""
    gj = st.session_state.get(f"{key}_{common.KEY_DRAWN}")
    return shape(gj) if gj else None


def draw_on_map(m, *, key: str, height: int = 520) -> None:
    """Show ``m`` (built with ``draw=True``) and keep what is drawn on it; a new drawing reruns the page, so
    the one map then shows it (and anything the page derives from it)."""
    out = st_folium(m, key=f"{key}_draw", height=height, use_container_width=True,
                    returned_objects=["last_active_drawing"])
    drawing = (out or {}).get("last_active_drawing")
    state = f"{key}_{common.KEY_DRAWN}"
    if drawing and drawing.get("geometry") and drawing["geometry"] != st.session_state.get(state):
        st.session_state[state] = drawing["geometry"]
        st.rerun()
