"""What a person waits for on 案件地图 with 10,000 cases, measured end to end in Chromium.

    python -m bench.bench_browser [--cases 10000] [--repeat 3] [--db PATH]

A Streamlit server runs app.py on a store of ``--cases`` cases (the demo cases replicated and jittered,
as ``bench.bench_map``; kept at ``--db`` if given, so a second run skips the 1–2 minutes of filling it).
Headless Chromium (Debian's /usr/bin/chromium) logs in and times, from the input event until the page
shows the result (Streamlit idle, the map iframe painted with its new content):

- opening the map page after login (map painted);
- a filter change (类型 = 采矿 and back: the shown map hides or shows cases, or a new map is drawn, and is
  repainted);
- a case picked in the 案件 box (from the Enter that picks the typed id until the detail is shown, the map
  zoomed to it, its id on the map);
- a click on another case's marker, alone at its pixel, on the map's visible part (the frame runs below the
  window's edge): that case's detail shown, map zoomed (``inf`` if it is not opened within 60 s).

The median of ``--repeat`` runs is printed with the machine's CPU count.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.bench_map import big_store
from cases import accounts

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
USER, PASSWORD = "计时员", "bench-password"
FRAME = 'iframe[title="streamlit_folium.st_folium"]'

#: True once Streamlit is idle and the map iframe holds a painted map that is not ``window.__old``.
READY = """() => {
  if (document.querySelector('[data-testid="stStatusWidget"]')) { return false; }
  const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const w = f && f.contentWindow;
  if (!w || !w.map || w.__old || !w.map._loaded) { return false; }
  return !!w.document.querySelector('.leaflet-overlay-pane canvas, .leaflet-overlay-pane path');
}"""
#: True once Streamlit is idle and the map shows the new filter: the same frame has applied one more filter
#: (``n``: how many it had applied before) and repainted its canvas, or a new map frame is painted.
FILTERED = """(n) => {
  if (document.querySelector('[data-testid="stStatusWidget"]')) { return false; }
  const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const w = f && f.contentWindow;
  if (!w || !w.map || !w.map._loaded) { return false; }
  const c = w.map._casemapCanvas;
  if (w.__old) { return (w.map._casemapApplied || 0) > n && !(c && c._redrawRequest); }
  return !!w.document.querySelector('.leaflet-overlay-pane canvas, .leaflet-overlay-pane path');
}"""
#: A case marker near the map's centre, clear of the legend, in the window, and alone (no other case's marker
#: within 14 px, no other case's parcel around it, so a click there can open only that case) if ``lone``, not
#: ``skip``: [id, x, y] in page pixels.
MARKER = """([skip, lone]) => {
  const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]'), w = f.contentWindow;
  const r = f.getBoundingClientRect(), size = w.map.getSize(), found = [], all = [];
  const id = l => String(l.getTooltip().getContent()).split('｜')[0];
  w.map.eachLayer(l => { if (l.getTooltip && l.getTooltip() && l.options.interactive !== false) { all.push(l); } });
  all.forEach(l => {
    if (!(l instanceof w.L.CircleMarker) || id(l) === skip) { return; }
    const ll = l.getLatLng(), p = w.map.latLngToContainerPoint(ll);
    if (p.x < 40 || p.y < 40 || p.x > size.x - 220 || p.y > size.y - 40 || r.top + p.y > innerHeight - 20) { return; }
    const alone = !lone || all.every(o => id(o) === id(l) || (o instanceof w.L.CircleMarker
      ? w.map.latLngToContainerPoint(o.getLatLng()).distanceTo(p) > 14 : !o.getBounds().contains(ll)));
    if (alone) { found.push([id(l), r.left + p.x, r.top + p.y]); }
  });
  return found[Math.floor(found.length / 2)];
}"""


def _store(path: Path, n: int) -> Path:
    if not path.exists():
        big_store(path, n).close_all()
        store = __import__("cases.store", fromlist=["open_store"]).open_store(path)
        accounts.add_user(store, USER, role="county", password=PASSWORD, by="bench")
        store.close_all()
    return path


def _serve(db: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "CASEMAP_DB": str(db), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("Streamlit did not start")


def _mark_old(page) -> None:
    page.evaluate("() => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
                  " if (f && f.contentWindow) { f.contentWindow.__old = true; } }")


def _timed(page, act, done: str, arg=None) -> float:
    t = time.perf_counter()
    act()
    while not page.evaluate(done, arg):  # polled every 0.2 s (the figures are ±0.2 s)
        # lay the page out, as a screen being looked at does (headless Chromium otherwise defers the iframe)
        page.evaluate("() => document.body.innerText.length")
        if time.perf_counter() - t > 60:
            raise TimeoutError("页面 60 秒内未完成")
        page.wait_for_timeout(200)
    secs = time.perf_counter() - t
    return secs


def _kind_filter(page, name: str):
    def act():
        page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').nth(1).click()
        if name:
            page.get_by_role("option", name=name).click()
        else:
            page.keyboard.press("Backspace")  # removes the chosen 采矿
        page.keyboard.press("Escape")
    return act


#: The picked case's id is on the map and its detail shown.
PICKED = """(id) => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const s = f && f.contentWindow.document.querySelector('.casemap-label.selected span');
  return !!s && s.textContent === id &&
    Array.from(document.querySelectorAll('h3')).some(h => h.textContent.startsWith(id + '（')); }"""
#: The case clicked (``want``) is picked: in the address, its id on the map, its detail shown.
CLICKED = """(want) => { const m = location.search.match(/case=([^&]+)/);
  const id = m && decodeURIComponent(m[1]);
  const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const s = f && f.contentWindow.document.querySelector('.casemap-label.selected span');
  return id === want && !!s && s.textContent === id &&
    Array.from(document.querySelectorAll('h3')).some(h => h.textContent.startsWith(id + '（')); }"""


def _one_run(page, url: str, out: dict[str, list[float]]) -> None:
    page.set_default_timeout(120_000)
    page.goto(f"{url}/map")
    page.get_by_label("用户名").fill(USER)
    page.get_by_label("密码").fill(PASSWORD)
    out["打开地图页（登录后）"].append(_timed(page, lambda: page.get_by_role("button", name="登录").click(), READY))
    for label, name in (("筛选：类型=采矿", "采矿"), ("筛选：清除", "")):
        _mark_old(page)
        applied = page.evaluate("() => document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]')"
                                ".contentWindow.map._casemapApplied || 0")
        out[label].append(_timed(page, _kind_filter(page, name), FILTERED, applied))
    case = page.evaluate(MARKER, ["", False])[0]

    # typed before the clock starts (the list of 10,000 ids is filtered as a person types): timed from Enter
    page.locator('[data-testid="stSelectbox"]').filter(has_text="案件（缩放到案件并显示详情）").click()
    page.keyboard.type(case)
    page.wait_for_timeout(300)
    out["选择案件（缩放+详情）"].append(_timed(page, lambda: page.keyboard.press("Enter"), PICKED, case))
    page.wait_for_timeout(500)
    other, x, y = page.evaluate(MARKER, [case, True])  # another case than the one picked
    try:
        out["单击地图上的案件"].append(_timed(page, lambda: page.mouse.click(x, y), CLICKED, other))
    except TimeoutError:
        out["单击地图上的案件"].append(float("inf"))


def run(db: Path, repeat: int) -> dict[str, list[float]]:
    """Median-ready timings of ``repeat`` sessions on a server running on ``db``."""
    from playwright.sync_api import sync_playwright

    proc, url = _serve(db)
    out: dict[str, list[float]] = {k: [] for k in ("打开地图页（登录后）", "筛选：类型=采矿", "筛选：清除",
                                                   "选择案件（缩放+详情）", "单击地图上的案件")}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
                _one_run(page, url, out)
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--db", type=Path, default=None, help="store to use (filled with --cases cases if missing)")
    a = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit("需要 Chromium：apt-get install chromium fonts-noto-cjk")
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        db = _store(a.db or Path(tmp) / "bench.db", a.cases)
        print(f"store with {a.cases} cases ready in {time.perf_counter() - t:.0f} s; {os.cpu_count()} CPUs")
        for name, secs in run(db, a.repeat).items():
            print(f"{name:24s} median {statistics.median(secs):5.2f} s   runs " + " ".join(f"{s:.2f}" for s in secs),
                  flush=True)


if __name__ == "__main__":
    main()
