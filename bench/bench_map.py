"""Benchmark of the case map with 10,000 cases: store load, check, map HTML build time and size,
filter time, and (when Chromium is installed) the time until the map has painted in a browser.

    python -m bench.bench_map [--cases 10000] [--no-browser]

Figures are printed with their ratio to the 110-case demo map measured in the same process.
Targets (issue 3): map page paints in ≤ 3 s, ≤ 5 MB of HTML, filters answer in ≤ 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

from cases.filters import ANY_FLAG, CaseFilter, filter_mask
from cases.output.casemap import build_case_map
from cases.service import app_store, check_store
from geo.webmap.assets import external_refs, inline_assets

ROOT = Path(__file__).resolve().parent.parent

STATIC = ROOT / "static"


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def big_store(path: Path, n: int):
    """A store with ``n`` cases: the demo cases replicated and jittered by up to ±300 m."""
    store = app_store(path)
    demo = [store.get_case(c) for c in store.cases()["case_id"]]
    rng = np.random.default_rng(7)
    extra = []
    for i in range(n - len(demo)):
        base = demo[i % len(demo)]
        dx, dy = rng.uniform(-0.003, 0.003, 2)
        geom = shapely.affinity.translate(base.geometry, dx, dy)
        extra.append(base.with_changes(case_id=f"{base.case_id}-{i:05d}", geometry=geom, version=0))
    store.upsert_cases(extra, user="bench")
    return store


def map_html(store, cases, checks, assets=None):
    county, towns, permits = store.county(), store.townships(), store.permits()
    m = build_case_map(cases, checks=checks, townships=towns, permits=permits, county=county, assets=assets)
    return m.get_root().render()


def paint_seconds(html: str, tmp: Path) -> float | None:
    """Seconds from navigation until Leaflet has drawn the case layers, in headless Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path("/usr/bin/chromium").exists():
        return None
    page_file = tmp / "map.html"
    page_file.write_text(html, encoding="utf-8")
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = b.new_page(viewport={"width": 1200, "height": 800})
        t = time.perf_counter()
        page.goto(page_file.as_uri())
        page.wait_for_function("() => document.querySelector('.leaflet-overlay-pane canvas, .leaflet-overlay-pane path')"
                               " && document.querySelectorAll('.casemap-label').length > 0", timeout=60_000)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        secs = time.perf_counter() - t
        b.close()
    return secs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--no-browser", action="store_true")
    a = ap.parse_args()
    assets = inline_assets(lambda rel: (STATIC / rel).read_bytes())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        small = app_store(tmp / "demo.db")
        s_cases, s_load = timed(small.cases)
        s_checks, s_check = timed(check_store, small)
        s_html, s_build = timed(map_html, small, s_cases, s_checks)
        _, t_fill = timed(big_store, tmp / "big.db", a.cases)
        big = app_store(tmp / "big.db")
        cases, load = timed(big.cases)
        checks, check = timed(check_store, big)
        html, build = timed(map_html, big, cases, checks)
        assert external_refs(html) == [], external_refs(html)
        inline_html = map_html(big, cases, checks, assets)
        f = CaseFilter(townships=("峨口镇", "胡峪乡"), kinds=("mining",), flags=(ANY_FLAG,),
                       found_from=dt.date(2019, 7, 1), text="代县")
        mask, filt = timed(filter_mask, cases, checks, f)
        sub_html, sub_build = timed(map_html, big, cases[mask], checks)
        s_paint = b_paint = None
        if not a.no_browser:
            s_paint = paint_seconds(map_html(small, s_cases, s_checks, assets), tmp)
            b_paint = paint_seconds(inline_html, tmp)

    mb = lambda n: len(n.encode("utf-8")) / 1e6
    print(f"store filled with {len(cases)} cases in {t_fill:.1f} s")
    rows = [
        ("load cases (s)", s_load, load),
        ("check all cases (s, cached per store version)", s_check, check),
        ("build map HTML (s)", s_build, build),
        ("map HTML, assets served (MB)", mb(s_html), mb(html)),
        ("map HTML, assets inlined (MB)", None, mb(inline_html)),
        (f"filter to {int(mask.sum())} cases (s)", None, filt),
        ("rebuild filtered map (s)", None, sub_build),
        ("paint in Chromium, inline assets (s)", s_paint, b_paint),
    ]
    print(f"{'measure':52s} {'110 demo':>10s} {len(cases):>10d} {'ratio':>8s}")
    for name, base, big_v in rows:
        if big_v is None:
            continue
        b = f"{base:10.3f}" if base is not None else f"{'':10s}"
        r = f"{big_v / base:8.1f}" if base else f"{'':8s}"
        print(f"{name:52s} {b} {big_v:10.3f} {r}")
    page = load + build + (b_paint or 0)
    print(f"map page (load + build + paint, checks cached): {page:.2f} s  [target ≤ 3 s]; "
          f"HTML {mb(html):.2f} MB [≤ 5 MB]; filter + rebuild {filt + sub_build:.2f} s [≤ 1 s]")


if __name__ == "__main__":
    main()
