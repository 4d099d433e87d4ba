"""Shared UI helpers: the store, cached loaders keyed by the store's version, notes and errors."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from cases.accounts import Account
from cases.assignment import current_townships
from cases.county import County, county_of
from cases.demo import DEMO_USER, init_demo
from cases.io.files import max_import_bytes
from cases.model import FIELD_LABELS
from cases.permissions import GuardedStore, visible_cases
from cases.service import app_store, check_store, row_names, store_cases, store_divisions, store_notes
from cases.store import SQLiteStore, store_location
from cases.triage.layers import load_demo_layers
from geo.errors import CasemapError
from geo.webmap.assets import AssetUrls, inline_assets, served_assets
from geo.webmap.layers import GCJ02_WARNING, Basemap, basemaps
from ui import auth

#: session_state keys, in one place (the login token: ``ui.auth.KEY_TOKEN``).
KEY_SELECTED_CASE = "selected_case"
KEY_MAP_LAST_CLICK = "map_last_click"
KEY_DRAWN = "drawn_geometry"

#: Prefix of the non-widget copies of widget values kept for the session (see restore_widgets).
_KEPT = "kept__"


def restore_widgets(keys: tuple[str, ...] | list[str]) -> None:
    """Give widgets back the values they had when this page was last shown in this session.

    Streamlit deletes a widget's ``st.session_state`` entry when the widget is not drawn in a run (another
    page is shown), so a page's filters would reset after a visit elsewhere.  Call this before drawing
    the widgets and :func:`remember_widgets` after: the values live on under non-widget keys.
    """
    for key in keys:
        if key not in st.session_state and _KEPT + key in st.session_state:
            st.session_state[key] = st.session_state[_KEPT + key]


def remember_widgets(keys: tuple[str, ...] | list[str]) -> None:
    """Copy the widgets' current values to keys that outlive them (see :func:`restore_widgets`)."""
    for key in keys:
        if key in st.session_state:
            st.session_state[_KEPT + key] = st.session_state[key]


#: The repository's static/ folder (served at /app/static/ when server.enableStaticServing is on).
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def db_path() -> str:
    """The store this app instance uses ($CASEMAP_DB, a file or a postgresql:// address, or data/casemap.db)."""
    return str(store_location(os.environ.get("CASEMAP_DB")))


@st.cache_resource(show_spinner=False)
def _cached_store(path: str, code: str) -> SQLiteStore:
    return app_store(path, fill=_fill_demo)


def _fill_demo(store) -> None:
    """The first run's demo: cases, permits and the demo reference layers (示例数据), as ``init-demo`` makes it."""
    init_demo(store)
    load_demo_layers(store, user=DEMO_USER)


def _store(path: str) -> SQLiteStore:
    # Keyed by the loaded code too: when the code is updated while the app runs, Streamlit re-imports
    # the changed modules; a store made by the old ones would raise the old error classes, which the
    # re-imported pages' ``except ConflictError`` would not catch (a raw traceback instead of a message).
    return _cached_store(path, f"{id(SQLiteStore)}-{id(CasemapError)}")


def raw_store() -> SQLiteStore:
    """The app's store itself, for logging in (one per process; each thread gets its own connection;
    created with demo data on first run).  Pages use :func:`store`."""
    return _store(db_path())


def account() -> Account:
    """The logged-in account of this browser session; without one, the login form is shown and the run stops."""
    raw = raw_store()
    found = auth.current_account(raw)
    if found is None:
        auth.login_page(raw)
        st.stop()
    return found


def county() -> County:
    """The store's county (name, zone, CRS): what a page says about "the county" comes from here, never from code."""
    return county_of(raw_store())


def store() -> GuardedStore:
    """The store as the logged-in account may see and change it (roles are checked in the domain)."""
    return GuardedStore(raw_store(), account())


def account_key() -> str:
    """What a cached result depends on besides the data: the account's role and township."""
    acc = account()
    return f"{acc.role}:{acc.township or ''}"


@st.cache_data(show_spinner=False)
def _all_cases(path: str, version: int) -> gpd.GeoDataFrame:
    return _store(path).cases()


