"""Found in Chromium on an inspector's walk-through: what the buttons beside a chosen file say."""

from __future__ import annotations

from tests.cases.evidence.photo_fixtures import photo
from tests.ui.test_browser import log_in

#: The text a button shows: its own text, or what CSS writes after it.
SHOWN = """b => (b.innerText.trim() + ' ' + getComputedStyle(b, '::after').content.replace(/^none$|"/g, '')).trim()"""


def test_a_chosen_photos_remove_button_does_not_say_choose_file(page, app_url, tmp_path):
    """The × that removes a chosen photo said 选择文件 (as did the + that adds one): on a phone an inspector
    pressing it to pick another photo lost the one chosen."""
    picture = tmp_path / "IMG_0001.jpg"
    picture.write_bytes(photo(lon=112.97, lat=39.05))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{app_url}/field")
    log_in(page)
    uploader = page.locator('[data-testid="stFileUploader"]').first
    empty = uploader.locator('[data-testid="stFileUploaderDropzone"] button')
    empty.first.wait_for(timeout=90_000)
    assert empty.first.evaluate(SHOWN) == "选择文件"  # the empty uploader's button, in Chinese

    uploader.locator('input[type="file"]').set_input_files(str(picture))
    remove = uploader.locator('[data-testid="stFileChipDeleteBtn"] button')
    remove.wait_for(timeout=90_000)
    assert "选择文件" not in remove.evaluate(SHOWN)
    buttons = uploader.locator("button")
    shown = [buttons.nth(i).evaluate(SHOWN) for i in range(buttons.count())]
    assert not [t for t in shown if "选择文件" in t], shown
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
