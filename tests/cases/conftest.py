"""Fixtures shared by the domain tests."""

from __future__ import annotations

import sqlite3

import pytest

from cases.demo import init_demo
from cases.store import open_store


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


def copy_store(store, path):
    """A writable copy of ``store`` at ``path``, made with SQLite's backup API (WAL included), opened."""
    src, dst = sqlite3.connect(store.path), sqlite3.connect(path)
    src.backup(dst)
    src.close()
    dst.close()
    return open_store(path)


def case_in(store, township: str, *, other: bool = False):
    """The first case declared in ``township`` (``other``: in any other township)."""
    cases = store.cases()
    sel = cases[(cases["township"] != township) if other else (cases["township"] == township)]
    return store.get_case(sel["case_id"].iloc[0])
