"""Reading input files safely: the import size limit (before anything is parsed) and text as UTF-8 or GBK."""

from __future__ import annotations

import os
from pathlib import Path

from geo.errors import LedgerFormatError

#: Default import size limit in MB; override with $CASEMAP_MAX_IMPORT_MB or ``max_bytes=``.
DEFAULT_MAX_MB = 50


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
