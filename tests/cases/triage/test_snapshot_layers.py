"""Reference layers chosen for a printed map (``snapshot --layer``) are drawn under the cases and in the legend."""

from __future__ import annotations

import pytest

from cases.cli.main import main
from cases.output.snapshots import SnapshotRequest, render_snapshot, snapshot_content
from cases.triage.layers import load_demo_layers
from geo.errors import ValidationError


def test_chosen_layers_are_drawn_with_a_legend_entry(demo_copy):
    load_demo_layers(demo_copy, user="测试")
    content, _ = snapshot_content(demo_copy, SnapshotRequest(layers=("基本农田", "approved_land")))
    assert [label for label, _, _ in content.backdrop] == ["永久基本农田（示例数据）", "批准用地（示例数据）"]
    fig = render_snapshot(demo_copy, SnapshotRequest(layers=("approved_land",)))
    panel = next(a for a in fig.axes if a.get_label() == "panel")
    assert "批准用地（示例数据）" in [t.get_text() for t in panel.texts]


def test_a_layer_not_loaded_is_named(demo_copy):
    with pytest.raises(ValidationError, match="没有参考图层「耕地」"):
        snapshot_content(demo_copy, SnapshotRequest(layers=("cropland",)))


def test_cli_option(demo_copy, tmp_path, capsys):
    load_demo_layers(demo_copy, user="测试")
    out = tmp_path / "map.png"
    assert main(["snapshot", "--db", str(demo_copy.path), "--layer", "生态保护红线", "--out", str(out), "--dpi", "60"]) == 0
    assert out.stat().st_size > 10_000
