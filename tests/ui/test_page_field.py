"""现场核查: find a case by search, see it on a small map with its photos listed; the browser test saves a photo."""

from __future__ import annotations

from cases.evidence import attach_photos
from cases.store import open_store
from tests.cases.evidence.photo_fixtures import inside_and_far, photo
from tests.ui.conftest import page_app

CASE = "CK-2019-001"


def test_search_finds_the_case_and_lists_its_photos(demo_db):
    store = open_store(demo_db)
    (x0, y0), (x1, y1) = inside_and_far(store, CASE)
    attach_photos(store, CASE, [("坑口<b>东</b>.jpg", photo(lon=x0, lat=y0)), ("远.jpg", photo(lon=x1, lat=y1, color=(1, 1, 1)))],
                  note="<script>x</script>", user="张三")
    store.close_all()
    at = page_app("page_field").run()
    assert not at.exception
    assert "拍照或选择带定位信息的照片后列出附近案件" in at.info[0].value
    at.text_input(key="field_search").set_value(CASE).run()
    assert not at.exception
    assert at.radio(key="field_case").value == CASE
    texts = [t.value for t in at.text]
    assert any("距案件：500.0 米" in t or "距案件：499.9 米" in t or "距案件：500.1 米" in t for t in texts)
    assert any("距案件超过200米" in t for t in texts) and any("备注：<script>x</script>" in t for t in texts)
    assert any("坑口<b>东</b>.jpg" in t for t in texts)
    assert "现场照片（2 张）" in at.markdown[-1].value or any("现场照片（2 张）" in m.value for m in at.markdown)
    assert at.button(key="field_save").disabled




def test_map_page_draws_the_photo_layer_and_lists_photos_in_the_detail(demo_db):
    from ui import common

    store = open_store(demo_db)
    (x0, y0), _ = inside_and_far(store, CASE)
    attach_photos(store, CASE, [("现场.jpg", photo(lon=x0, lat=y0))], user="张三")
    store.close_all()
    at = page_app("page_map")
    at.session_state[common.KEY_SELECTED_CASE] = CASE
    at.run()
    assert not at.exception
    assert any(f"案件 {CASE} 的现场照片（1 张）" in m.value for m in at.markdown)
    assert any("拍摄时间：2019-07-01 10:20:30" in t.value for t in at.text)
