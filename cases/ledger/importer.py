"""Ledger import: 附件2/附件3 workbooks (xlsx/xls), flat tables and CSV → cases, all or nothing.

:func:`read_ledger` finds every ledger sheet of a file, turns each data row into a Case and
collects every error with its Excel row number and column; :func:`import_ledger` writes the cases
with ``store.upsert_cases`` only when no row is bad (``dry_run`` only reports what would change).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from cases.county import DAIXIAN, County, county_of
from cases.io.exchange import read_geo_table
from cases.ledger.layout import (
    COUNT_FIELDS,
    GEOMETRY_REF,
    GEOMETRY_SHEET,
    LABELS,
    Layout,
    column_letter,
    find_layout,
    normalise_label,
)
from cases.ledger.read import Grid, read_workbook
from cases.ledger.rows import LedgerRow, RowResult, case_id_for, lonlat_points, row_to_case
from cases.ledger.values import blank, to_text, to_township, township_in
from cases.model import FIELD_LABELS, KINDS, Case, case_diff
from cases.store import CaseStore
from geo.errors import LedgerCellError, LedgerFormatError, RowErrors, ValidationError

Progress = Callable[[float, str], None]
GEO_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".zip", ".kml", ".kmz")
_SKIP_SEQ = {"合计", "小计", "总计", "合 计"}


@dataclass
class ParsedLedger:
    """Rows read from one file: each row's result, the file's errors and notes, and the sheets found."""

    source: str
    results: list[tuple[LedgerRow, RowResult]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sheets: list[dict[str, Any]] = field(default_factory=list)
    #: File-level errors that belong to one row ((sheet, Excel row) → errors), so the preview can mark that row.
    row_errors: dict[tuple[str, int], list[str]] = field(default_factory=dict)

    def row_error(self, sheet: str, row: int, message: str) -> None:
        """Record an error found outside the row's own conversion (formula, merge, duplicate) for that row."""
        self.errors.append(message)
        self.row_errors.setdefault((sheet, row), []).append(message)

    @property
    def cases(self) -> list[Case]:
        """The cases of rows without errors."""
        return [r.case for _, r in self.results if r.case is not None]

    @property
    def all_errors(self) -> list[str]:
        """File-level errors followed by every row's errors."""
        return self.errors + [e for _, r in self.results for e in r.errors]

    def preview(self) -> pd.DataFrame:
        """One row per ledger row: sheet, Excel row, id, township, category, summary, problems."""
        recs = []
        for row, res in self.results:
            c = res.case
            recs.append({
                "工作表": row.sheet, "行号": row.row, "案件编号": c.case_id if c else to_text(row.values.get("case_id")),
                "类型": KINDS.get(row.kind, row.kind), "责任乡镇": c.township if c else "",
                "违法类别": c.category if c else None, "办理状态": c.status if c else "",
                "基本情况（摘要）": to_text(row.values.get("summary")),
                "位置": (c.geometry.geom_type if c.geometry is not None else "未定位") if c else "",
                "摘要未识别": "、".join(res.missing),
                "错误": "\n".join(self.row_errors.get((row.sheet, row.row), []) + res.errors), "提示": "\n".join(res.notes),
            })
        return pd.DataFrame(recs, columns=["工作表", "行号", "案件编号", "类型", "责任乡镇", "违法类别", "办理状态",
                                           "基本情况（摘要）", "位置", "摘要未识别", "错误", "提示"])


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    parsed: ParsedLedger
    added: list[str]
    changed: dict[str, list[str]]  # case id → Chinese labels of changed fields
    unchanged: list[str]
    dry_run: bool

    def summary(self) -> str:
        """One Chinese sentence for the CLI and the UI."""
        verb = "将导入" if self.dry_run else "已导入"
        return (f"{verb} {len(self.parsed.cases)} 个案件：新增 {len(self.added)} 个，变更 {len(self.changed)} 个，"
                f"未变 {len(self.unchanged)} 个" + ("（试运行，未写入）" if self.dry_run else ""))


