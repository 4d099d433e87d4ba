"""Files in and out safely: the import size limit (packed and unpacked, before anything is parsed), text as
UTF-8 or GBK, CSV cells that no spreadsheet runs as formulas, and outputs written whole or not at all.
"""

from __future__ import annotations

import glob
import math
import os
import secrets
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from geo.errors import LedgerFormatError, ValidationError

#: Default import size limit in MB; override with $CASEMAP_MAX_IMPORT_MB or ``max_bytes=``.
DEFAULT_MAX_MB = 50
#: A zip (xlsx, KMZ, zipped Shapefile) may unpack to at most this many times the import limit …
MAX_UNPACKED_FACTOR = 10
#: … and, once it unpacks to more than the import limit, to at most this many times its own size.
MAX_RATIO = 100
#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def max_import_bytes(explicit: int | None = None) -> int:
    """The import size limit in bytes: ``explicit``, else $CASEMAP_MAX_IMPORT_MB, else 50 MB."""
    if explicit is not None:
        return int(explicit)
    try:
        return int(float(os.environ.get("CASEMAP_MAX_IMPORT_MB", DEFAULT_MAX_MB)) * 1024 * 1024)
    except ValueError:
        return DEFAULT_MAX_MB * 1024 * 1024


def check_size(path: Path, *, max_bytes: int | None = None) -> None:
    """Refuse a missing file or one above the size limit (before reading it)."""
    if not path.exists():
        raise LedgerFormatError(f"找不到文件：{path}")
    size, limit = path.stat().st_size, max_import_bytes(max_bytes)
    if size > limit:
        raise LedgerFormatError(
            f"文件 {path.name} 大小为 {size / 1048576:.1f} MB，超过导入上限 {limit / 1048576:.1f} MB；"
            "请拆分文件，或设置环境变量 CASEMAP_MAX_IMPORT_MB 提高上限"
        )


def decode_text(data: bytes, *, name: str) -> tuple[str, str]:
    """Decode CSV/text bytes: UTF-8 (with or without BOM) first, then GB18030 (GBK); return (text, encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GBK"
    except UnicodeDecodeError as exc:
        raise LedgerFormatError(f"{name} 既不是 UTF-8 也不是 GBK 编码的文本，无法读取；请另存为 UTF-8 CSV") from exc


def read_text_file(path: str | os.PathLike, *, max_bytes: int | None = None) -> tuple[str, str]:
    """A text file (拐点坐标 .txt) as text, UTF-8 or GBK detected; returns (text, encoding)."""
    path = Path(path)
    check_size(path, max_bytes=max_bytes)
    return decode_text(path.read_bytes(), name=path.name)


def check_unpacked(archive: zipfile.ZipFile, *, name: str, packed_bytes: int, max_bytes: int | None = None) -> None:
    """Refuse a zip (xlsx, KMZ, zipped Shapefile) that would unpack to too much, before anything is extracted.

    Uses the sizes the zip declares for its members (the readers never unpack more than declared):
    refused when they add up to more than ``MAX_UNPACKED_FACTOR`` × the import limit, or to more than
    the limit at over ``MAX_RATIO``:1 of the file's own size (a "zip bomb").
    """
    limit = max_import_bytes(max_bytes)
    unpacked = sum(max(info.file_size, 0) for info in archive.infolist())
    ratio = unpacked / max(packed_bytes, 1)
    if unpacked > MAX_UNPACKED_FACTOR * limit or (unpacked > limit and ratio > MAX_RATIO):
        raise LedgerFormatError(
            f"文件 {name} 为压缩格式，{packed_bytes / 1048576:.1f} MB 解压后达 {unpacked / 1048576:.1f} MB"
            f"（压缩比 {ratio:.0f}:1），超过导入上限（解压后不超过 {MAX_UNPACKED_FACTOR * limit / 1048576:.0f} MB，"
            f"超过 {limit / 1048576:.0f} MB 时压缩比不超过 {MAX_RATIO}:1），可能是“压缩炸弹”，已拒绝读取；"
            "请确认文件来源，或拆分后再导入"
        )


def check_zip_file(path: Path, *, max_bytes: int | None = None) -> None:
    """:func:`check_unpacked` for a zip file on disk; a file that is no zip is left to its reader to name."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_unpacked(archive, name=path.name, packed_bytes=path.stat().st_size, max_bytes=max_bytes)
    except zipfile.BadZipFile:
        return


# -- CSV cells -------------------------------------------------------------------------------------
def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def guard_csv_cell(value: object) -> object:
    """``value`` for a CSV cell: text a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``)
    gets a leading ``'``, numbers (``-12.5``) stay; reversed by :func:`unguard_csv_cell`.

    Text already starting with ``'`` before such a character gets one more, so the guard is lossless.
    """
    if not isinstance(value, str) or not value.lstrip("'").startswith(FORMULA_START) or _is_number(value):
        return value
    return "'" + value


def unguard_csv_cell(value: object) -> object:
    """The text :func:`guard_csv_cell` was given (one leading ``'`` taken off where it added one)."""
    if isinstance(value, str) and value.startswith("'") and value.lstrip("'").startswith(FORMULA_START):
        return value[1:]
    return value


def guard_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are guarded by :func:`guard_csv_cell`, for ``to_csv``."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.astype(object).map(guard_csv_cell)
    return out


# -- outputs ---------------------------------------------------------------------------------------
#: Help of the ``--force`` option of every command that writes a file (see :func:`check_output`).
FORCE_HELP = "输出文件已存在时覆盖它（默认不覆盖：提示后退出，不写任何文件）"


def check_output(path: str | os.PathLike, *, force: bool = False, option: str = "--out") -> Path:
    """The output ``path``, refused (ValidationError) when it is a folder, or an existing file without ``force``."""
    path = Path(path)
    if path.is_dir():
        raise ValidationError(f"{option} 给出的「{path}」是一个文件夹，不是文件；请在文件夹后写上文件名（含扩展名），未写入任何文件")
    if path.exists() and not force:
        raise ValidationError(f"输出文件「{path}」已存在，未覆盖；如确需覆盖，请加 --force，或换一个文件名")
    if path.parent.exists() and not path.parent.is_dir():
        raise ValidationError(f"{option} 给出的「{path}」无法写入：「{path.parent}」是文件，不是文件夹")
    return path


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Write a file whole or not at all: yields a temporary path in the same folder, renamed onto ``path``.

    The temporary file (``.<name>.<random>.part<suffix>``, same suffix, so writers that go by the suffix
    still work) does not exist yet when yielded.  When the block ends it is flushed to disk and moved
    onto ``path`` with :func:`os.replace` (atomic on one file system); when the block raises, it and
    any side files its writer left (e.g. a GeoPackage journal) are removed and ``path`` is untouched.
    A process killed mid-way leaves at most the hidden temporary file, never a half-written ``path``.
    """
    path = Path(path)
    if path.is_dir():
        raise ValidationError(f"输出位置「{path}」是一个文件夹，不是文件；请给出文件名")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ValidationError(f"无法写入「{path}」：路径中的「{path.parent}」不是文件夹") from None
    suffix = "".join(path.suffixes[-2:]) if path.name.lower().endswith(".shp.zip") else path.suffix
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part{suffix}")
    try:
        yield tmp
        if not tmp.exists():
            raise ValidationError(f"未能写出「{path.name}」（临时文件没有生成）")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        for leftover in path.parent.glob(glob.escape(tmp.name) + "*"):
            leftover.unlink(missing_ok=True)
        raise
