"""What the SQLite and PostgreSQL stores share, part two: every writer, on top of the readers."""

from __future__ import annotations

import json
import sqlite3
from operator import attrgetter
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from cases import audit
from cases.model import Case, Permit, case_diff, check_case, validate_case
from cases.store import _areas
from cases.store._reading import _SQLReading
from cases.store._schema import (
    _CASE_COLS,
    _DATE_COLS,
    _PERMIT_COLS,
    _TOWNSHIP,
    _from_db,
    _to_db,
    _township_key,
    _upsert_sql,
)
from cases.text import value_text
from geo.crs import STORAGE_CRS
from geo.errors import ConflictError, ValidationError

#: Values :func:`_to_db` returns unchanged outside the date columns (exactly these classes: not bool, not float).
_AS_IS = frozenset({str, int, type(None)})


def _text(v: Any) -> str | None:
    """A field value as audit-log text: None stays None (NULL); 1.5, True, 2019-07-15 and WKT as stored."""
    return None if v is None else value_text(v, floats="plain", bools=("True", "False"))


def _stamped(case: Case, **changes: Any) -> Case:
    """``case.with_changes(**changes)`` for the bookkeeping fields, without re-running the dataclass ``__init__``
    (Case has no ``__post_init__``; a copy with three attributes set is the same object ``replace`` builds)."""
    new = object.__new__(type(case))
    new.__dict__.update(case.__dict__, **changes)
    return new


