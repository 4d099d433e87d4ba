"""Fixtures shared by the domain tests."""

from __future__ import annotations

import itertools
import os
import sqlite3

import psycopg
import pytest

from cases.demo import init_demo
from cases.store import open_store

#: The PostgreSQL server the PostGIS store tests use, e.g. postgresql://postgres@127.0.0.1:5433/postgres
#: (``bash .ci/run`` starts one); without it they skip locally and fail in CI.
PG_ENV = "CASEMAP_TEST_PG"
BACKENDS = ["sqlite", "postgis"]


class PgServer:
    """Fresh databases on the test server, each made from a template that has PostGIS installed."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.base = self.url.rsplit("/", 1)[0]
        self.template = f"casemap_test_tpl_{os.getpid()}"
        self._names = (f"casemap_test_{os.getpid()}_{n}" for n in itertools.count())
        self.made: list[str] = []
        try:
            self.admin = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            pytest.fail(f"{PG_ENV}={url}: the PostgreSQL server does not answer: {exc}")
        self.admin.execute(f"DROP DATABASE IF EXISTS {self.template}")
        self.admin.execute(f"CREATE DATABASE {self.template}")
        with psycopg.connect(self.url_of(self.template), autocommit=True) as con:
            con.execute("CREATE EXTENSION postgis")

    def url_of(self, name: str) -> str:
        return f"{self.base}/{name}"

    def new_database(self, *, template: str | None = None) -> str:
        """The URL of a new database (a copy of ``template``, default: empty with PostGIS)."""
        name = next(self._names)
        self.admin.execute(f"CREATE DATABASE {name} TEMPLATE {template or self.template}")
        self.made.append(name)
        return self.url_of(name)

    def drop_all(self) -> None:
        for name in [*self.made, self.template]:
            self.admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.admin.close()


@pytest.fixture(scope="session")
def pg_server():
    """The test PostgreSQL server ($CASEMAP_TEST_PG): skipped with a message locally without it, failed in CI."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        message = f"PostGIS store tests need a PostgreSQL server with PostGIS: set {PG_ENV} (bash .ci/run starts one)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = PgServer(url)
    yield server
    server.drop_all()


@pytest.fixture(params=BACKENDS)
def store_backend(request) -> str:
    """Each store test runs on both backends: the SQLite file and a PostGIS database."""
    return request.param


@pytest.fixture
def store_location(store_backend, tmp_path, request):
    """Where a new store for this test goes: a file in tmp_path, or a fresh PostGIS database."""
    if store_backend == "sqlite":
        return tmp_path / "store.db"
    return request.getfixturevalue("pg_server").new_database()


@pytest.fixture(scope="module", params=BACKENDS)
def demo_any(request, tmp_path_factory):
    """The demo store on each backend, one per test module (closed: copies are made from it)."""
    if request.param == "sqlite":
        location = tmp_path_factory.mktemp("demo") / "demo.db"
    else:
        location = request.getfixturevalue("pg_server").new_database()
    store = open_store(location, create=True)
    init_demo(store)
    store.close_all()
    return request.param, location


@pytest.fixture
def demo_any_copy(demo_any, tmp_path, request):
    """A fresh, writable copy of the demo store on the backend of ``demo_any``."""
    backend, location = demo_any
    if backend == "sqlite":
        src, dst = sqlite3.connect(location), sqlite3.connect(tmp_path / "copy.db")
        src.backup(dst)
        src.close()
        dst.close()
        store = open_store(tmp_path / "copy.db")
    else:
        server = request.getfixturevalue("pg_server")
        store = open_store(server.new_database(template=location.rsplit("/", 1)[1]))
    yield store
    store.close_all()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A new store filled with the demo data (110 cases, 20 permits), one per test module."""
    store = open_store(tmp_path_factory.mktemp("demo") / "demo.db", create=True)
    init_demo(store)
    yield store
    store.close()


@pytest.fixture
def demo_copy(demo, tmp_path):
    """A fresh, writable copy of the demo store for one test (copied with SQLite's backup API, WAL included)."""
    store = copy_store(demo, tmp_path / "copy.db")
    yield store
    store.close_all()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """A store file made by ``python -m cases init-demo`` (demo cases, permits and reference layers), one per module."""
    from cases.cli.main import main

    path = tmp_path_factory.mktemp("cli_demo") / "demo.db"
    assert main(["init-demo", "--db", str(path)]) == 0
    return path


def copy_file(source, path):
    """Copy the store file ``source`` to ``path`` with SQLite's backup API (WAL included); return ``path``."""
    src, dst = sqlite3.connect(source), sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    return path


def copy_store(store, path):
    """A writable copy of ``store`` at ``path``, made with SQLite's backup API (WAL included), opened."""
    return open_store(copy_file(store.path, path))


def case_in(store, township: str, *, other: bool = False):
    """The first case declared in ``township`` (``other``: in any other township)."""
    cases = store.cases()
    sel = cases[(cases["township"] != township) if other else (cases["township"] == township)]
    return store.get_case(sel["case_id"].iloc[0])
