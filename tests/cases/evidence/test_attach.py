"""Attaching field photos: stored by content hash, measured against the case, flagged, audited, all or nothing."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from cases import audit
from cases.accounts import Account
from cases.evidence import attach_photos, photo_bytes, photo_dir, photo_records
from cases.permissions import GuardedStore
from cases.store import SCHEMA_VERSION, open_store
from geo.errors import PermissionDeniedError, ValidationError
from tests.cases.evidence.photo_fixtures import inside_and_far, photo

CASE = "CK-2019-001"  # 峨口镇, a polygon, found 2019-06-28
EKOU = Account("峨口镇干部", "township", "峨口镇")
OTHER = Account("聂营镇干部", "township", "聂营镇")
READER = Account("纪委", "readonly")


@pytest.fixture
def store(demo_copy):
    return demo_copy


@pytest.fixture
def spots(store):
    return inside_and_far(store, CASE)


def _files(store) -> list[str]:
    folder = photo_dir(store)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


class TestMeasured:
    def test_inside_is_zero_and_500_m_away_is_flagged(self, store, spots):
        (x0, y0), (x1, y1) = spots
        near, far = photo(lon=x0, lat=y0, direction=87.5), photo(lon=x1, lat=y1, color=(10, 20, 30))
        report = attach_photos(store, CASE, [("现场1.jpg", near), ("远处.JPG", far)], note="东侧坑口", user="张三")
        a, b = report.added
        assert a["distance_m"] == 0.0 and a["flags"] == []
        assert a["direction"] == 87.5 and a["taken_at"] == "2019-07-01T10:20:30"
        assert abs(a["lon"] - x0) < 1e-6 and abs(a["lat"] - y0) < 1e-6
        assert b["distance_m"] == pytest.approx(500.0, abs=1.0)
        assert b["flags"] == ["FAR_FROM_CASE"] and b["flag_labels"] == ["距案件超过200米"]
        # stored by content hash, original bytes unchanged, a thumbnail beside
        assert a["sha256"] == hashlib.sha256(near).hexdigest() and a["file"] == a["sha256"] + ".jpg"
        assert (photo_dir(store) / a["file"]).read_bytes() == near
        assert photo_bytes(store, CASE, b["sha256"]) == far
        assert photo_bytes(store, CASE, a["sha256"], thumb=True)[:3] == b"\xff\xd8\xff"
        assert _files(store) == sorted([a["file"], b["file"], f"{a['sha256']}.thumb.jpg", f"{b['sha256']}.thumb.jpg"])
        assert photo_dir(store).name == "copy.photos"
        # listed again with the same numbers, names and notes
        listed = photo_records(store, CASE)
        assert [r["original_name"] for r in listed] == ["现场1.jpg", "远处.JPG"]
        assert listed[1]["distance_m"] == b["distance_m"] and listed[0]["note"] == "东侧坑口"
        log = store.audit(case_id=CASE)
        rows = log[log["action"] == "photo"]
        assert len(rows) == 2 and set(rows["user"]) == {"张三"}
        assert "距案件 0.0 米" in rows["new"].iloc[0] and a["sha256"] in rows["new"].iloc[0]

    def test_distance_limit_is_a_store_setting(self, store, spots):
        store.set_meta({"photo_max_distance_m": "600"})
        (_, _), (x1, y1) = spots
        assert attach_photos(store, CASE, [("f.jpg", photo(lon=x1, lat=y1))]).added[0]["flags"] == []

    @pytest.mark.parametrize(("taken", "flags"), [("2019:06:27 23:59:00", ["BEFORE_FOUND"]),
                                                  ("2019:06:28 08:00:00", []), (None, ["NO_TIME"])])
    def test_taken_before_the_case_was_found(self, store, spots, taken, flags):
        (x0, y0), _ = spots
        assert attach_photos(store, CASE, [("t.jpg", photo(lon=x0, lat=y0, taken=taken))]).added[0]["flags"] == flags

    def test_no_gps_is_kept_as_no_location(self, store):
        report = attach_photos(store, CASE, [("无GPS.jpg", photo())])
        rec = report.added[0]
        assert rec["lon"] is None and rec["distance_m"] is None and rec["flag_labels"] == ["无位置"]
        assert any("没有卫星定位信息" in n for n in report.notes)

    @pytest.mark.parametrize(("lon", "lat", "why"), [(0.0, 0.0, "0°/0°"), (2.35, 48.85, "中国境外")])
    def test_nonsense_gps_is_kept_flagged_not_placed(self, store, lon, lat, why):
        report = attach_photos(store, CASE, [("p.jpg", photo(lon=lon, lat=lat))])
        rec = report.added[0]
        assert rec["flags"] == ["BAD_GPS"] and rec["lon"] is None and rec["distance_m"] is None
        assert rec["gps_raw"] == f"{lon:.6f}, {lat:.6f}"
        assert any(why in n for n in report.notes)
        assert photo_records(store, CASE)[0]["flags"] == ["BAD_GPS"]

    def test_png_with_gps(self, store, spots):
        (x0, y0), _ = spots
        rec, bare = attach_photos(store, CASE, [("a.png", photo(lon=x0, lat=y0, fmt="PNG")), ("b.jpg", photo())]).added
        assert bare["lon"] is None and bare["distance_m"] is None  # None in a batch with numbers, never NaN
        assert rec["file"].endswith(".png") and rec["media_type"] == "image/png" and rec["distance_m"] == 0.0


class TestRefused:
    def test_not_an_image_saves_nothing_of_the_batch(self, store, spots):
        (x0, y0), _ = spots
        with pytest.raises(ValidationError, match="「假照片.jpg」不是照片.*本次未保存任何照片"):
            attach_photos(store, CASE, [("好.jpg", photo(lon=x0, lat=y0)), ("假照片.jpg", b"%PDF-1.4 not a photo")])
        assert photo_records(store, CASE) == [] and _files(store) == []

    def test_damaged_jpeg(self, store):
        with pytest.raises(ValidationError, match="已损坏或无法读取"):
            attach_photos(store, CASE, [("坏.jpg", photo()[:200])])

    def test_over_the_size_limit(self, store, monkeypatch):
        monkeypatch.setenv("CASEMAP_MAX_PHOTO_MB", "0.001")
        with pytest.raises(ValidationError, match="超过上限"):
            attach_photos(store, CASE, [("大.jpg", photo(size=(400, 300)))])

    def test_unknown_case(self, store):
        with pytest.raises(ValidationError, match="没有编号为「NO-SUCH」的案件"):
            attach_photos(store, "NO-SUCH", [("a.jpg", photo())])

    def test_duplicate_is_skipped_with_a_note(self, store):
        data = photo()
        attach_photos(store, CASE, [("a.jpg", data)])
        report = attach_photos(store, CASE, [("again.jpg", data), ("again2.jpg", data)])
        assert report.added == [] and "已有的照片「a.jpg」完全相同" in report.notes[0]
        assert len(photo_records(store, CASE)) == 1
        other = store.cases()["case_id"].iloc[5]
        assert attach_photos(store, other, [("a.jpg", data)]).added[0]["file"] == photo_records(store, CASE)[0]["file"]

    def test_a_failed_transaction_leaves_no_file_and_no_row(self, store, monkeypatch):
        def broken(con, rows):
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(audit, "append", broken)
        with pytest.raises(sqlite3.OperationalError):
            attach_photos(store, CASE, [("a.jpg", photo())])
        assert photo_records(store, CASE) == [] and _files(store) == []

    def test_bad_status_proposal(self, store):
        with pytest.raises(ValidationError, match="建议状态"):
            attach_photos(store, CASE, [("a.jpg", photo())], proposed_status="办完了")


class TestRoles:
    def test_township_attaches_to_its_own_cases_only(self, store):
        before = store.get_case(CASE).status
        report = attach_photos(GuardedStore(store, EKOU), CASE, [("a.jpg", photo())], proposed_status="乡镇已验收")
        assert report.added[0]["sha256"]
        log = store.audit(case_id=CASE)
        assert set(log[log["action"].isin(["photo", "status_proposal"])]["user"]) == {"峨口镇干部"}
        assert log[log["action"] == "status_proposal"]["new"].iloc[0] == "乡镇已验收"
        assert store.get_case(CASE).status == before  # a proposal, not a change
        with pytest.raises(PermissionDeniedError):
            attach_photos(GuardedStore(store, OTHER), CASE, [("b.jpg", photo(color=(1, 2, 3)))])
        with pytest.raises(PermissionDeniedError, match="只读账号"):
            attach_photos(GuardedStore(store, READER), CASE, [("c.jpg", photo(color=(3, 2, 1)))])
        with pytest.raises(PermissionDeniedError):
            photo_records(GuardedStore(store, OTHER), CASE)
        assert len(photo_records(store, CASE)) == 1


def test_a_store_of_the_previous_schema_gets_the_photos_table(store):
    path = store.path
    store.close_all()
    con = sqlite3.connect(path)
    con.execute("DROP TABLE photos")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    again = open_store(path)
    try:
        assert again.get_meta("schema_version") == str(SCHEMA_VERSION) == "5"
        assert attach_photos(again, CASE, [("a.jpg", photo())]).added
    finally:
        again.close_all()


def test_both_backends_keep_the_bytes_and_the_numbers(demo_any_copy):
    """A store file keeps the bytes in files beside it, a PostGIS store in its photos table: the same results."""
    store = demo_any_copy
    (x0, y0), (x1, y1) = inside_and_far(store, CASE)
    near, far = photo(lon=x0, lat=y0), photo(lon=x1, lat=y1, color=(4, 5, 6))
    attach_photos(store, CASE, [("近.jpg", near), ("远.jpg", far), ("无.png", photo(fmt="PNG"))])
    listed = photo_records(store, CASE)
    assert [r["distance_m"] is not None and round(r["distance_m"]) for r in listed] == [0, 500, False]
    assert [r["flags"] for r in listed] == [[], ["FAR_FROM_CASE"], ["NO_GPS"]]
    assert photo_bytes(store, CASE, listed[1]["sha256"]) == far
    assert photo_bytes(store, CASE, listed[0]["sha256"], thumb=True)[:3] == b"\xff\xd8\xff"
    assert attach_photos(store, CASE, [("again.jpg", near)]).added == []
