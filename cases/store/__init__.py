"""Case storage: one small interface, and its default backend in a single SQLite file.

Geometry is kept as WKB in CGCS2000 (EPSG:4490); spatial work is done in shapely, so nothing but
the Python standard library is needed to open a store (no SpatiaLite).  Every write runs in one
transaction: it lands whole or not at all.  ``PostGISStore`` keeps the same tables in a PostgreSQL database
with PostGIS (``postgresql://…``), running the same SQL through ``cases.sql.postgis``; ``open_store`` picks
the backend from the location.

The package's rooms: ``_schema`` (columns, value conversions, migrations by version), ``_location`` (where a
store is), ``_reading`` and ``_base`` (what both backends share: readers, then writers), ``_sqlite_store``,
``_postgis_store`` (with whole-store copies), ``_areas`` (each case's area, measured when saved), ``_photos`` (a store file's photo folder) and ``_open`` (the
protocol and :func:`open_store`).  Every name is imported from here: ``from cases.store import open_store``.
"""

from __future__ import annotations

from cases.store._areas import AREA_CHECK, AREA_COLUMN, AREA_CRS_ATTR
from cases.store._base import _text
from cases.store._location import DEFAULT_DB, ROOT, default_db_path, store_exists, store_location
from cases.store._open import CaseStore, open_store
from cases.store._photos import copy_photos, photo_folder
from cases.store._postgis_store import PostGISStore, copy_all, store_tables
from cases.store._schema import ADDED_CASE_COLUMNS, PG_UPGRADABLE_FROM, SCHEMA_VERSION, _migrations
from cases.store._sqlite_store import SQLiteStore

__all__ = [
    "ADDED_CASE_COLUMNS",
    "AREA_CHECK",
    "AREA_COLUMN",
    "AREA_CRS_ATTR",
    "DEFAULT_DB",
    "PG_UPGRADABLE_FROM",
    "ROOT",
    "SCHEMA_VERSION",
    "CaseStore",
    "PostGISStore",
    "SQLiteStore",
    "_migrations",
    "_text",
    "copy_all",
    "copy_photos",
    "default_db_path",
    "open_store",
    "photo_folder",
    "store_exists",
    "store_location",
    "store_tables",
]
