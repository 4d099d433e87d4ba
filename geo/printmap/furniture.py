"""Map furniture for printed maps: page sizes, extent fitting, scale bar, north arrow, frame, labels.

Pure matplotlib helpers: axes and numbers in, artists added to the axes; no file I/O.  Maps are
drawn in the area CRS (Gauss-Krüger, metres), so a scale bar measured in data units is true.  Every
text is drawn as typed (``parse_math=False``: a ``$`` in a case id or name is a dollar sign, not mathtext);
:func:`plain_text` does the same for texts matplotlib makes itself (legend entries).
"""

from __future__ import annotations

import math
import unicodedata

import matplotlib.patheffects as pe
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.patches import Polygon as MplPolygon
from matplotlib.patches import Rectangle
from matplotlib.path import Path as MplPath

from geo.errors import ValidationError

MM_PER_INCH = 25.4
#: ISO page sizes (width, height) in millimetres, portrait.
PAGE_SIZES_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
#: Coordinate system note printed on every map.
CRS_NOTE = ("坐标系：2000国家大地坐标系（CGCS2000）\n投影：高斯-克吕格投影，3度带第38带\n"
            "中央经线114°E（EPSG:4526），坐标单位：米")
HALO = "white"
#: Colours and hatches of every layer (the check sheet uses the same, so a test can sample them).
STYLE: dict[str, dict] = {
    "county": {"edgecolor": "#000000", "linewidth": 1.6},
    "township": {"edgecolor": "#6b6b6b", "linewidth": 0.7, "linestyle": (0, (4, 2))},
    "permit": {"facecolor": "#cfe2f3", "edgecolor": "#1f5fa8", "linewidth": 0.9},
    "land": {"facecolor": "#fdb863", "edgecolor": "#c05a00", "linewidth": 0.6},
    "mining": {"facecolor": "#b08bd3", "edgecolor": "#5e2b97", "linewidth": 0.6},
    "outside": {"facecolor": "#ffd1dc", "edgecolor": "#e8001c", "linewidth": 0.8, "hatch": "////"},
    "mask": {"facecolor": "#ececec", "edgecolor": "none"},
}


def plain_text(texts) -> None:
    """Turn mathtext off on ``texts`` (e.g. ``legend.get_texts()``), so a ``$`` prints as typed."""
    for t in texts:
        t.set_parse_math(False)


def page_size_mm(size: str, *, landscape: bool) -> tuple[float, float]:
    """Page (width, height) in mm for ``size`` (A4 | A3), turned when ``landscape``."""
    key = str(size).upper()
    if key not in PAGE_SIZES_MM:
        raise ValidationError(f"纸张大小「{size}」无效，应为：{'、'.join(PAGE_SIZES_MM)}")
    w, h = PAGE_SIZES_MM[key]
    return (h, w) if landscape else (w, h)


