"""The 导入导出 page's export picker offers the townships of the current division (峪口镇, not 滩上镇)."""

from __future__ import annotations

from tests.cases.cli.test_divisions_cli import NINE
from tests.demo_division import TOWNSHIPS
from tests.ui.conftest import page_app
from tests.ui.test_divisions_ui import nine_db  # noqa: F401  (fixture)


def test_the_picker_lists_the_current_townships(nine_db):  # noqa: F811
    at = page_app("page_import").run()
    assert not at.exception
    picker = at.selectbox(key="exp_town")
    assert picker.options == ["全县", *NINE]
    picker.set_value("峪口镇").run()
    assert not at.exception


def test_before_the_merge_the_eleven(demo_db):
    at = page_app("page_import").run()
    assert not at.exception
    assert at.selectbox(key="exp_town").options == ["全县", *TOWNSHIPS]
