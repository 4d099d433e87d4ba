"""Fixtures for the UI tests: a demo store per test, AppTest of one page, a live Streamlit server."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cases import accounts
from cases.service import app_store
from cases.store import open_store
from ui.auth import KEY_TOKEN

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "_artifacts"
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage"]


#: Accounts of the UI test stores: name → (role, township); every password is PASSWORD.
ACCOUNTS = {"测试管理员": ("county", None), "张三": ("county", None), "李四": ("county", None),
            "王五": ("county", None), "峨口干部": ("township", "峨口镇"), "只读员": ("readonly", None)}
PASSWORD = "test-password"


def add_test_accounts(path: Path) -> None:
    """Give the store at ``path`` the accounts of ``ACCOUNTS``."""
    store = open_store(path)
    for name, (role, town) in ACCOUNTS.items():
        accounts.add_user(store, name, role=role, township=town, password=PASSWORD, by="测试")
    store.close_all()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ui") / "demo.db"
    app_store(path).close_all()
    add_test_accounts(path)
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the demo store, used by the app through $CASEMAP_DB."""
    path = tmp_path / "casemap.db"
    shutil.copy(demo_template, path)
    monkeypatch.setenv("CASEMAP_DB", str(path))
    return path


def page_app(page: str, *, user: str | None = "测试管理员"):
    """An AppTest running one page module's render(), logged in as ``user`` ($CASEMAP_DB's store; None: not logged in)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(f"from ui.pages import {page}\n{page}.render()\n", default_timeout=90)
    if user is not None:
        at.session_state[KEY_TOKEN] = login_token(Path(os.environ["CASEMAP_DB"]), user)
    return at


def stored_case(db: Path, case_id: str):
    """The case ``case_id`` as the store file ``db`` holds it now (read on a connection of its own)."""
    store = open_store(db)
    try:
        return store.get_case(case_id)
    finally:
        store.close_all()


def login_token(path: Path, user: str) -> str:
    """A session token of ``user`` on the store at ``path`` (as the login form would start)."""
    store = open_store(path)
    try:
        return accounts.start_session(store, accounts.get_account(store, user))
    finally:
        store.close_all()


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


@contextlib.contextmanager
def serve(db: Path) -> Iterator[str]:
    """A Streamlit server running app.py on a free local port on the store ``db``; yields its URL."""
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


@contextlib.contextmanager
def demo_server(tmp_path_factory, name: str) -> Iterator[tuple[str, Path]]:
    """(URL, store path) of a Streamlit server running app.py on a fresh demo store with the test accounts
    (fails, or skips without Chromium, as the browser tests do)."""
    _require_browser()
    db = tmp_path_factory.mktemp(name) / "casemap.db"
    app_store(db).close_all()
    add_test_accounts(db)
    with serve(db) as url:
        yield url, db


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """A Streamlit server running app.py on a free local port, on a fresh demo store with the test accounts."""
    with demo_server(tmp_path_factory, "live") as (url, _):
        yield url


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