def text_em(text: str) -> float:
    """Approximate width of ``text`` in em: wide (CJK) characters 1 em, others about 0.58 em."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.58 for ch in text)


def _tokens(para: str) -> list[str]:
    """Wide characters one by one; runs of narrow characters (words, numbers, dates) kept whole."""
    out: list[str] = []
    run = ""
    for ch in para:
        if unicodedata.east_asian_width(ch) in "WF" or ch == " ":
            if run:
                out.append(run)
                run = ""
            out.append(ch)
        else:
            run += ch
    if run:
        out.append(run)
    return out


def wrap_cjk(text: str, max_em: float) -> list[str]:
    """Break ``text`` into lines no wider than ``max_em`` (CJK-aware; keeps explicit newlines).

    Lines break between wide characters and around runs of narrow ones; a run too long for a
    line of its own is cut.
    """
    lines: list[str] = []
    for para in str(text).split("\n"):
        line, width = "", 0.0
        for tok in _tokens(para):
            w = text_em(tok)
            if width + w > max_em and line:
                lines.append(line.rstrip())
                line, width = "", 0.0
                if tok == " ":
                    continue
            while w > max_em and len(tok) > 1:  # a run longer than a line
                cut = max(1, int(len(tok) * (max_em - width) / w))
                lines.append(line + tok[:cut])
                line, width, tok = "", 0.0, tok[cut:]
                w = text_em(tok)
            line += tok
            width += w
        lines.append(line)
    return lines


def fit_extent(bounds: tuple[float, float, float, float], aspect: float, *, margin: float = 0.05,
               min_size: float = 0.0) -> tuple[float, float, float, float]:
    """Grow ``bounds`` (x0, y0, x1, y1) by ``margin`` and to width/height ratio ``aspect``.

    ``min_size`` (data units) keeps a tiny extent (one small parcel) from filling the page.
    """
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = max(x1 - x0, min_size) * (1 + 2 * margin)
    h = max(y1 - y0, min_size) * (1 + 2 * margin)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def nice_length(target: float) -> float:
    """The largest 1/2/5 × 10^n not above ``target`` (for scale bars)."""
    if target <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * exp <= target:
            return m * exp
    return exp


def map_scale(ax: Axes) -> float:
    """The representative fraction denominator of ``ax`` on paper (data units in metres)."""
    x0, x1 = ax.get_xlim()
    width_m_paper = ax.get_position().width * ax.figure.get_figwidth() * MM_PER_INCH / 1000.0
    return (x1 - x0) / width_m_paper


def format_scale(denominator: float) -> str:
    """``1:25 000`` style text, rounded to a readable number."""
    d = nice_round(denominator)
    return "1:" + f"{d:,.0f}".replace(",", " ")


def nice_round(value: float) -> float:
    """Round to two significant figures (12 345 → 12 000)."""
    if value <= 0:
        return value
    exp = 10 ** (math.floor(math.log10(value)) - 1)
    return round(value / exp) * exp


def draw_scale_bar(ax: Axes, *, font: str, fontsize: float = 7.0, loc: tuple[float, float] = (0.03, 0.03),
                   fraction: float = 0.22) -> float:
    """Draw an alternating black/white scale bar in ``ax`` (data in metres); return its length (m).

    ``loc`` is the lower-left corner of its white box in axes fractions; the bar is at most
    ``fraction`` of the map width.  Lengths of 1 km or more are labelled in km, shorter ones in m.
    The representative fraction (比例尺 1:n) holds when the page is printed at its size.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length((x1 - x0) * fraction)
    unit, div = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    per_mm = map_scale(ax) / 1000.0  # data metres per paper millimetre
    pt = MM_PER_INCH / 72.0 * per_mm  # data metres per point
    pad, bar_h, gap = 1.6 * per_mm, 1.4 * per_mm, 0.8 * per_mm
    bx = x0 + loc[0] * (x1 - x0) + pad
    by = y0 + loc[1] * (y1 - y0) + pad
    num_y = by + bar_h + gap
    title_y = num_y + fontsize * pt * 1.25 + gap
    unit_w = text_em(unit) * fontsize * pt
    box_w = max(length + fontsize * pt + unit_w + gap, text_em("比例尺 1:000 000") * fontsize * pt) + 2 * pad
    ax.add_patch(Rectangle((bx - pad, by - pad), box_w, title_y + fontsize * pt * 1.2 + pad - (by - pad),
                           facecolor="white", edgecolor="#888888", linewidth=0.4, alpha=0.92, zorder=20))
    n = 4
    seg = length / n
    for i in range(n):
        ax.add_patch(Rectangle((bx + i * seg, by), seg, bar_h, facecolor="black" if i % 2 == 0 else "white",
                               edgecolor="black", linewidth=0.6, zorder=21))
    for val in (0.0, length / 2, length):
        ax.text(bx + val, num_y, f"{val / div:g}", ha="center", va="bottom", fontsize=fontsize,
                fontfamily=font, zorder=22, parse_math=False)
    ax.text(bx + length + fontsize * pt * 0.9, by + bar_h / 2, unit, ha="left", va="center", fontsize=fontsize,
            fontfamily=font, zorder=22, parse_math=False)
    ax.text(bx, title_y, f"比例尺 {format_scale(map_scale(ax))}", ha="left", va="bottom", fontsize=fontsize,
            fontfamily=font, zorder=22, parse_math=False)
    return length