@st.cache_data(show_spinner=False)
def _all_checks(path: str, version: int) -> pd.DataFrame:
    return check_store(_store(path))


@st.cache_data(show_spinner=False)
def _all_current(path: str, version: int) -> np.ndarray:
    return current_townships(_store(path), _all_cases(path, version))


def load_cases(path: str, version: int) -> gpd.GeoDataFrame:
    """The cases the logged-in account may read (a township account: those of its township in the current
    division); the full table is cached per store version."""
    acc = account()
    if acc.role != "township":
        return _all_cases(path, version)
    return visible_cases(acc, _all_cases(path, version), current=_all_current(path, version))


def load_checks(path: str, version: int) -> pd.DataFrame:
    """Check results of the cases the logged-in account may read (cached per store version)."""
    checks = _all_checks(path, version)
    return checks[checks["case_id"].isin(set(load_cases(path, version)["case_id"]))]


@st.cache_data(show_spinner=False)
def load_layers(path: str, version: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """County, townships and permits; cached per store version."""
    s = _store(path)
    return s.county(), s.townships(), s.permits()


@st.cache_data(show_spinner=False)
def _division(path: str, version: int, year: int | None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    return store_cases(_store(path), year=year)


@st.cache_data(show_spinner=False)
def division_years(path: str, version: int) -> list[int]:
    """The years the store's township divisions are valid from (0: not stated), oldest first."""
    return _store(path).township_years()


def load_division(path: str, version: int, year: int | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The cases the logged-in account may read, each in its township of the division in force in ``year``
    (default: the current one; ``declared_township`` as declared), and that division's township layer."""
    cases, layer = _division(path, version, year)
    return cases[cases["case_id"].isin(set(load_cases(path, version)["case_id"]))], layer


def township_names(path: str, version: int) -> list[str]:
    """The townships of the current division, in layer order (without a township layer: the declared ones)."""
    return row_names(load_cases(path, version), load_layers(path, version)[1])


def township_scope(path: str, version: int) -> list[str]:
    """The townships the logged-in account may choose as an output's scope: a township account its own only."""
    me = account()
    return [me.township] if me.role == "township" and me.township else township_names(path, version)


@st.cache_data(show_spinner=False)
def _older_names(path: str, version: int) -> list[str]:
    data = store_divisions(_store(path))
    return list(data.known_names()) if data is not None else []


def township_choices(path: str, version: int) -> list[str]:
    """The current division's townships, then those of older divisions (a case keeps its declared one)."""
    names = township_names(path, version)
    return names + [n for n in _older_names(path, version) if n not in names]


class PageData(NamedTuple):
    """What a map page draws: cases, their check results and the layers (all cached per store version)."""

    cases: gpd.GeoDataFrame
    checks: pd.DataFrame
    county: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame
    permits: gpd.GeoDataFrame


def page_data() -> PageData:
    """Cases (each in its township of the current division), checks and layers of the app's store, from the
    version-keyed caches."""
    path, ver = db_path(), version()
    return PageData(load_division(path, ver)[0], load_checks(path, ver), *load_layers(path, ver))


def version() -> int:
    """The store's data version (grows with every write)."""
    return store().data_version()


def show_notes() -> None:
    """Banners for demo data and the approximate township layer."""
    for note in store_notes(store()):
        st.warning(note, icon=":material/warning:")


# -- maps: offline assets and basemaps ------------------------------------------------------

def _static_serving_ok() -> bool:
    """True when Streamlit serves static/*.js and *.css with their real MIME types.

    Older (Tornado) Streamlit sends them as text/plain with ``nosniff``, and a Windows registry can
    map .js to text/plain; browsers then refuse them, so the assets are inlined instead.
    """
    try:
        from streamlit.web.server import app_static_file_handler as handler  # Streamlit < 1.50
    except ImportError:
        handler = None
    if handler is not None and ".js" not in getattr(handler, "SAFE_APP_STATIC_FILE_EXTENSIONS", ()):
        return False
    if not st.get_option("server.enableStaticServing"):
        return False
    return (mimetypes.guess_type("a.js")[0] in ("text/javascript", "application/javascript")
            and mimetypes.guess_type("a.css")[0] == "text/css")


@st.cache_resource(show_spinner=False)
def _inline_assets() -> AssetUrls:
    return inline_assets(lambda rel: (STATIC_DIR / rel).read_bytes())


def map_assets() -> AssetUrls:
    """Where maps load Leaflet & co. from: served by Streamlit, or inlined ($CASEMAP_ASSETS=served|inline)."""
    mode = os.environ.get("CASEMAP_ASSETS", "").strip().lower()
    if mode == "inline" or (mode != "served" and not _static_serving_ok()):
        return _inline_assets()
    return served_assets()


def available_basemaps() -> dict[str, Basemap | None]:
    """Basemaps offered: none (offline), a local tile server ($CASEMAP_TILE_URL), OSM, Tianditu ($CASEMAP_TIANDITU_KEY)."""
    return basemaps(tianditu_key=os.environ.get("CASEMAP_TIANDITU_KEY", ""),
                    custom_url=os.environ.get("CASEMAP_TILE_URL", ""))


def basemap_picker(*, key: str) -> Basemap | None:
    """A sidebar choice of basemap, with the GCJ-02 warning."""
    options = available_basemaps()
    name = st.sidebar.selectbox("底图", list(options), key=key,
                                help="默认不加载底图，离线可用。天地图需在环境变量 CASEMAP_TIANDITU_KEY 中设置密钥。")
    st.sidebar.caption(GCJ02_WARNING)
    return options[name]


# -- Chinese only ----------------------------------------------------------------------------

def chinese_widgets() -> None:
    """Replace the English texts Streamlit's file uploader draws (button, size limit) by Chinese ones.

    Streamlit 1.67 has no option for them: the English spans are hidden by CSS and the Chinese shown
    instead, with the size limit taken from ``server.maxUploadSize`` (the import limit, 50 MB).  Only the
    empty uploader's button is relabelled: a chosen file's remove (×) and add (+) buttons keep their icons.
    """
    limit = min(int(st.get_option("server.maxUploadSize")), max_import_bytes() // (1024 * 1024))
    st.html(f"""<style>
[data-testid="stFileUploaderDropzoneInstructions"] > * {{ display: none; }}
[data-testid="stFileUploaderDropzoneInstructions"]::before {{
  content: "拖放文件到这里，或单击按钮选择文件；单个文件不超过 {limit} MB"; font-size: 0.875rem; opacity: 0.7; }}
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] > * {{ display: none; }}
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]::after {{ content: "选择文件"; }}
</style>""")


# -- user and errors ------------------------------------------------------------------------

def user_name() -> str:
    """The logged-in account's name (the store records it in the audit log whatever a page passes)."""
    return account().name


def read_only(what: str) -> bool:
    """True for a read-only account, after telling it in Chinese that it cannot ``what`` (e.g. 导入台账)."""
    if account().role != "readonly":
        return False
    st.info(f"只读账号只能查看，不能{what}；需要时请联系领导组（县级）账号。", icon=":material/visibility:")
    return True


def show_error(exc: CasemapError) -> None:
    """Show a casemap error (already in Chinese) to the user."""
    st.error(str(exc), icon=":material/block:")


# -- shown values ---------------------------------------------------------------------------

#: Audit-log field names that are not case fields, in Chinese.
_OTHER_FIELDS = {"geometry": "位置", "user": "账号"}
#: Yes/no values as the store writes them into the audit log, in Chinese.
_YES_NO = {"True": "是", "False": "否"}


def field_label(name: object) -> str:
    """The Chinese label of a case field named in the audit log (empty for none; unknown names unchanged)."""
    if not isinstance(name, str) or not name:
        return ""
    return FIELD_LABELS.get(name) or _OTHER_FIELDS.get(name, name)


def shown_value(value: object) -> str:
    """A value from the audit log as text for inspectors: 是/否 for yes/no, empty for none."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value)
    return _YES_NO.get(text, text)


def shown_time(value: object) -> str:
    """A stored ISO time ``2019-06-28T09:00:00`` as ``2019-06-28 09:00:00`` (empty or ``—`` unchanged)."""
    return "" if value is None else str(value).replace("T", " ", 1)