def read_ledger(path: str | os.PathLike, *, kind: str | None = None, geometry: str | os.PathLike | None = None,
                key: str | None = None, existing: Callable[[str], Case | None] | None = None,
                county: shapely.Geometry | None = None, max_bytes: int | None = None,
                progress: Progress | None = None, division: County = DAIXIAN) -> ParsedLedger:
    """Read a ledger file (xlsx/xls/csv, or a casemap geodata export) into cases and row errors.

    Nothing is written.  ``existing`` looks up stored cases by id (their geometry and the values of
    columns the file lacks are kept); ``county`` is the outline a position must touch; coordinates are read in
    the zone and box of ``division`` (the store's county, default 代县).
    """
    path = Path(path)
    if kind is not None and kind not in KINDS:
        raise LedgerFormatError(f"--kind 应为 land（用地）或 mining（采矿），而不是「{kind}」")
    existing = existing or (lambda _id: None)
    tick = progress or (lambda f, m: None)
    tick(0.0, f"读取 {path.name}")
    if path.suffix.lower() in GEO_SUFFIXES:
        grids, notes = features_to_grid(path, max_bytes=max_bytes, division=division)
    else:
        wb = read_workbook(path, max_bytes=max_bytes)
        grids, notes = wb.sheets, wb.notes
    parsed = ParsedLedger(path.name, notes=list(notes))
    geo_by_key = _geofile_index(geometry, key, parsed, max_bytes, division) if geometry else None
    geom_sheet = _geometry_sheet(grids)
    found = []
    for grid in grids:
        if grid.name == GEOMETRY_SHEET:
            continue
        lay = find_layout(grid)
        if lay is None:
            if any(not blank(v) for row in grid.rows for v in row):
                parsed.notes.append(f"工作表「{grid.name}」中没有台账表头，已跳过")
            continue
        sheet_kind = _sheet_kind(grid, lay, kind, parsed)
        if sheet_kind:
            found.append((grid, lay, sheet_kind))
    if not found and not parsed.errors:
        skipped = [n.removesuffix("，已跳过") for n in parsed.notes if "与 --kind" in n]
        other = next((k for k in KINDS if k != kind), "")
        parsed.errors.append("；".join(skipped) + f"；文件中没有{KINDS.get(kind, '')}清单，请改用 --kind {other} 或不指定 --kind"
                             if skipped else _no_ledger_message(path, grids))
    rows: list[LedgerRow] = []
    for grid, lay, sheet_kind in found:
        rows += _rows(grid, lay, sheet_kind, parsed, geom_sheet)
    _attach_geofile(rows, geo_by_key, parsed)
    _check_duplicates(rows, parsed)
    points = lonlat_points(rows, county=county, division=division)  # the sheet's 经度/纬度 checked at once
    for i, row in enumerate(rows):
        parsed.results.append((row, row_to_case(row, existing=existing, county=county, division=division,
                                                point=points[i])))
        if i % 20 == 0:
            tick(0.1 + 0.8 * i / max(len(rows), 1), f"解析第 {row.row} 行")
    _check_duplicate_ids(parsed)
    if len({grid.name for grid, _lay, _k in found}) > 1:
        _name_sheets(parsed)
    tick(0.9, "解析完成")
    return parsed


def _name_sheets(parsed: ParsedLedger) -> None:
    """With several ledger sheets, "第 8 行…" messages name their sheet: "工作表「附件3」第 8 行…"."""
    def named(sheet: str, msgs: list[str]) -> list[str]:
        return [f"工作表「{sheet}」{m}" if m.startswith("第 ") else m for m in msgs]

    renamed: dict[str, str] = {}
    for (sheet, row), msgs in parsed.row_errors.items():
        new = named(sheet, msgs)
        renamed.update(zip(msgs, new))
        parsed.row_errors[(sheet, row)] = new
    parsed.errors = [renamed.get(e, e) for e in parsed.errors]
    for row, res in parsed.results:
        res.errors, res.notes = named(row.sheet, res.errors), named(row.sheet, res.notes)


def _no_ledger_message(path: Path, grids: list[Grid]) -> str:
    if not grids or all(blank(v) for g in grids for row in g.rows for v in row):
        return f"{path.name} 中没有数据（所有工作表都是空的）"
    first = next((row for g in grids for row in g.rows if any(not blank(v) for v in row)), [])
    shown = "、".join(to_text(v) for v in first if not blank(v))[:80]
    return (f"{path.name} 不是附件2/附件3 台账：前 40 行中找不到“序号”“基本情况（摘要）”“查处情况”等表头；"
            f"第一行有内容的是：{shown}")


