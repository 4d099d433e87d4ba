"""Briefing outputs written to files: map snapshots (PNG/PDF), case check sheets and atlases.

The figures are built by ``geo.printmap.snapshot`` (maps) and ``cases.output.sheets`` (check sheets); this
module selects the data from the store, applies the request's ``cases.filters.CaseFilter`` (the
``--filter`` options, parsed by ``cases.filters.parse_filters``) and saves the files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure

from cases.assignment import shown_names
from cases.county import county_of
from cases.filters import CaseFilter, describe_filter, filter_mask
from cases.io.files import atomic_output
from cases.output.figures import check_suffix, producing_unit, save_figure
from cases.output.fonts import font_family
from cases.service import check_store, store_cases, store_notes
from cases.store import CaseStore
from cases.text import date_text
from cases.triage.printstyle import print_layers
from geo.checks import outside_parts
from geo.errors import ValidationError
from geo.printmap.snapshot import MapContent, snapshot_figure

#: Title of a county map; ``{county}`` is the store's county.
COUNTY_TITLE = "{county}非法违法用地用矿案件分布图"
OUTPUT_SUFFIXES = (".png", ".pdf")


# -- map snapshots ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SnapshotRequest:
    """What a snapshot shows; every field is optional.

    ``case_filter`` selects the cases (``python -m cases snapshot --filter`` items parsed by
    ``cases.filters.parse_filters``); the map's 制图范围 names it as ``（筛选：…）``.  ``division`` draws the
    township division in force in that year (default: the current one); cases count in their township
    of that division (:func:`cases.service.in_division`).
    """

    township: str | None = None
    case_id: str | None = None
    case_filter: CaseFilter = CaseFilter()
    title: str | None = None
    unit: str | None = None
    date: dt.date | None = None
    division: int | None = None
    #: Reference layers (``cases.triage.layers.KINDS`` codes) drawn under the cases.
    layers: tuple[str, ...] = ()


def snapshot_content(store: CaseStore, request: SnapshotRequest) -> tuple[MapContent, tuple[float, float, float, float] | None]:
    """The map content and extent (lon/lat) of ``request`` from ``store``."""
    f = request.case_filter
    cases = store.cases()
    checks = check_store(store, cases=cases) if f.flags else None
    cases, towns = store_cases(store, year=request.division, cases=cases)
    if f.townships:  # a township of another division matches the one(s) it became or came from in the shown one
        f = dataclasses.replace(f, townships=shown_names(store, f.townships, year=request.division))
    cases = cases[filter_mask(cases, checks, f)]
    extent = None
    focus = None
    county = county_of(store).name
    area = f"{county}全县"
    title = COUNTY_TITLE.format(county=county)
    if request.township:
        if request.township not in set(towns["name"]):
            raise ValidationError(f"乡镇「{request.township}」不在乡镇界线图层中，应为：{'、'.join(towns['name'])}")
        cases = cases[cases["township"] == request.township]
        focus = towns[towns["name"] == request.township].geometry
        extent = tuple(focus.total_bounds)
        area = f"{county}{request.township}"
        title = f"{county}{request.township}非法违法用地用矿案件分布图"
    if request.case_id:
        case = store.get_case(request.case_id)
        permits = store.permits()
        geoms = [case.geometry] + list(permits.loc[permits["permit_no"] == case.permit_no, "geometry"])
        extent = tuple(gpd.GeoSeries(geoms, crs=permits.crs).total_bounds)
        others = cases[cases["case_id"] != case.case_id]
        target = store.cases()
        cases = pd.concat([target[target["case_id"] == case.case_id], others])
        area = f"{county}{case.township} 案件 {case.case_id}"
        title = f"案件 {case.case_id} 位置图"
    described = describe_filter(f)
    if described:
        area += f"（筛选：{described}）"
    content = MapContent(
        cases=cases, townships=towns, permits=store.permits(), county=store.county(),
        title=request.title or title, area_name=area, date_text=date_text(request.date or dt.date.today()),
        unit=producing_unit(store, request.unit), notes=store_notes(store),
        outside=outside_parts(cases, store.permits(), area_crs=county_of(store).area_crs), focus=focus,
        highlight=request.case_id, backdrop=print_layers(store, request.layers),
    )
    return content, extent


def render_snapshot(store: CaseStore, request: SnapshotRequest, *, size: str = "A4", landscape: bool = False,
                    dpi: float = 150) -> Figure:
    """The snapshot Figure of ``request``."""
    content, extent = snapshot_content(store, request)
    return snapshot_figure(content, extent=extent, size=size, landscape=landscape, dpi=dpi, font=font_family(),
                           crs=county_of(store).area_crs)


def write_snapshot(store: CaseStore, out: str | os.PathLike, request: SnapshotRequest = SnapshotRequest(), *,
                   size: str = "A4", landscape: bool = False, dpi: float = 150) -> Path:
    """Write the map snapshot of ``request`` to ``out`` (.png or .pdf); return the path."""
    path = check_suffix(out, OUTPUT_SUFFIXES)
    if dpi < 30 or dpi > 1200:
        raise ValidationError(f"分辨率 --dpi {dpi:g} 超出范围，应在 30–1200 之间")
    fig = render_snapshot(store, request, size=size, landscape=landscape, dpi=dpi)
    with atomic_output(path) as tmp:  # a failed or killed save never leaves a half-written map
        save_figure(fig, tmp, fmt=path.suffix.lower().lstrip("."))
    return path


def snapshot_bytes(store: CaseStore, request: SnapshotRequest, *, fmt: str, size: str = "A4", landscape: bool = False,
                   dpi: float = 150) -> bytes:
    """The snapshot as PNG or PDF bytes (for download buttons)."""
    buf = io.BytesIO()
    save_figure(render_snapshot(store, request, size=size, landscape=landscape, dpi=dpi), buf, fmt=fmt)
    return buf.getvalue()