def draw_north_arrow(ax: Axes, *, font: str, loc: tuple[float, float] = (0.95, 0.86), size: float = 0.07) -> None:
    """Draw a north arrow (grid north of the Gauss-Krüger map) with 北/N, at axes fraction ``loc``."""
    x, y = loc
    w = size * 0.32 * _axes_ratio(ax)
    tr = ax.transAxes
    ax.add_patch(MplPolygon([(x, y + size), (x - w, y), (x, y + size * 0.28)], closed=True, transform=tr,
                            facecolor="black", edgecolor="black", linewidth=0.6, zorder=22))
    ax.add_patch(MplPolygon([(x, y + size), (x + w, y), (x, y + size * 0.28)], closed=True, transform=tr,
                            facecolor="white", edgecolor="black", linewidth=0.6, zorder=22))
    ax.text(x, y + size * 1.06, "北\nN", transform=tr, ha="center", va="bottom", fontsize=8, fontfamily=font,
            fontweight="bold", linespacing=0.95, zorder=22, parse_math=False)


def _axes_ratio(ax: Axes) -> float:
    """Height/width of the axes box on paper (to keep figures drawn in axes fractions undistorted)."""
    pos = ax.get_position()
    fw, fh = ax.figure.get_size_inches()
    return (pos.height * fh) / (pos.width * fw)


def draw_frame(ax: Axes, *, font: str, fontsize: float = 5.5, ticks: int = 4) -> None:
    """A heavy neat line around the map with Gauss-Krüger coordinate ticks (metres) outside it."""
    for side in ax.spines.values():
        side.set_linewidth(1.4)
        side.set_color("black")
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    step = nice_length((x1 - x0) / ticks)
    ax.set_xticks(np.arange(math.ceil(x0 / step) * step, x1, step))
    step_y = nice_length((y1 - y0) / ticks)
    ax.set_yticks(np.arange(math.ceil(y0 / step_y) * step_y, y1, step_y))
    ax.set_xticklabels([f"{v:.0f}" for v in ax.get_xticks()], fontsize=fontsize, fontfamily=font, color="#333333",
                       parse_math=False)
    ax.set_yticklabels([f"{v:.0f}" for v in ax.get_yticks()], fontsize=fontsize, fontfamily=font, color="#333333",
                       rotation=90, va="center", parse_math=False)
    ax.tick_params(direction="in", length=3, width=0.6, pad=1.5, top=True, right=True)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def place_labels(ax: Axes, x: np.ndarray, y: np.ndarray, texts: list[str], *, fontsize: float,
                 taken: list[tuple[float, float, float, float]] | None = None,
                 offsets: tuple[tuple[float, float], ...] = ((1, 0), (-1, 0), (0, 1), (0, -1)),
                 gap_pt: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list]:
    """Choose non-overlapping label positions (greedy, in order) for anchor points ``x``, ``y``.

    Each label tries the ``offsets`` (right, left, above, below of its anchor) and is kept at the
    first one whose box overlaps no label kept before (nor any box in ``taken``) and stays inside
    the axes.  Returns (kept mask, label x, label y, horizontal alignments, boxes in points).
    The axes limits and the figure size must be final.
    """
    n = len(texts)
    keep = np.zeros(n, bool)
    lx, ly = np.asarray(x, float).copy(), np.asarray(y, float).copy()
    ha = np.full(n, "center", dtype=object)
    if n == 0:
        return keep, lx, ly, ha, list(taken or [])
    to_pt = 72.0 / ax.figure.dpi
    disp = ax.transData.transform(np.column_stack([x, y])) * to_pt
    bb = ax.get_window_extent()
    ax_box = (bb.x0 * to_pt, bb.y0 * to_pt, bb.x1 * to_pt, bb.y1 * to_pt)
    boxes = list(taken or [])
    cell = max(fontsize * 8, 20.0)
    grid: dict[tuple[int, int], list[int]] = {}
    for i, b in enumerate(boxes):
        _grid_add(grid, b, i, cell)
    inv = ax.transData.inverted()
    for i in range(n):
        if not np.isfinite(disp[i]).all():
            continue
        w = text_em(texts[i]) * fontsize
        h = fontsize * 1.15
        for dx, dy in offsets:
            cx = disp[i, 0] + dx * (w / 2 + gap_pt)
            cy = disp[i, 1] + dy * (h / 2 + gap_pt)
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if not (ax_box[0] <= box[0] and box[2] <= ax_box[2] and ax_box[1] <= box[1] and box[3] <= ax_box[3]):
                continue
            if _grid_hits(grid, boxes, box, cell):
                continue
            boxes.append(box)
            _grid_add(grid, box, len(boxes) - 1, cell)
            keep[i] = True
            lx[i], ly[i] = inv.transform((cx / to_pt, cy / to_pt))
            break
    return keep, lx, ly, ha, boxes


