"""What the SQLite and PostgreSQL stores share, part one: connections, transactions, metadata and every reader."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from cases import audit
from cases.model import Case
from cases.store import _areas
from cases.store._schema import (
    _BOOL_COLS,
    _CASE_COLS,
    _DATE_COLS,
    _PERMIT_COLS,
    _TOWNSHIP,
    _from_db,
    _township_key,
    _township_year,
)
from geo.crs import STORAGE_CRS
from geo.errors import ValidationError


class _SQLReading:
    """Connections, transactions, metadata and the readers of :class:`cases.store._base._SQLStore` (its first half)."""

    path: Path | str
    _conns: Any

    @staticmethod
    def _wkb(geometry: Any) -> bytes | None:
        return None if geometry is None else shapely.to_wkb(geometry)

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def _con(self) -> sqlite3.Connection:
        """This thread's connection (each thread has its own, opened on first use)."""
        return self._conns.get()

    def close(self) -> None:
        """Close this thread's connection (another use opens a new one)."""
        self._conns.close()

    def close_all(self) -> None:
        """Close every thread's connection (when no thread uses the store any more)."""
        self._conns.close_all()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on this thread's connection: ``_begin`` (waiting up to the busy timeout
        for another writer) … COMMIT, rolled back on any error.  Inside another transaction of this thread
        it is a SAVEPOINT: it lands or is undone with the outer one, and an error undoes only its own part."""
        con = self._con
        if con.in_transaction:
            con.execute("SAVEPOINT casemap_nested")
            try:
                yield con
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK TO casemap_nested")
                    con.execute("RELEASE casemap_nested")
                raise
            con.execute("RELEASE casemap_nested")
            return
        self._begin(con)
        try:
            yield con
            con.execute(
                "INSERT INTO meta VALUES ('data_version', '1') ON CONFLICT(key) DO UPDATE"
                " SET value = CAST(meta.value AS INTEGER) + 1"
            )
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise

    # -- meta -------------------------------------------------------------------------------
    def data_version(self) -> int:
        """A number that grows with every write: a cache key for readers."""
        return int(self.get_meta("data_version", "0"))

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """Read one metadata value."""
        row = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, items: dict[str, str]) -> None:
        """Write metadata values in one transaction."""
        with self._tx() as con:
            con.executemany("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                            list(items.items()))
            if set(items) & set(_areas.ZONE_META_KEYS):  # another county or zone: areas measured again, in this transaction
                _areas.fill(con)

    # -- reading ----------------------------------------------------------------------------
    def _frame(self, sql: str, names: list[str], params: tuple = ()) -> gpd.GeoDataFrame:
        rows = self._con.execute(sql, params).fetchall()
        df = pd.DataFrame([r[:-1] for r in rows], columns=names)
        for name in names:
            if name in _DATE_COLS:
                df[name] = pd.to_datetime(df[name], errors="coerce").dt.date.where(df[name].notna(), None)
            elif name in _BOOL_COLS:
                df[name] = df[name].astype(bool)
        geom = shapely.from_wkb([r[-1] for r in rows]) if rows else []
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, crs=STORAGE_CRS), crs=STORAGE_CRS)

    def cases(self) -> gpd.GeoDataFrame:
        """All cases, one row each, every field plus geometry (CGCS2000) and the stored area (:mod:`cases.store._areas`)."""
        return self._with_areas("cases", [f.name for f in _CASE_COLS], "case_id")

    def _with_areas(self, table: str, names: list[str], order: str) -> gpd.GeoDataFrame:
        """Rows of ``table`` (``names`` then geometry) with the frame's area columns and ``attrs``, read together."""
        kept = [n for n, _ in _areas.AREA_COLUMNS]
        with self.snapshot():
            current = _areas.area_crs_text(self._con)
            frame = self._frame(f"SELECT {', '.join([*names, *kept])}, geom FROM {table} ORDER BY {order}", [*names, *kept])
        area, check = _areas.frame_values(frame.geometry.values, frame.pop(kept[0]).tolist(),
                                          frame.pop(kept[1]).tolist(), current)
        frame[_areas.AREA_COLUMN], frame[_areas.AREA_CHECK] = area, check
        frame = frame[[*names, _areas.AREA_COLUMN, _areas.AREA_CHECK, "geometry"]]
        frame.attrs[_areas.AREA_CRS_ATTR] = current
        return frame

    def get_case(self, case_id: str) -> Case:
        """One case by id; ValidationError when there is none."""
        names = [f.name for f in _CASE_COLS]
        row = self._con.execute(f"SELECT {', '.join(names)}, geom FROM cases WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise ValidationError(f"案件库中没有编号为「{case_id}」的案件")
        vals = {n: _from_db(n, v) for n, v in zip(names, row[:-1])}
        return Case(**vals, geometry=shapely.from_wkb(row[-1]) if row[-1] else None)

    def permits(self) -> gpd.GeoDataFrame:
        """All mining permits with their licensed areas (CGCS2000)."""
        names = [f.name for f in _PERMIT_COLS]
        return self._frame(f"SELECT {', '.join(names)}, geom FROM permits ORDER BY permit_no", names)

    def _layer(self, layer: str) -> gpd.GeoDataFrame:
        df = self._frame(
            "SELECT name, approximate, source, geom FROM boundaries WHERE layer = ? ORDER BY rowid",
            ["name", "approximate", "source"], (layer,),
        )
        df["approximate"] = df["approximate"].astype(bool)
        return df

    def township_years(self) -> list[int]:
        """The years the stored township layers (divisions) are valid from, oldest first (0: not stated)."""
        rows = self._con.execute("SELECT DISTINCT layer FROM boundaries WHERE layer = ? OR layer LIKE ?",
                                 (_TOWNSHIP, f"{_TOWNSHIP}@%")).fetchall()
        return sorted(_township_year(r[0]) for r in rows)

    def townships(self, *, year: int | None = None) -> gpd.GeoDataFrame:
        """The township layer of the division in force in ``year`` (default: the newest, the current one).

        ``approximate`` says whether it is the shipped sketch; ``attrs["valid_from"]`` holds the year the
        layer is valid from (0: not stated).  ValidationError for a year before every stored layer.
        """
        years = self.township_years()
        valid = [y for y in years if year is None or y <= year]
        if years and not valid:
            raise ValidationError(f"案件库中的乡镇界线最早从 {years[0]} 年起，没有 {year} 年的乡镇界线；"
                                  f"可选的区划年份：{'、'.join(map(str, years))}")
        chosen = valid[-1] if valid else 0
        frame = self._layer(_township_key(chosen))
        frame.attrs["valid_from"] = chosen
        return frame

    def county(self) -> gpd.GeoDataFrame:
        """The county outline (one row)."""
        return self._layer("county")

    def audit(self, *, case_id: str | None = None, since: str | None = None) -> pd.DataFrame:
        """The audit log (who, when, field, old, new), oldest first, optionally for one case / since a time."""
        sql, params = "SELECT at, user, case_id, action, field, old, new FROM audit WHERE 1=1", []
        if case_id:
            sql += " AND case_id = ?"
            params.append(case_id)
        if since:
            sql += " AND at >= ?"
            params.append(since)
        rows = self._con.execute(sql + " ORDER BY id", params).fetchall()
        return pd.DataFrame(rows, columns=["at", "user", "case_id", "action", "field", "old", "new"])

    def audit_problems(self) -> list[str]:
        """Broken links of the audit hash chain (Chinese); empty when the log is intact."""
        return audit.verify(self._con)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction (BEGIN … COMMIT, one writer at a time, rolled back on error) for the store's own tables."""
        return self._tx()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of a read-only SQL query on the store's own tables."""
        return self._con.execute(sql, params).fetchall()

    @staticmethod
    def _now() -> str:
        return dt.datetime.now().isoformat(timespec="seconds")

    def deleted_case_rows(self) -> gpd.GeoDataFrame:
        """Every kept copy of a deleted case, whole (fields, geometry, ``deleted_at``), oldest deletion first."""
        names = [f.name for f in _CASE_COLS] + ["deleted_at"]
        return self._with_areas("deleted_cases", names, "deleted_at")

    def deleted_cases(self) -> pd.DataFrame:
        """Deleted cases (id, township, summary, who deleted them, when, why), newest first."""
        rows = self._con.execute("SELECT case_id, township, summary, deleted_at, deleted_by, delete_reason"
                                 " FROM deleted_cases ORDER BY deleted_at DESC").fetchall()
        return pd.DataFrame(rows, columns=["case_id", "township", "summary", "deleted_at", "deleted_by", "reason"])
