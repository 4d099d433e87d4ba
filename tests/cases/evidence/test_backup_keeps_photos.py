"""A store file's photos travel with its backup and come back with a restore: no photo is lost by the two
commands an office uses to keep its store safe."""

from __future__ import annotations

from cases.evidence import attach_photos, photo_bytes, photo_dir, photo_records
from cases.restore import restore_store
from cases.store import open_store
from tests.cases.evidence.photo_fixtures import inside_and_far, photo

CASE = "CK-2019-001"


def test_backup_copies_the_photos_and_restore_brings_them_back(demo_copy, tmp_path):
    (x0, y0), _ = inside_and_far(demo_copy, CASE)
    data = photo(lon=x0, lat=y0)
    added = attach_photos(demo_copy, CASE, [("坑口.jpg", data)], user="张三").added[0]
    saved = demo_copy.backup(tmp_path / "备份.db")

    copy = open_store(saved)
    try:
        assert photo_dir(copy) == tmp_path / "备份.photos"
        assert sorted(p.name for p in photo_dir(copy).iterdir()) == [added["file"], f"{added['sha256']}.thumb.jpg"]
        assert photo_bytes(copy, CASE, added["sha256"]) == data  # the same bytes, read from the backup
    finally:
        copy.close_all()

    # the store loses its photo files (a wiped folder); restoring the backup brings them back
    folder = photo_dir(demo_copy)
    demo_copy.close_all()
    for f in folder.iterdir():
        f.unlink()
    restore_store(saved, demo_copy.path, force=True)
    back = open_store(demo_copy.path)
    try:
        assert [r["original_name"] for r in photo_records(back, CASE)] == ["坑口.jpg"]
        assert photo_bytes(back, CASE, added["sha256"]) == data
    finally:
        back.close_all()


def test_a_backup_of_a_store_without_photos_has_no_photo_folder(demo_copy, tmp_path):
    saved = demo_copy.backup(tmp_path / "无照片.db")
    assert saved.exists() and not (tmp_path / "无照片.photos").exists()