def _sheet_kind(grid: Grid, lay: Layout, kind: str | None, parsed: ParsedLedger) -> str | None:
    hint = lay.kind_hint
    has_kind_col = "kind" in lay.columns.values()
    if kind and hint and hint != kind:
        parsed.notes.append(f"工作表「{grid.name}」是{KINDS[hint]}清单，与 --kind {kind} 不符，已跳过")
        return None
    chosen = kind or hint
    if chosen is None and not has_kind_col:
        parsed.errors.append(f"工作表「{grid.name}」无法判断是用地（附件2）还是采矿（附件3）清单；请用 --kind land|mining 指定")
        return None
    parsed.sheets.append({"sheet": grid.name, "kind": chosen, "title": lay.title, "unit": lay.unit,
                          "fill_date": lay.fill_date, "columns": {column_letter(c): h for c, h in lay.headers.items()}})
    return chosen or "land"


def _rows(grid: Grid, lay: Layout, kind: str, parsed: ParsedLedger, geom_sheet: dict[str, str]) -> list[LedgerRow]:
    start, end = lay.header_bottom + 1, lay.footer_row if lay.footer_row is not None else len(grid.rows)
    fill: dict[tuple[int, int], Any] = {}
    bad_rows: dict[int, list[str]] = {}
    for r0, r1, c0, c1 in grid.merges:
        if r1 <= start or r0 >= end:
            continue
        mapped = [c for c in range(c0, c1) if c in lay.columns]
        span = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1 - 1)}{r1}"
        if len(mapped) > 1:
            bad_rows.setdefault(r0, []).append(f"第 {r0 + 1} 行：单元格 {span} 跨列合并，无法判断属于哪一列；请取消合并后再导入")
        elif mapped and r1 - r0 > 1:
            name = lay.columns[mapped[0]]
            if name in COUNT_FIELDS:
                bad_rows.setdefault(r0, []).append(
                    f"第 {r0 + 1}–{r1} 行 {column_letter(mapped[0])} 列（{LABELS.get(name, name)}）是合并单元格，"
                    "该列每行应单独填写；请取消合并并逐行填写")
            else:
                for r in range(r0 + 1, r1):
                    fill[(r, mapped[0])] = grid.cell(r0, mapped[0])
                parsed.notes.append(f"第 {r0 + 1}–{r1} 行 {column_letter(mapped[0])} 列（{LABELS.get(name, name)}）"
                                    "是合并单元格，已把其内容填入每一行")
    unit_town = township_in(lay.unit) if lay.unit else None
    out: list[LedgerRow] = []
    skipped = 0
    for r in range(start, end):
        vals = {name: fill.get((r, c), grid.cell(r, c)) for c, name in lay.columns.items()}
        if all(blank(v) for n, v in vals.items() if n not in ("seq", "county")):
            skipped += any(not blank(v) for v in vals.values())
            continue
        if normalise_label(vals.get("seq")) in {normalise_label(s) for s in _SKIP_SEQ}:
            parsed.notes.append(f"第 {r + 1} 行是“{to_text(vals.get('seq'))}”行，已跳过")
            continue
        errs = list(bad_rows.get(r, []))
        for c, name in lay.columns.items():
            if (r, c) in grid.formulas:
                where = f"第 {r + 1} 行 {column_letter(c)} 列（{LABELS.get(name, name)}）"
                if blank(vals[name]):
                    errs.append(f"{where}：是公式「{grid.formulas[(r, c)]}」且没有保存计算结果；请在 Excel 中打开并保存，或改为填写数值")
                else:
                    parsed.notes.append(f"{where}：是公式「{grid.formulas[(r, c)]}」，已使用其计算结果「{to_text(vals[name])}」")
        if to_text(vals.get("wkt")) == GEOMETRY_REF:
            vals["wkt"] = geom_sheet.get(to_text(vals.get("case_id")), "")
        row = LedgerRow(grid.name, r + 1, kind, vals, {n: column_letter(c) for c, n in lay.columns.items()},
                        township_hint=unit_town)
        for e in errs:
            parsed.row_error(grid.name, r + 1, e)
        out.append(row)
    if skipped:
        parsed.notes.append(f"工作表「{grid.name}」中 {skipped} 行只填了序号或县名，视为空行跳过")
    return out


