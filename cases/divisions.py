"""Township divisions of a county over time, read from ``data/divisions/<county code>.json``.

A county's township list is data, not code: each division (区划) lists its townships with their
national statistics codes (统计用区划代码, 9 digits; empty where not confirmed) and the year it is
valid from, and a change table says which townships were renamed or merged into which (滩上镇 +
峪口乡 → 峪口镇).  Names are translated between divisions by that table alone; where it gives no
single answer (a township split, or a merged one seen in the older division) the caller decides by
position (:func:`cases.service.in_division`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geo.errors import LedgerFormatError, ValidationError

DIVISION_DIR = Path(__file__).resolve().parent.parent / "data" / "divisions"
_CODE = re.compile(r"^\d{9}$")


@dataclass(frozen=True)
class Township:
    """One township of a division: name, statistics code ("" when not confirmed), seat (lon, lat) if known."""

    name: str
    code: str = ""
    seat: tuple[float, float] | None = None


@dataclass(frozen=True)
class Division:
    """The townships of a county from the year ``valid_from`` on, in their listed order."""

    valid_from: int
    townships: tuple[Township, ...]
    note: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Township names in listed order."""
        return tuple(t.name for t in self.townships)

    @property
    def seats(self) -> dict[str, tuple[float, float]]:
        """Seats (镇/乡政府驻地, lon/lat CGCS2000) of the townships that have one, in listed order."""
        return {t.name: t.seat for t in self.townships if t.seat is not None}


@dataclass(frozen=True)
class Change:
    """A rename or merge taking effect in ``year``: ``sources`` become ``target``."""

    year: int
    sources: tuple[str, ...]
    target: str
    kind: str = ""


@dataclass(frozen=True)
class CountyDivisions:
    """Every division of one county (oldest first) and the changes between them (oldest first)."""

    county: str
    code: str
    divisions: tuple[Division, ...]
    changes: tuple[Change, ...]

    @property
    def current(self) -> Division:
        """The newest division."""
        return self.divisions[-1]

    def at(self, year: int) -> Division:
        """The division in force in ``year`` (the newest valid from that year or earlier).

        Raises ValidationError for a year before the first division the data knows.
        """
        valid = [d for d in self.divisions if d.valid_from <= year]
        if not valid:
            raise ValidationError(f"{self.county}的区划数据从 {self.divisions[0].valid_from} 年起，没有 {year} 年的区划")
        return valid[-1]

    def matching(self, names: Iterable[str]) -> Division | None:
        """The newest division whose townships are exactly ``names`` (any order), else None."""
        want = set(names)
        return next((d for d in reversed(self.divisions) if set(d.names) == want), None)

    def containing(self, names: Iterable[str]) -> Division | None:
        """The newest division holding every one of ``names``, else None."""
        want = set(names)
        return next((d for d in reversed(self.divisions) if want <= set(d.names)), None)

    def known_names(self) -> tuple[str, ...]:
        """Every township name of any division: the newest division's first, then older names."""
        known = self.__dict__.get("_known_names")
        if known is None:  # asked once per ledger row: worked out once (not a field: equality is unchanged)
            known = tuple(dict.fromkeys(n for d in reversed(self.divisions) for n in d.names))
            object.__setattr__(self, "_known_names", known)
        return known

    def code_of(self, name: str) -> str:
        """The statistics code of ``name`` in the newest division that has it ("" if none)."""
        return next((t.code for d in reversed(self.divisions) for t in d.townships if t.name == name), "")

    def candidates(self, name: str, names: Sequence[str]) -> tuple[str, ...]:
        """Where township ``name`` (of any division) lies among ``names`` (another division's), by the change table.

        ``name`` itself if listed; else its successor (renames and merges followed forward in time) if
        listed; else its listed predecessors (峪口镇 among the 2018 names: 滩上镇 and 峪口乡).  Empty
        when the table does not connect them.
        """
        target = set(names)
        if name in target:
            return (name,)
        forward = next((n for n in self._successors(name) if n in target), None)
        if forward is not None:
            return (forward,)
        return tuple(n for n in self._predecessors(name) if n in target)

    def translate(self, name: str, names: Sequence[str], *, hint: str | None = None) -> str | None:
        """The one township of ``names`` that ``name`` became or came from; ``hint`` settles several; else None."""
        found = self.candidates(name, names)
        if len(found) == 1:
            return found[0]
        return hint if hint in found else None

    def _successors(self, name: str) -> list[str]:
        out, current = [], name
        for ch in self.changes:
            if current in ch.sources and ch.target != current:
                current = ch.target
                out.append(current)
        return out

    def _predecessors(self, name: str) -> list[str]:
        out: list[str] = []
        todo = [name]
        while todo:
            n = todo.pop(0)
            for ch in reversed(self.changes):
                if ch.target == n:
                    for s in ch.sources:
                        if s != n and s != name and s not in out:
                            out.append(s)
                            todo.append(s)
        return out