def _grid_cells(box, cell):
    for gx in range(int(box[0] // cell), int(box[2] // cell) + 1):
        for gy in range(int(box[1] // cell), int(box[3] // cell) + 1):
            yield gx, gy


def _grid_add(grid, box, idx, cell) -> None:
    for key in _grid_cells(box, cell):
        grid.setdefault(key, []).append(idx)


def _grid_hits(grid, boxes, box, cell) -> bool:
    for key in _grid_cells(box, cell):
        for j in grid.get(key, ()):
            b = boxes[j]
            if box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]:
                return True
    return False


def box_of_points(ax: Axes, x: float, y: float, w_pt: float, h_pt: float) -> tuple[float, float, float, float]:
    """A box of ``w_pt`` × ``h_pt`` points centred on data point (x, y), in points (for ``taken``)."""
    to_pt = 72.0 / ax.figure.dpi
    px, py = ax.transData.transform((x, y)) * to_pt
    return px - w_pt / 2, py - h_pt / 2, px + w_pt / 2, py + h_pt / 2


def polygon_paths(geoms: np.ndarray) -> list[MplPath]:
    """matplotlib Paths (holes included) for polygon geometries; other types are skipped."""
    paths = []
    for g in shapely.get_parts(np.asarray(geoms, dtype=object)):
        if shapely.get_type_id(g) != 3 or g.is_empty:
            continue
        rings = [np.asarray(g.exterior.coords)] + [np.asarray(r.coords) for r in g.interiors]
        verts = np.concatenate(rings)
        codes = np.full(len(verts), MplPath.LINETO, dtype=np.uint8)
        start = 0
        for r in rings:
            codes[start] = MplPath.MOVETO
            codes[start + len(r) - 1] = MplPath.CLOSEPOLY
            start += len(r)
        paths.append(MplPath(verts, codes))
    return paths


def add_polygons(ax, geoms, *, zorder: float, **style) -> PathCollection | None:
    """Add polygon geometries to ``ax`` as one collection (``style``: facecolor, edgecolor, hatch…)."""
    paths = polygon_paths(geoms)
    if not paths:
        return None
    style = dict(style)
    style.setdefault("facecolor", "none")
    coll = PathCollection(paths, zorder=zorder, **style)
    ax.add_collection(coll)
    return coll


def add_lines(ax, geom: shapely.Geometry, *, zorder: float, edgecolor: str, linewidth: float,
              linestyle="-") -> None:
    """Add the lines of ``geom`` (a (multi)line or polygon boundary) to ``ax`` as one collection."""
    parts = [np.asarray(g.coords) for g in shapely.get_parts(shapely.line_merge(geom)) if not g.is_empty]
    if parts:
        ax.add_collection(LineCollection(parts, colors=edgecolor, linewidths=linewidth, linestyles=linestyle,
                                         zorder=zorder))


def halo_text(ax: Axes, x: float, y: float, text: str, *, font: str, size: float, color: str,
              weight: str = "normal") -> None:
    """Text centred on (x, y) in data units, with a white halo so it reads over any fill.

    The halo is a separate outline drawn underneath, so the label itself stays real text in a PDF
    (searchable and copyable).
    """
    kw = {"ha": "center", "va": "center", "fontsize": size, "fontfamily": font, "fontweight": weight, "zorder": 15,
          "parse_math": False}
    ax.text(x, y, text, color=HALO, path_effects=[pe.Stroke(linewidth=1.8, foreground=HALO)], **kw)
    ax.text(x, y, text, color=color, **kw)