def _geometry_sheet(grids: list[Grid]) -> dict[str, str]:
    grid = next((g for g in grids if g.name == GEOMETRY_SHEET), None)
    if grid is None:
        return {}
    return {to_text(row[0]): "".join(to_text(v) for v in row[1:] if not blank(v)) for row in grid.rows[1:] if row and not blank(row[0])}


def _geofile_index(geometry, key, parsed: ParsedLedger, max_bytes, division: County = DAIXIAN) -> dict[str, shapely.Geometry]:
    frame, notes = read_geo_table(geometry, max_bytes=max_bytes, division=division)
    parsed.notes += notes
    key = key or next((k for k in ("case_id", "案件编号", "name", "序号") if k in frame.columns), None)
    if key is None or key not in frame.columns:
        have = "、".join(str(c) for c in frame.columns if c != "geometry")
        raise LedgerFormatError(f"几何文件 {Path(geometry).name} 中没有关联字段「{key or '(未指定)'}」；现有字段：{have}；请用 --key 指定")
    index: dict[str, shapely.Geometry] = {}
    for n, (k, g) in enumerate(zip(frame[key], frame.geometry.values), start=1):
        k = _key_text(k)
        if not k:
            continue
        if k in index:
            parsed.errors.append(f"几何文件 {Path(geometry).name} 第 {n} 个要素：关联字段 {key}「{k}」重复")
        index[k] = g
    parsed.notes.append(f"几何文件 {Path(geometry).name}：{len(index)} 个要素，按字段「{key}」关联")
    return index


def _key_text(v: Any) -> str:
    return to_text(v).strip()


def _attach_geofile(rows: list[LedgerRow], index: dict[str, shapely.Geometry] | None, parsed: ParsedLedger) -> None:
    if index is None:
        return
    used = set()
    for row in rows:
        cands = [_key_text(row.values.get("case_id")), _key_text(row.values.get("seq"))]
        try:
            town = to_township(row.values.get("township")) or row.township_hint
        except LedgerCellError:
            town = None
        seq = row.values.get("seq")
        if town and not blank(seq) and to_text(seq).isdigit():
            cands.insert(1, case_id_for(row.kind, town, int(to_text(seq))))
        hit = next((c for c in cands if c and c in index), None)
        if hit is not None:
            row.key_geometry = index[hit]
            used.add(hit)
    unused = [k for k in index if k not in used]
    if unused:
        parsed.notes.append(f"几何文件中 {len(unused)} 个要素没有对应的台账行：{'、'.join(unused[:10])}{'…' if len(unused) > 10 else ''}")


def _check_duplicates(rows: list[LedgerRow], parsed: ParsedLedger) -> None:
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        cid = _key_text(row.values.get("case_id"))
        if cid:
            k = (row.kind, cid)
            if k in seen:
                parsed.row_error(row.sheet, row.row, f"第 {row.row} 行：案件编号「{cid}」与第 {seen[k]} 行重复")
            seen.setdefault(k, row.row)


def _check_duplicate_ids(parsed: ParsedLedger) -> None:
    seen: dict[str, int] = {}
    for row, res in parsed.results:
        if res.case is None or not blank(row.values.get("case_id")):
            continue
        cid = res.case.case_id
        if cid in seen:
            parsed.row_error(row.sheet, row.row,
                             f"第 {row.row} 行：生成的案件编号「{cid}」与第 {seen[cid]} 行相同（序号重复）；请修改序号或填写案件编号")
        seen.setdefault(cid, row.row)


def case_changes(old: Case | None, new: Case) -> list[str]:
    """Chinese labels of the fields that differ between a stored case and its imported version."""
    if old is None:
        return []
    return [FIELD_LABELS.get(name, "位置" if name == "geometry" else name) for name in case_diff(old, new)]


class StoreLookup:
    """A case-by-id lookup on a store (None for unknown ids) that remembers each case it returned.

    Reading a ledger and planning the import see the same stored cases, and :meth:`versions` gives the
    versions they were read at, so the write can refuse cases that someone changed in between.
    """

    def __init__(self, store: CaseStore) -> None:
        self._store = store
        self._ids = set(store.cases()["case_id"])
        self._seen: dict[str, Case | None] = {}

    def __call__(self, case_id: str) -> Case | None:
        if case_id not in self._seen:
            try:
                self._seen[case_id] = self._store.get_case(case_id) if case_id in self._ids else None
            except ValidationError:  # removed since the ids were read
                self._seen[case_id] = None
        return self._seen[case_id]

    def versions(self, case_ids: list[str]) -> dict[str, int]:
        """The version each case had when it was first looked up (0: it was not in the store)."""
        return {cid: case.version if (case := self(cid)) is not None else 0 for cid in case_ids}


