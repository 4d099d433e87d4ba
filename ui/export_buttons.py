"""导出地图 buttons: a briefing-ready PNG/PDF of what a map page shows (its filtered cases and extent).

Any page calls :func:`snapshot_download` with the cases it shows and its current extent; the
files are built only when the user clicks (deferred download), offline, with matplotlib.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import geopandas as gpd
import streamlit as st

from cases.output.figures import producing_unit, save_figure
from cases.output.fonts import font_family
from cases.service import store_notes
from cases.text import date_text
from cases.triage.layers import layer_label, loaded_kinds
from cases.triage.printstyle import print_layers
from geo.checks import outside_parts
from geo.errors import CasemapError, PermissionDeniedError
from geo.printmap.snapshot import MapContent, snapshot_figure
from ui import common

MIME = {"png": "image/png", "pdf": "application/pdf"}
DPI_CHOICES = (100, 150, 200, 300)


def snapshot_maker(content: MapContent, *, extent: tuple[float, float, float, float] | None, fmt: str,
                   size: str = "A4", landscape: bool = True, dpi: float = 150) -> Callable[[], bytes]:
    """A no-argument function returning the snapshot as PNG or PDF bytes (for a deferred download)."""
    import io

    family = font_family()  # look the font up now, in the script thread (raises a Chinese error if none)
    crs = common.county().area_crs  # drawn in the store's county's zone

    def make() -> bytes:
        fig = snapshot_figure(content, extent=extent, size=size, landscape=landscape, dpi=dpi, font=family, crs=crs)
        buf = io.BytesIO()
        save_figure(fig, buf, fmt=fmt)
        return buf.getvalue()

    return make


def map_content(cases: gpd.GeoDataFrame, *, title: str, area_name: str | None = None,
                focus: gpd.GeoSeries | None = None, highlight: str | None = None,
                layers: tuple[str, ...] = ()) -> MapContent:
    """The snapshot content for ``cases`` with the app store's layers, notes and producing unit; ``layers``: the
    reference layers (kind codes) drawn under the cases, as ``snapshot --layer`` draws them."""
    path, ver = common.db_path(), common.version()
    county, towns, permits = common.load_layers(path, ver)
    store = common.store()
    return MapContent(cases=cases, townships=towns, permits=permits, county=county, title=title,
                      area_name=area_name or f"{common.county().name}全县", date_text=_today(), unit=producing_unit(store),
                      notes=store_notes(store), outside=outside_parts(cases, permits, area_crs=common.county().area_crs),
                      focus=focus,
                      highlight=highlight,
                      backdrop=_backdrop(path, ver, common.account_key(), tuple(layers)) if layers else [])


@st.cache_data(show_spinner=False, max_entries=4)
def _backdrop(path: str, version: int, account_key: str, kinds: tuple[str, ...]) -> list:
    return print_layers(common.store(), kinds)


@st.cache_data(show_spinner=False, max_entries=8)
def reference_choices(path: str, version: int, account_key: str) -> dict[str, str]:
    """The loaded reference layers the account may draw: kind → Chinese name (示例数据 noted); {} for accounts
    that may not read them (township accounts)."""
    try:
        return {k: layer_label(k, demo) for k, demo in loaded_kinds(common.store()).items()}
    except PermissionDeniedError:
        return {}


def _today() -> str:
    return date_text(dt.date.today())


def snapshot_download(cases_gdf_filtered: gpd.GeoDataFrame, extent: tuple[float, float, float, float] | None,
                      title: str, key: str, *, area_name: str | None = None,
                      focus: gpd.GeoSeries | None = None, highlight: str | None = None) -> None:
    """Draw a 导出地图 popover with page options and PNG / PDF download buttons.

    Its 叠加参考图层 picker lists the loaded reference layers the account may read (none for township
    accounts, and then no picker); the chosen ones are drawn under the cases with a legend entry, as
    ``python -m cases snapshot --layer`` draws them (:func:`cases.triage.printstyle.print_layers`).

    Parameters
    ----------
    cases_gdf_filtered
        The cases the page shows now (after its filters), any declared CRS.
    extent
        (lon0, lat0, lon1, lat1) in CGCS2000/WGS84 degrees of the current view, or None for the
        extent of the cases.
    title
        图名 printed on the map.
    key
        A prefix unique on the page for the widget keys.
    area_name
        制图范围 text (e.g. 代县峨口镇; default the store's county, 代县全县).
    focus
        The township shown (drawn unshaded, the rest greyed), or None for the county.
    highlight
        A case id drawn with a heavy outline and labelled first (the case zoomed to).
    """
    with st.popover("导出地图（PNG/PDF）", icon=":material/download:"):
        c1, c2 = st.columns(2)
        size = c1.radio("纸张", ("A4", "A3"), key=f"{key}_size", horizontal=True)
        landscape = c2.radio("方向", ("横向", "纵向"), key=f"{key}_orient", horizontal=True) == "横向"
        dpi = st.select_slider("分辨率（dpi，仅 PNG）", DPI_CHOICES, value=150, key=f"{key}_dpi")
        choices = reference_choices(common.db_path(), common.version(), common.account_key())
        layers = st.multiselect("叠加参考图层", list(choices), format_func=choices.get, key=f"{key}_layers",
                                placeholder="不叠加") if choices else []
        st.caption(f"导出当前显示的 {len(cases_gdf_filtered)} 个案件与当前范围；含图名、图例、比例尺、指北针、"
                   "坐标系说明与制图单位" + ("；所选参考图层绘在案件之下并列入图例。" if layers else "。"))
        try:
            content = map_content(cases_gdf_filtered, title=title, area_name=area_name, focus=focus,
                                  highlight=highlight, layers=tuple(layers))
            b1, b2 = st.columns(2)
            for col, fmt in ((b1, "png"), (b2, "pdf")):
                col.download_button(
                    f"下载 {fmt.upper()}", data=snapshot_maker(content, extent=extent, fmt=fmt, size=size,
                                                             landscape=landscape, dpi=dpi),
                    file_name=f"{title}.{fmt}", mime=MIME[fmt], key=f"{key}_{fmt}", width="stretch",
                )
        except CasemapError as exc:
            common.show_error(exc)