def county_divisions(county: str) -> CountyDivisions | None:
    """The divisions of ``county`` (its name, e.g. 代县, or its 6-digit code), or None when there is no data file."""
    county = str(county or "").strip()
    if not county:
        return None
    try:
        folder_mtime = DIVISION_DIR.stat().st_mtime_ns
    except OSError:
        return None
    # A ledger import asks once per row: remember which file holds the county while the folder is unchanged
    # (a file edited in place is still re-read: _read is keyed by its mtime).
    key = (county, str(DIVISION_DIR), folder_mtime)
    if key in _FOUND:
        path = _FOUND[key]
        return None if path is None else _read(str(path), path.stat().st_mtime_ns)
    direct = DIVISION_DIR / f"{county}.json"
    paths = [direct] if direct.is_file() else sorted(DIVISION_DIR.glob("*.json"))
    found = None
    for path in paths:
        data = _read(str(path), path.stat().st_mtime_ns)
        if county in (data.county, data.code):
            found = path
            break
    if len(_FOUND) > 64:
        _FOUND.clear()
    _FOUND[key] = found
    return None if found is None else _read(str(found), found.stat().st_mtime_ns)


#: (county, folder, folder mtime) → the division file of that county, or None when there is none.
_FOUND: dict[tuple[str, str, int], Path | None] = {}


def read_divisions(path: str | Path) -> CountyDivisions:
    """Read and check one division file; LedgerFormatError (Chinese, naming the file and the entry) when bad."""
    path = Path(path)
    return _read(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _read(path: str, mtime_ns: int) -> CountyDivisions:
    name = Path(path).name
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        county, code = str(raw["county"]), str(raw["code"])
        divisions = tuple(sorted((_division(d) for d in raw["divisions"]), key=lambda d: d.valid_from))
        changes = tuple(sorted((Change(int(c["year"]), tuple(map(str, c["from"])), str(c["to"]), str(c.get("kind", "")))
                                for c in raw.get("changes", [])), key=lambda c: c.year))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LedgerFormatError(f"区划数据文件 {name} 无法读取或格式不对：{exc}") from exc
    problems = _problems(divisions, changes, code)
    if problems:
        raise LedgerFormatError(f"区划数据文件 {name} 有误：{'；'.join(problems)}")
    return CountyDivisions(county, code, divisions, changes)


def _division(raw: dict) -> Division:
    towns = tuple(Township(str(t["name"]).strip(), str(t.get("code") or "").strip(),
                           tuple(map(float, t["seat"])) if t.get("seat") else None) for t in raw["townships"])
    return Division(int(raw["valid_from"]), towns, str(raw.get("note", "")))


def _problems(divisions: tuple[Division, ...], changes: tuple[Change, ...], county_code: str) -> list[str]:
    out = []
    if not divisions:
        out.append("没有任何区划（divisions 为空）")
    years = [d.valid_from for d in divisions]
    out += [f"{y} 年的区划出现多次" for y in sorted({y for y in years if years.count(y) > 1})]
    known = {n for d in divisions for n in d.names}
    for d in divisions:
        names = d.names
        out += [f"{d.valid_from} 年区划中乡镇「{n}」重复" for n in sorted({n for n in names if names.count(n) > 1})]
        out += [f"{d.valid_from} 年区划中乡镇名称为空" for n in names if not n]
        out += [f"{d.valid_from} 年区划中「{t.name}」的代码「{t.code}」应为以 {county_code} 开头的 9 位数字（未核实的留空）"
                for t in d.townships if t.code and not (_CODE.match(t.code) and t.code.startswith(county_code))]
    for c in changes:
        out += [f"{c.year} 年变更中的「{n}」不是任何区划中的乡镇" for n in (*c.sources, c.target) if n not in known]
    return out
