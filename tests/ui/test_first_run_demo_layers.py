"""The app's first-run demo store has the demo reference layers (示例数据), as ``init-demo`` makes it, so the
case map lists them and 乡镇统计 shows 涉嫌犯罪移送 from the start."""

from __future__ import annotations

from cases.service import app_store
from cases.triage.layers import KINDS, stored_layers
from ui import common


def test_the_apps_first_run_store_has_the_demo_reference_layers(tmp_path):
    store = app_store(tmp_path / "first.db", fill=common._fill_demo)
    try:
        layers = stored_layers(store)
        assert list(layers) == list(KINDS)
        assert all(len(f) > 0 for f in layers.values())
        assert len(store.cases()) > 100
    finally:
        store.close_all()
