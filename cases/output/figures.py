"""Saving briefing files: the output suffix check, figures as PNG/PDF with the CJK font embedded, 制图单位."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from matplotlib.figure import Figure

from cases.county import county_of
from cases.output.fonts import cjk_font
from cases.store import CaseStore
from geo.errors import ValidationError

#: 制图单位 when neither the command, the store nor $CASEMAP_UNIT names one.
DEFAULT_UNIT = "{county}自然资源局"


def producing_unit(store: CaseStore, explicit: str | None = None) -> str:
    """制图单位: ``explicit``, else the store's ``producing_unit`` setting, else $CASEMAP_UNIT, else the county's 自然资源局."""
    return (explicit or store.get_meta("producing_unit") or os.environ.get("CASEMAP_UNIT")
            or DEFAULT_UNIT.format(county=county_of(store).name))


@contextmanager
def pdf_fonts() -> Iterator[None]:
    """Within this block, PDFs embed the CJK font (subset) with a ToUnicode map: Chinese stays searchable."""
    import matplotlib


    with matplotlib.rc_context({"pdf.fonttype": cjk_font().pdf_fonttype}):
        yield


def check_suffix(out: str | os.PathLike, allowed: tuple[str, ...]) -> Path:
    """``out`` as a Path; ValidationError unless its suffix is one of ``allowed``."""
    path = Path(out)
    if path.suffix.lower() not in allowed:
        raise ValidationError(f"输出文件「{path.name}」的扩展名应为 {' 或 '.join(allowed)}")
    return path


def save_figure(fig: Figure, out: str | os.PathLike | io.BytesIO, *, fmt: str | None = None) -> None:
    """Save ``fig`` as PNG (at the figure's DPI) or PDF (fonts embedded), by suffix or ``fmt``."""
    if fmt is None:
        fmt = Path(out).suffix.lower().lstrip(".")
    with pdf_fonts():
        fig.savefig(out, format=fmt, dpi="figure", metadata=_metadata(fmt))


def _metadata(fmt: str) -> dict:
    if fmt == "pdf":
        return {"Creator": "casemap", "Producer": "casemap (matplotlib)"}
    return {"Software": "casemap"}
