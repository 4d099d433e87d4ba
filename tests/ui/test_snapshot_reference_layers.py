"""导出地图 → 叠加参考图层: the loaded reference layers are offered by Chinese name (示例数据 noted), the chosen
ones are drawn on the PNG/PDF with a legend entry as ``snapshot --layer`` draws them, none chosen draws none, and
a township account (which may not read the layers) sees no picker and no error."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from cases.store import open_store
from cases.triage.layers import load_demo_layers
from tests.ui.conftest import login_token
from ui import export_buttons
from ui.auth import KEY_TOKEN

SCRIPT = """
from ui import common
from ui.export_buttons import snapshot_download
cases = common.store().cases()
snapshot_download(cases[cases["township"] == "峨口镇"], None, "峨口镇案件分布图", key="t", area_name="代县峨口镇")
"""
DEMO_LABELS = ["永久基本农田（示例数据）", "耕地（示例数据）", "其他农用地（示例数据）", "生态保护红线（示例数据）",
               "城镇开发边界（示例数据）", "批准用地（示例数据）", "设施农业备案（示例数据）"]


@pytest.fixture
def layered_db(demo_db):
    store = open_store(demo_db)
    load_demo_layers(store, user="测试")
    store.close_all()
    return demo_db


@pytest.fixture
def made(monkeypatch) -> list:
    """The snapshot makers the popover built (content and the bytes function), in order."""
    real, out = export_buttons.snapshot_maker, []

    def recording(content, **kw):
        out.append((content, kw, real(content, **kw)))
        return out[-1][2]

    monkeypatch.setattr(export_buttons, "snapshot_maker", recording)
    export_buttons.reference_choices.clear()
    return out


def _app(db, user: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(SCRIPT, default_timeout=120)
    at.session_state[KEY_TOKEN] = login_token(db, user)
    return at.run()


def _pdf_text(data: bytes, tmp_path) -> str:
    pdf = tmp_path / "map.pdf"
    pdf.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                          encoding="utf-8").stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_chosen_layer_is_drawn_in_the_pdf_and_its_legend(layered_db, made, tmp_path):
    at = _app(layered_db, "测试管理员")
    assert not at.exception
    picker = at.multiselect(key="t_layers")
    assert picker.label == "叠加参考图层" and picker.value == []
    assert list(picker.options) == DEMO_LABELS
    assert all(not c.backdrop for c, _, _ in made)  # default: none
    made.clear()
    picker.set_value(["other_farmland"]).run()
    assert not at.exception
    pdf_content = next(c for c, kw, _ in made if kw["fmt"] == "pdf")
    assert [(label, len(frame)) for label, frame, _ in pdf_content.backdrop] == [("其他农用地（示例数据）", 16)]
    pdf = next(make for _, kw, make in made if kw["fmt"] == "pdf")()
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf, tmp_path)
    assert "其他农用地（示例数据）" in text and "永久基本农田" not in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_no_layer_chosen_draws_none(layered_db, made, tmp_path):
    at = _app(layered_db, "测试管理员")
    assert not at.exception
    content, kw, make = next(m for m in made if m[1]["fmt"] == "pdf")
    assert content.backdrop == []
    text = _pdf_text(make(), tmp_path)
    assert "峨口镇案件分布图" in text and "县界" in text  # the text is read: the title and a legend entry
    assert not any(label in text for label in DEMO_LABELS)


def test_a_township_account_sees_no_picker_and_no_error(layered_db, made):
    at = _app(layered_db, "峨口干部")
    assert not at.exception and not at.error
    assert not [w for w in at.get("multiselect") if w.key == "t_layers"]
    assert [b.proto.label for b in at.get("download_button")] == ["下载 PNG", "下载 PDF"]
    assert all(c.backdrop == [] for c, _, _ in made)


def test_no_picker_while_no_layer_is_loaded(demo_db, made):
    at = _app(demo_db, "测试管理员")
    assert not at.exception
    assert not [w for w in at.get("multiselect") if w.key == "t_layers"]
    assert [b.proto.label for b in at.get("download_button")] == ["下载 PNG", "下载 PDF"]