def store_lookup(store: CaseStore) -> StoreLookup:
    """A case-by-id lookup on ``store`` that returns None for unknown ids and remembers what it read."""
    return StoreLookup(store)


def plan_import(parsed: ParsedLedger, lookup: Callable[[str], Case | None]) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """(added ids, changed id → changed field labels, unchanged ids) of importing ``parsed``."""
    added, changed, unchanged = [], {}, []
    for case in parsed.cases:
        old = lookup(case.case_id)
        diff = case_changes(old, case)
        if old is None:
            added.append(case.case_id)
        elif diff:
            changed[case.case_id] = diff
        else:
            unchanged.append(case.case_id)
    return added, changed, unchanged


def import_ledger(store: CaseStore, path: str | os.PathLike, *, kind: str | None = None, geometry: str | os.PathLike | None = None,
                  key: str | None = None, dry_run: bool = False, user: str = "台账导入", max_bytes: int | None = None,
                  progress: Progress | None = None, read_versions: dict[str, int] | None = None) -> ImportReport:
    """Read ``path`` and upsert its cases into ``store``, all or nothing.

    Raises RowErrors listing every bad row (row number, column, reason); nothing is written then.
    Raises ConflictError naming the cases someone changed (in the app, another import) while the file
    was read: the import was built on their old values, so nothing is written then either.
    ``read_versions`` (case id → version, 0: absent) are the versions an earlier preview showed; a case
    changed since that preview is a conflict too.
    """
    lookup = store_lookup(store)
    county = store.county()
    outline = shapely.union_all(county.geometry.values) if not county.empty else None
    parsed = read_ledger(path, kind=kind, geometry=geometry, key=key, existing=lookup, county=outline,
                         max_bytes=max_bytes, progress=progress, division=county_of(store))
    errors = parsed.all_errors
    if errors:
        raise RowErrors(errors, source=parsed.source)
    if not parsed.cases:
        raise LedgerFormatError(f"{parsed.source} 中没有案件行（表头下方没有数据）")
    added, changed, unchanged = plan_import(parsed, lookup)
    if not dry_run:
        (progress or (lambda f, m: None))(0.92, "写入案件库")
        expected = lookup.versions([c.case_id for c in parsed.cases])
        expected.update({cid: v for cid, v in (read_versions or {}).items() if cid in expected})
        store.upsert_cases(parsed.cases, user=user, allow_unlocated=True, expected_versions=expected)
        store.log_event(user=user, action="import",
                        detail=f"{parsed.source}：新增 {len(added)} 个，变更 {len(changed)} 个，未变 {len(unchanged)} 个")
    (progress or (lambda f, m: None))(1.0, "完成")
    return ImportReport(parsed, added, changed, unchanged, dry_run)


def features_to_grid(path: str | os.PathLike, *, max_bytes: int | None = None,
                     division: County = DAIXIAN) -> tuple[list[Grid], list[str]]:
    """A geodata file as one ledger grid: attribute names as the header row, geometry as a WKT column.

    Permit features (``layer`` = permit, or without case attributes) are left out.
    """
    frame, notes = read_geo_table(path, max_bytes=max_bytes, division=division)
    if "layer" in frame.columns:
        frame = frame[frame["layer"].fillna("case") != "permit"]
    if "case_id" not in frame.columns and "permit_no" in frame.columns and "summary" not in frame.columns:
        frame = frame.iloc[0:0]
    elif "case_id" in frame.columns and "holder" in frame.columns:
        frame = frame[frame["case_id"].notna() & (frame["case_id"].astype(str) != "")]
    cols = [c for c in frame.columns if c not in ("geometry", "layer", "version", "updated_at", "updated_by", "name",
                                                   "description")]
    rows: list[list[Any]] = [[*cols, "wkt"]]
    wkts = shapely.to_wkt(frame.geometry.values, rounding_precision=-1)
    for rec, wkt in zip(frame[cols].itertuples(index=False), wkts):
        rows.append([None if (isinstance(v, float) and v != v) or v == "" else v for v in rec] + [wkt])
    return [Grid(Path(path).stem, rows)], notes
