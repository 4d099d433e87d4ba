"""现场核查 in Chromium at a phone's width (390 px): a township inspector picks a photo, gets the case it lies in
as the nearest case, adds a note and saves — the photo is on the case, audited under the inspector's name."""

from __future__ import annotations

import pytest

from cases.store import open_store
from tests.cases.evidence.photo_fixtures import inside_and_far, photo
from tests.ui.conftest import ARTIFACTS, demo_server
from tests.ui.test_browser import log_in

CASE = "CK-2019-001"  # 峨口镇


@pytest.fixture(scope="module")
def field_app(tmp_path_factory):
    with demo_server(tmp_path_factory, "field") as served:
        yield served


def test_phone_inspector_saves_a_photo_to_the_nearest_case(page, field_app, tmp_path):
    url, db = field_app
    store = open_store(db)
    (x0, y0), _ = inside_and_far(store, CASE)
    store.close_all()
    picture = tmp_path / "IMG_2041.jpg"
    picture.write_bytes(photo(lon=x0, lat=y0, size=(640, 480)))

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{url}/field")
    log_in(page, user="峨口干部")
    page.get_by_text("拍照或选择照片").first.wait_for(timeout=90_000)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(picture))
    page.get_by_text("下列为最近的案件").wait_for(timeout=90_000)
    first = page.locator('[data-testid="stRadio"] [role="radiogroup"] label').first
    assert CASE in first.inner_text() and "照片在案件范围内" in first.inner_text()
    page.get_by_label("现场核查情况").fill("现场已停采，坑口未回填")
    page.get_by_role("button", name="保存到案件").click()
    page.get_by_text(f"已保存 1 张照片到案件 {CASE}").wait_for(timeout=90_000)
    page.get_by_text("现场照片（1 张）").wait_for(timeout=30_000)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "field_390.png"), full_page=True)

    store = open_store(db)
    try:
        rows = store.query("SELECT original_name, added_by, note FROM photos WHERE case_id = ?", (CASE,))
        log = store.audit(case_id=CASE)
    finally:
        store.close_all()
    assert rows == [("IMG_2041.jpg", "峨口干部", "现场已停采，坑口未回填")]
    assert (log["action"] == "photo").sum() == 1 and log[log["action"] == "photo"]["user"].iloc[0] == "峨口干部"



def test_photo_layer_in_chromium_camera_popup_thumbnail_and_line(page, field_app):
    """The 现场照片 layer as 案件地图 adds it (same builder), drawn by Leaflet in Chromium from local assets."""
    from cases.evidence import attach_photos
    from cases.evidence.maplayer import photos_map_layer
    from geo.webmap.assets import inline_assets
    from geo.webmap.maps import build_check_map
    from geo.webmap.photos import add_layer
    from tests.ui.conftest import ROOT

    _, db = field_app
    store = open_store(db)
    try:
        (_, _), (x1, y1) = inside_and_far(store, CASE)
        attach_photos(store, CASE, [("远处<b>.jpg", photo(lon=x1, lat=y1, color=(200, 0, 0)))], user="张三")
        cases = store.cases()
        m = build_check_map(store.get_case(CASE).geometry, label=CASE,
                            assets=inline_assets(lambda rel: (ROOT / "static" / rel).read_bytes()))
        add_layer(m, photos_map_layer(store, cases[cases["case_id"] == CASE]))
    finally:
        store.close_all()
    page.set_content(m.get_root().render())
    camera = page.locator(".casemap-camera").last
    camera.wait_for(timeout=30_000)
    camera.click(force=True)
    popup = page.locator(".casemap-photo").last
    popup.wait_for(timeout=30_000)
    assert "远处<b>.jpg" in popup.inner_text() and "距案件超过200米" in popup.inner_text()
    assert popup.locator("img").get_attribute("src").startswith("data:image/jpeg;base64,")
    assert page.locator("path[stroke-dasharray='6 5']").count() == 1  # the line to the case
