"""Reading spreadsheet files into plain grids: xlsx, xls (also when saved under .xlsx) and CSV (UTF-8 or GBK).

A :class:`Grid` is one sheet as a list of rows of cell values, with its merged ranges and its formula
cells, so that the ledger layout can be found the same way whatever the file type.  Files larger
than the configured limit, corrupt or password-protected workbooks and HTML tables saved as .xls are
refused with a Chinese message before anything is parsed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException

from cases.io.files import check_size, check_unpacked, decode_text
from geo.errors import LedgerFormatError

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


@dataclass
class Grid:
    """One sheet: ``rows[r][c]`` (0-based), merged ranges (r0, r1, c0, c1; end-exclusive), formulas."""

    name: str
    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)

    def cell(self, r: int, c: int) -> Any:
        """The value at (r, c), None outside the grid."""
        if r < len(self.rows) and c < len(self.rows[r]):
            return self.rows[r][c]
        return None

    @property
    def width(self) -> int:
        """The number of columns of the widest row."""
        return max((len(r) for r in self.rows), default=0)


@dataclass
class Workbook:
    """The sheets of one file, the encoding of a CSV, and notes about how the file was read."""

    path: Path
    sheets: list[Grid]
    notes: list[str] = field(default_factory=list)


def read_workbook(path: str | os.PathLike, *, max_bytes: int | None = None) -> Workbook:
    """Read an xlsx/xls/csv file into grids; refuse corrupt, encrypted, HTML or oversized files."""
    path = Path(path)
    check_size(path, max_bytes=max_bytes)
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if not data.strip():
        raise LedgerFormatError(f"{path.name} 是空文件")
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(path, data, max_bytes=max_bytes)
    if data[:8] == _OLE:
        if _ENCRYPTED in data:
            raise LedgerFormatError(f"{path.name} 设有打开密码，无法读取；请在 Excel/WPS 中取消密码（文件 → 信息 → 保护工作簿）后再导入")
        wb = _read_xls(path, data)
        if suffix == ".xlsx":
            wb.notes.append(f"{path.name} 的扩展名是 .xlsx，但实际是旧版 .xls 格式，已按 .xls 读取")
        return wb
    head = data[:2048].lower()
    if b"<html" in head or b"<table" in head or b"<?xml" in head:
        raise LedgerFormatError(f"{path.name} 实际是网页（HTML/XML）表格而不是 Excel 文件；请用 Excel/WPS 打开后另存为 .xlsx 再导入")
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise LedgerFormatError(f"{path.name} 已损坏或不是 Excel 文件（文件头不是 xlsx/xls 格式）；请用 Excel/WPS 重新保存后再导入")
    text, enc = decode_text(data, name=path.name)
    wb = Workbook(path, [_csv_grid(text, name=path.stem)])
    wb.notes.append(f"{path.name} 按 {enc} 编码读取")
    return wb


def _read_xlsx(path: Path, data: bytes, *, max_bytes: int | None = None) -> Workbook:
    """An xlsx workbook: refused before parsing when it would unpack to too much; parsed by openpyxl,
    which uses defusedxml (a runtime requirement), so XML entities (XXE, "billion laughs") are refused."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            check_unpacked(z, name=path.name, packed_bytes=len(data), max_bytes=max_bytes)
    except zipfile.BadZipFile as exc:
        raise LedgerFormatError(f"{path.name} 已损坏，无法作为 Excel 工作簿打开（BadZipFile）；请用 Excel/WPS 重新保存后再导入") from exc
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, KeyError, InvalidFileException, OSError, ValueError, TypeError) as exc:
        if _caused_by_entities(exc):  # openpyxl wraps defusedxml's refusal of a worksheet in a ValueError
            raise LedgerFormatError(f"{path.name} 含有 XML 实体声明或外部引用（DOCTYPE/ENTITY），出于安全原因拒绝读取；"
                                    "请用 Excel/WPS 打开后另存为新的 .xlsx 再导入") from exc
        raise LedgerFormatError(f"{path.name} 已损坏，无法作为 Excel 工作簿打开（{type(exc).__name__}）；请用 Excel/WPS 重新保存后再导入") from exc
    cached = None
    sheets = []
    for ws in wb.worksheets:
        rows: list[list[Any]] = []
        formulas: dict[tuple[int, int], str] = {}
        for r, row in enumerate(ws.iter_rows()):
            vals = []
            for c, cell in enumerate(row):
                v = cell.value
                if cell.data_type == "f":
                    formulas[(r, c)] = str(v)
                    if cached is None:
                        cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
                    v = cached[ws.title].cell(row=r + 1, column=c + 1).value
                elif not isinstance(v, (str, int, float, dt.date, type(None))):
                    v = str(v)  # e.g. ArrayFormula objects
                vals.append(v)
            rows.append(vals)
        merges = [(m.min_row - 1, m.max_row, m.min_col - 1, m.max_col) for m in ws.merged_cells.ranges]
        sheets.append(Grid(ws.title, rows, merges, formulas))
    return Workbook(path, sheets)


def _caused_by_entities(exc: BaseException | None) -> bool:
    """True when defusedxml refused XML entities somewhere in the chain of ``exc``."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, DefusedXmlException):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _read_xls(path: Path, data: bytes) -> Workbook:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    except xlrd.biffh.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise LedgerFormatError(f"{path.name} 设有密码，无法读取；请取消密码后再导入") from exc
        raise LedgerFormatError(f"{path.name} 已损坏，无法作为 .xls 工作簿打开（{exc}）") from exc
    except Exception as exc:  # xlrd raises assorted errors on broken OLE files
        raise LedgerFormatError(f"{path.name} 已损坏或不是 Excel 文件（{type(exc).__name__}）；请用 Excel/WPS 重新保存为 .xlsx") from exc
    sheets = []
    for sh in book.sheets():
        rows = []
        for r in range(sh.nrows):
            vals = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    v: Any = xlrd.xldate_as_datetime(cell.value, book.datemode)
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    v = None
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    v = bool(cell.value)
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    v = None
                else:
                    v = cell.value
                vals.append(v)
            rows.append(vals)
        sheets.append(Grid(sh.name, rows, [tuple(m) for m in sh.merged_cells]))
    return Workbook(path, sheets)


def _csv_grid(text: str, *, name: str) -> Grid:
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delim)]
    rows = [[v if v != "" else None for v in r] for r in rows]
    return Grid(name, rows)
