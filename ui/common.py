"""Shared UI helpers: the store, cached loaders keyed by the store's version, notes and errors."""

from __future__ import annotations

import os

import geopandas as gpd
import pandas as pd
import streamlit as st

from cases.service import check_store, get_store, store_notes
from cases.store import SQLiteStore, default_db_path

#: session_state keys, in one place.
KEY_USER = "user"


def db_path() -> str:
    """The store path this app instance uses ($CASEMAP_DB or data/casemap.db)."""
    return str(default_db_path(os.environ.get("CASEMAP_DB")))


@st.cache_resource(show_spinner=False)
def _store(path: str) -> SQLiteStore:
    return get_store(path)


def store() -> SQLiteStore:
    """The app's store (one connection per process, created with demo data on first run)."""
    return _store(db_path())


@st.cache_data(show_spinner=False)
def load_cases(path: str, version: int) -> gpd.GeoDataFrame:
    """All cases; cached per store version."""
    return _store(path).cases()


@st.cache_data(show_spinner=False)
def load_checks(path: str, version: int) -> pd.DataFrame:
    """Check results of all cases; cached per store version."""
    return check_store(_store(path))


@st.cache_data(show_spinner=False)
def load_layers(path: str, version: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """County, townships and permits; cached per store version."""
    s = _store(path)
    return s.county(), s.townships(), s.permits()


def version() -> int:
    """The store's data version (grows with every write)."""
    return store().data_version()


def show_notes() -> None:
    """Banners for demo data and the approximate township layer."""
    for note in store_notes(store()):
        st.warning(note, icon="⚠️")
