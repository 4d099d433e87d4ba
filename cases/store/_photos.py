"""A store file's photo folder, and copying its photo files to another store file's."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def photo_folder(location: Path | str) -> Path | None:
    """Where a store file's photo bytes live: the folder ``<stem>.photos`` beside it; None for a server store
    (its ``photos`` table holds them)."""
    return location.with_name(f"{location.stem}.photos") if isinstance(location, Path) else None


def copy_photos(source: Path, target: Path) -> int:
    """Copy the photo files of the store file ``source`` into the photo folder of the store file ``target``
    (a backup, a restored store); return how many were copied.  Files are named by their content (SHA-256),
    so one already there is the same photo and is kept; each new one appears complete (temp file, then
    rename); nothing is ever deleted."""
    src, dst = photo_folder(source), photo_folder(target)
    if src is None or dst is None or not src.is_dir():
        return 0
    files = [f for f in sorted(src.iterdir()) if f.is_file() and not f.name.startswith(".")]
    copied = 0
    for f in files:
        out = dst / f.name
        if out.exists():
            continue
        dst.mkdir(parents=True, exist_ok=True)
        tmp = dst / f".{f.name}.{os.getpid()}.tmp"
        try:
            shutil.copyfile(f, tmp)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        copied += 1
    return copied
