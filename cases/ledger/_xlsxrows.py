"""Bulk rows of an xlsx sheet written as XML text and spliced into the workbook openpyxl saved.

openpyxl writes each cell through lxml one element at a time (about 15 µs a cell): a 6,000-row ledger of
25 columns spent most of its time there.  The ledger's data rows are plain — text, numbers and dates in a
handful of styles — so they are written here as text, in the form openpyxl writes them (inline strings,
``t="n"`` numbers and Excel-serial dates, ``ht``/``customHeight`` row heights, styles by the index openpyxl
gave them), and put into the saved sheet just before the first row openpyxl wrote after them.  Anything
else (heading, header, footer, merged cells, print set-up, the 几何 sheet) stays openpyxl's.
"""

from __future__ import annotations

import datetime as dt
import io
import numbers
import zipfile
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

_MAX_TEXT = 32767  # openpyxl's (and Excel's) longest cell text


def _escape(text: str) -> str:
    """Text as element content: ``&``, ``<``, ``>`` and carriage returns (kept, not turned into newlines)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


class SheetRows:
    """Rows of one worksheet as XML text: :meth:`add` a row of (value, style index) cells, then :meth:`splice`."""

    def __init__(self, *, epoch: dt.datetime) -> None:
        self._epoch = epoch
        self._parts: list[str] = []
        self._letters: list[str] = [""]

    def _letter(self, col: int) -> str:
        while len(self._letters) <= col:
            self._letters.append(get_column_letter(len(self._letters)))
        return self._letters[col]

    def add(self, row: int, cells: list[tuple[Any, int]], *, height: float | None = None) -> None:
        """Row ``row`` with ``cells`` from column A on; text must be free of characters XML forbids."""
        head = f'<row r="{row}" ht="{height:.16g}" customHeight="1">' if height is not None else f'<row r="{row}">'
        out = [head]
        for col, (value, style) in enumerate(cells, start=1):
            ref = f'{self._letter(col)}{row}'
            if value is None or value == "":
                out.append(f'<c r="{ref}" s="{style}" t="inlineStr"/>' if value == "" else f'<c r="{ref}" s="{style}"/>')
            elif isinstance(value, str):
                value = value[:_MAX_TEXT]
                space = ' xml:space="preserve"' if value != value.strip() else ""
                out.append(f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>')
            elif isinstance(value, bool):
                out.append(f'<c r="{ref}" s="{style}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, numbers.Real):
                number = value == value and value not in (float("inf"), float("-inf"))
                out.append(f'<c r="{ref}" s="{style}" t="n"><v>{f"{value:.16g}" if number else ""}</v></c>')
            elif isinstance(value, dt.date):  # pandas' NaT is a datetime too, with no serial: an empty cell
                serial = to_excel(value, self._epoch)
                out.append(f'<c r="{ref}" s="{style}" t="n"/>' if serial is None
                           else f'<c r="{ref}" s="{style}" t="n"><v>{serial:.16g}</v></c>')
            else:
                raise TypeError(f"cannot write {type(value).__name__} to a cell: {value!r}")
        out.append("</row>")
        self._parts.append("".join(out))

    def splice(self, xlsx: bytes, path: Path, *, part: str = "xl/worksheets/sheet1.xml", before_row: int) -> None:
        """Write ``xlsx`` (a saved workbook) to ``path`` with the rows inserted into ``part`` just before the
        row ``before_row`` openpyxl wrote (which must exist, as must every row number being free)."""
        src = zipfile.ZipFile(io.BytesIO(xlsx))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename == part:
                    mark = f'<row r="{before_row}"'.encode()
                    at = data.index(mark)
                    data = data[:at] + "".join(self._parts).encode("utf-8") + data[at:]
                dst.writestr(info, data)