class _SQLStore(_SQLReading):
    """What the SQLite and the PostgreSQL/PostGIS stores share: every reader and writer, in one SQL dialect.

    The SQL is SQLite's; the PostgreSQL connection translates it (``cases.sql.postgis``).  A backend supplies
    ``_conns`` (one connection per thread) and ``_begin`` (start a write transaction).  Geometry is written as
    plain WKB by both (a PostGIS ``geometry(Geometry, 4490)`` column gives it the column's SRID)."""

    # -- writing ----------------------------------------------------------------------------
    def log_event(self, *, user: str, action: str, detail: str = "", case_id: str | None = None) -> None:
        """Append one event (login, failed login, account change, export …) to the audit log."""
        with self._tx() as con:
            audit.append(con, [(self._now(), user, case_id, action, None, None, detail or None)])

    def _write_case(self, con: sqlite3.Connection, case: Case) -> None:
        self._write_cases(con, [case])

    def _write_cases(self, con: sqlite3.Connection, items: list[Case]) -> None:
        """Insert or replace ``items`` in one statement (one round trip to a server, pipelined), each with its area
        measured in the store's zone (:mod:`cases.store._areas`)."""
        if not items:
            return
        names = [f.name for f in _CASE_COLS]
        geoms = np.empty(len(items), dtype=object)
        geoms[:] = [c.geometry for c in items]
        areas = _areas.row_values(geoms, _areas.area_crs_text(con))
        wkb = shapely.to_wkb(geoms).tolist()  # one call for all (None stays None)
        get, dates = attrgetter(*names), [n in _DATE_COLS for n in names]
        rows = [[v if v.__class__ in _AS_IS and not d else _to_db(n, v) for n, d, v in zip(names, dates, get(case))]
                + [*area, blob] for case, area, blob in zip(items, areas, wkb)]
        con.executemany(_upsert_sql("cases", [*names, *(n for n, _ in _areas.AREA_COLUMNS)]), rows)

    def upsert_cases(self, items: list[Case], *, user: str, allow_unlocated: bool = False,
                     expected_versions: dict[str, int] | None = None, at: str | None = None) -> dict[str, list[str]]:
        """Add new cases and update existing ones (matched on case_id), all or nothing.

        ``allow_unlocated`` accepts cases without a position (未定位), as a ledger brings them.
        ``expected_versions`` maps case ids to the version the caller read them at (0: not in the store
        then); if any stored version differs, ConflictError names those cases and nothing is written.
        ``at`` (ISO time) dates the writes and their audit rows instead of now: init-demo records each demo
        case on its 发现时间, so the demo's bulletins of 2019 can be rebuilt (:mod:`cases.history`).
        Returns ``{"added": [...], "changed": [...], "unchanged": [...]}`` of case ids.
        """
        errs = [e for c in items for e in validate_case(c, require_location=not allow_unlocated)]
        if errs:
            raise ValidationError("；".join(errs))
        report: dict[str, list[str]] = {"added": [], "changed": [], "unchanged": []}
        now = at or self._now()
        with self._tx() as con:
            self._check_versions(con, expected_versions or {})
            known = self._cases_by_id(con, [c.case_id for c in items])  # one read, not one per case
            log: list[tuple] = []
            writes: dict[str, Case] = {}
            for case in items:
                old = known.get(case.case_id)
                diffs = case_diff(old, case) if old else {}
                if old is not None and not diffs:
                    report["unchanged"].append(case.case_id)
                    continue
                new = _stamped(case, version=(old.version + 1) if old else 1, updated_at=now, updated_by=user)
                known[case.case_id] = new
                writes[case.case_id] = new
                if old is None:
                    report["added"].append(case.case_id)
                    log.append((now, user, case.case_id, "create", None, None, None))
                else:
                    report["changed"].append(case.case_id)
                    log += [(now, user, case.case_id, "update", k, _text(a), _text(b)) for k, (a, b) in diffs.items()]
            self._write_cases(con, list(writes.values()))
            audit.append(con, log)  # chained in the order written, in one statement
        return report

    @staticmethod
    def _cases_by_id(con: sqlite3.Connection, ids: list[str]) -> dict[str, Case]:
        """The stored cases among ``ids``, by id (read in chunks of 500 ids)."""
        names = [f.name for f in _CASE_COLS]
        found: dict[str, Case] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            rows = con.execute(f"SELECT {', '.join(names)}, geom FROM cases WHERE case_id IN ({', '.join('?' * len(chunk))})",
                               chunk).fetchall()
            for row in rows:
                vals = {n: _from_db(n, v) for n, v in zip(names, row[:-1])}
                found[row[0]] = Case(**vals, geometry=shapely.from_wkb(row[-1]) if row[-1] else None)
        return found

    @staticmethod
    def _check_versions(con: sqlite3.Connection, expected: dict[str, int]) -> None:
        """Raise ConflictError naming every case whose stored version is not the expected one (0: absent)."""
        stale = []
        ids = list(expected)
        stored: dict[str, tuple] = {}
        for start in range(0, len(ids), 500):  # read in chunks of 500 ids, not one query per case
            chunk = ids[start:start + 500]
            stored.update((r[0], tuple(r[1:])) for r in con.execute(
                f"SELECT case_id, version, updated_by, updated_at FROM cases WHERE case_id IN ({', '.join('?' * len(chunk))})",
                chunk).fetchall())
        for cid, version in expected.items():
            row = stored.get(cid)
            have, who, when = row if row else (0, "", "")
            if have == version:
                continue
            if not row:
                stale.append(f"{cid}（读取后已被删除）")
            elif not version:
                stale.append(f"{cid}（读取时还没有，其后已由 {who or '他人'} 于 {when} 新增）")
            else:
                stale.append(f"{cid}（读取时为版本 {version}，其后已由 {who or '他人'} 于 {when} 修改为版本 {have}）")
        if stale:
            shown = "；".join(stale[:20]) + (f"；等共 {len(stale)} 个" if len(stale) > 20 else "")
            raise ConflictError(f"{len(stale)} 个案件在读取后已被他人修改：{shown}。为免覆盖他人的修改，本次未写入任何数据；"
                                "请重新读取（重新导入或重新载入）后再保存。")

    def delete_case(self, case_id: str, *, expected_version: int, user: str, reason: str) -> None:
        """Soft-delete one case: it leaves the case list but is kept whole (with who, when and why) and its
        history stays in the audit log.  ConflictError if it changed since ``expected_version`` was read."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(f"删除案件 {case_id} 需要填写删除原因")
        now = self._now()
        with self._tx() as con:
            self.get_case(case_id)  # ValidationError for an unknown id
            self._check_versions(con, {case_id: expected_version})
            # by name: an upgraded store's order differs
            cols = ", ".join([*(f.name for f in _CASE_COLS), "geom", *(n for n, _ in _areas.AREA_COLUMNS)])
            con.execute(f"INSERT INTO deleted_cases ({cols}, deleted_at, deleted_by, delete_reason)"
                        f" SELECT {cols}, ?, ?, ? FROM cases WHERE case_id = ?", (now, user, reason, case_id))
            con.execute("DELETE FROM cases WHERE case_id = ?", (case_id,))
            audit.append(con, [(now, user, case_id, "delete", None, None, reason)])

    def update_case(self, case_id: str, changes: dict[str, Any], *, expected_version: int, user: str) -> Case:
        """Apply ``changes`` to one case if nobody changed it since ``expected_version`` was read.

        Raises ConflictError (nothing written) when the stored version differs.
        """
        with self._tx() as con:
            old = self.get_case(case_id)
            if old.version != expected_version:
                raise ConflictError(
                    f"案件 {case_id} 已被 {old.updated_by or '他人'} 于 {old.updated_at} 修改（版本 {old.version}，"
                    f"您编辑的是版本 {expected_version}）；您的修改未保存，请刷新后重新编辑。"
                )
            new = check_case(old.with_changes(**changes), require_location=old.geometry is not None)
            diffs = case_diff(old, new)
            if not diffs:
                return old
            now = self._now()
            new = new.with_changes(version=old.version + 1, updated_at=now, updated_by=user)
            self._write_case(con, new)
            self._log(con, now, user, case_id, diffs)
        return new

    @staticmethod
    def _log(con: sqlite3.Connection, now: str, user: str, case_id: str, diffs: dict[str, tuple]) -> None:
        audit.append(con, [(now, user, case_id, "update", k, _text(a), _text(b)) for k, (a, b) in diffs.items()])

    def upsert_permits(self, items: list[Permit], *, user: str) -> dict[str, list[str]]:
        """Add or replace permits (matched on permit_no), all or nothing."""
        names = [f.name for f in _PERMIT_COLS]
        report: dict[str, list[str]] = {"added": [], "changed": []}
        with self._tx() as con:
            existing = {r[0] for r in con.execute("SELECT permit_no FROM permits")}
            for p in items:
                con.execute(_upsert_sql("permits", names), [*(_to_db(n, getattr(p, n)) for n in names), self._wkb(p.geometry)])
                report["changed" if p.permit_no in existing else "added"].append(p.permit_no)
            audit.append(con, [(self._now(), user, None, "permits", None, None, json.dumps(report, ensure_ascii=False))])
        return report

    def clear_cases_and_permits(self, *, user: str) -> None:
        """Delete every case, permit and photo row (used before refilling a demo store); the audit log keeps it.

        The photo rows go too, so a case made again under an old id does not show the old photos.  A store
        file's photo files stay in its photo folder: they are named by their content and may be needed again if
        the enclosing transaction is rolled back (a file is never removed inside a transaction)."""
        with self._tx() as con:
            n = con.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
            photos = con.execute("SELECT COUNT(*) FROM photos").fetchone()[0]
            con.execute("DELETE FROM cases")
            con.execute("DELETE FROM permits")
            con.execute("DELETE FROM photos")
            more = f"、{photos} 张现场照片的记录" if photos else ""
            audit.append(con, [(self._now(), user, None, "clear", None, None, f"清空 {n} 个案件{more}")])

    def replace_boundaries(self, layer: str, frame: gpd.GeoDataFrame, *, user: str, year: int | None = None) -> None:
        """Replace a boundary layer (``county`` or ``township``) with ``frame`` (name, approximate, source).

        For ``township`` every stored division goes and ``frame`` becomes the only one, valid from
        ``year`` (None: not stated).  :meth:`add_township_division` keeps the others.
        """
        if layer not in ("county", "township"):
            raise ValueError(f"layer must be 'county' or 'township', got {layer!r}")
        key = _township_key(year) if layer == _TOWNSHIP else layer
        with self._tx() as con:
            if layer == _TOWNSHIP:
                con.execute("DELETE FROM boundaries WHERE layer = ? OR layer LIKE ?", (_TOWNSHIP, f"{_TOWNSHIP}@%"))
            self._write_layer(con, key, frame, user=user, action=f"boundaries:{layer}", year=year)
            if layer == "county":  # a store without a recorded zone measures in its outline's
                _areas.fill(con)

    def add_township_division(self, frame: gpd.GeoDataFrame, *, year: int, user: str) -> None:
        """Store ``frame`` as the township division valid from ``year``, replacing only a layer of that same
        year: older divisions stay, so cases keep their history; the newest is the current one."""
        with self._tx() as con:
            self._write_layer(con, _township_key(year), frame, user=user, action="boundaries:township", year=year)

    def _write_layer(self, con: sqlite3.Connection, key: str, frame: gpd.GeoDataFrame, *, user: str, action: str,
                     year: int | None) -> None:
        frame = frame.to_crs(STORAGE_CRS)
        rows = [
            (key, str(n), int(bool(a)), str(s), self._wkb(g))
            for n, a, s, g in zip(frame["name"], frame["approximate"], frame["source"], frame.geometry.values)
        ]
        con.execute("DELETE FROM boundaries WHERE layer = ?", (key,))
        con.executemany("INSERT INTO boundaries (layer, name, approximate, source, geom) VALUES (?, ?, ?, ?, ?)", rows)
        when = f"，{year} 年起" if year else ""
        audit.append(con, [(self._now(), user, None, action, None, None,
                            f"{len(rows)} 个要素{when}，来源：{rows[0][3] if rows else ''}")])
