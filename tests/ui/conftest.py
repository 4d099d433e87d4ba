"""Fixtures for the UI tests: a demo store per test, AppTest of one page, a live Streamlit server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cases.service import app_store

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "_artifacts"
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ui") / "demo.db"
    app_store(path).close()
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the demo store, used by the app through $CASEMAP_DB."""
    path = tmp_path / "casemap.db"
    shutil.copy(demo_template, path)
    monkeypatch.setenv("CASEMAP_DB", str(path))
    return path


def page_app(page: str):
    """An AppTest running one page module's render()."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_string(f"from ui import {page}\n{page}.render()\n", default_timeout=90)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _require_browser() -> None:
    why = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        why = "未安装 Python 包 playwright（pip install -r requirements.txt）"
    if why is None and not Path(CHROMIUM).exists():
        why = "未找到 Chromium（/usr/bin/chromium）：请运行 apt-get install chromium fonts-noto-cjk"
    if why:
        if os.environ.get("CASEMAP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"浏览器测试需要 Chromium：{why}")
        pytest.skip(f"跳过浏览器测试：{why}")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """A Streamlit server running app.py on a free local port, on a fresh demo store."""
    _require_browser()
    db = tmp_path_factory.mktemp("live") / "casemap.db"
    app_store(db).close()
    port = _free_port()
    env = {**os.environ, "CASEMAP_DB": str(db), "PYTHONPATH": str(ROOT)}
    log = open(db.with_suffix(".log"), "w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                log.flush()
                raise RuntimeError("Streamlit 未能启动：" + db.with_suffix(".log").read_text(encoding="utf-8")[-2000:])
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    ctx.close()
