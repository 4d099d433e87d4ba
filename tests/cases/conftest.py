"""Fixtures shared by the domain tests."""

from __future__ import annotations

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
