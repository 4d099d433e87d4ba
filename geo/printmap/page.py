"""A printed page laid out in millimetres on a matplotlib Figure: text, wrapped cells, tables, map boxes.

Used by the check sheets and the PDF bulletin so that both print at true page size with the CJK
font embedded.  Coordinates are millimetres from the top-left corner of the page.  Text is drawn
as typed: a ``$`` is a dollar sign, never the start of mathtext (``parse_math=False``).
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from geo.printmap.furniture import MM_PER_INCH, page_size_mm, wrap_cjk

MM_PER_PT = MM_PER_INCH / 72.0


def line_height(size: float, spacing: float = 1.35) -> float:
    """Height in mm of one line of ``size``-point text."""
    return size * MM_PER_PT * spacing


class Page:
    """One page: ``size`` A4/A3, millimetre coordinates from the top-left corner."""

    def __init__(self, *, font: str, size: str = "A4", landscape: bool = False, dpi: float = 150) -> None:
        self.width, self.height = page_size_mm(size, landscape=landscape)
        self.font = font
        self.fig = Figure(figsize=(self.width / MM_PER_INCH, self.height / MM_PER_INCH), dpi=dpi)
        ax = self.fig.add_axes((0, 0, 1, 1), label="page")
        ax.set_xlim(0, self.width)
        ax.set_ylim(self.height, 0)
        ax.axis("off")
        self.ax = ax

    # -- primitives ----------------------------------------------------------------------------
    def text(self, x: float, y: float, s: str, *, size: float = 9, weight: str = "normal", ha: str = "left",
             color: str = "black", width: float | None = None, spacing: float = 1.35) -> float:
        """Write ``s`` with its top at ``y``; wrap to ``width`` mm if given.  Returns the height used (mm)."""
        lines = wrap_cjk(s, width / (size * MM_PER_PT)) if width else str(s).split("\n")
        self.ax.text(x, y, "\n".join(lines), ha=ha, va="top", fontsize=size, fontfamily=self.font,
                     fontweight=weight, color=color, linespacing=spacing, parse_math=False)
        return line_height(size, spacing) * len(lines)

    def line(self, x0: float, y0: float, x1: float, y1: float, *, width: float = 0.6, color: str = "black") -> None:
        """A straight line."""
        self.ax.add_line(Line2D([x0, x1], [y0, y1], linewidth=width, color=color))

    def rect(self, x: float, y: float, w: float, h: float, *, width: float = 0.6, fill: str | None = None) -> None:
        """A rectangle outline (optionally filled)."""
        self.ax.add_patch(Rectangle((x, y), w, h, fill=fill is not None, facecolor=fill or "none",
                                    edgecolor="black", linewidth=width))

    def axes(self, x: float, y: float, w: float, h: float, *, label: str = "map") -> Axes:
        """A new axes occupying the box (for a map or an image)."""
        return self.fig.add_axes((x / self.width, 1 - (y + h) / self.height, w / self.width, h / self.height),
                                 label=label)

    def table(self, x: float, y: float, widths: Sequence[float], rows: Sequence[Sequence[str]], *,
              size: float = 7.5, header: bool = True, pad: float = 1.0, shade: Sequence[int] = (),
              max_y: float | None = None) -> tuple[float, int]:
        """Draw ``rows`` as a ruled table; the first row is a shaded header when ``header``.

        Column ``widths`` are in mm; a cell's text wraps inside it.  Columns listed in ``shade``
        are shaded like labels.  Stops before a row would cross ``max_y``.  Returns (bottom y,
        rows drawn).
        """
        lh = line_height(size, 1.25)
        top = y
        drawn = 0
        for r, row in enumerate(rows):
            wrapped = [wrap_cjk(str(cell), max((w - 2 * pad) / (size * MM_PER_PT), 1.0))
                       for cell, w in zip(row, widths)]
            h = max(len(c) for c in wrapped) * lh + 2 * pad
            if max_y is not None and y + h > max_y:
                break
            cx = x
            for c, (cell, w) in enumerate(zip(wrapped, widths)):
                is_head = (header and r == 0) or c in shade
                self.ax.add_patch(Rectangle((cx, y), w, h, facecolor="#eeeeee" if is_head else "white",
                                            edgecolor="black", linewidth=0.5))
                self.ax.text(cx + (w / 2 if header and r == 0 else pad), y + pad, "\n".join(cell),
                             ha="center" if header and r == 0 else "left", va="top", fontsize=size,
                             fontfamily=self.font, fontweight="bold" if header and r == 0 else "normal",
                             linespacing=1.25, parse_math=False)
                cx += w
            y += h
            drawn += 1
        if drawn:
            self.rect(x, top, sum(widths), y - top, width=0.9)
        return y, drawn

    def footer(self, text: str, *, size: float = 7) -> None:
        """A centred line at the bottom margin."""
        self.text(self.width / 2, self.height - 10, text, size=size, ha="center", color="#444444")
