"""Field photos kept with their case: content-addressed files, one metadata row each, attached all or nothing.

A store file ``data/casemap.db`` keeps its photos in ``data/casemap.photos/``: each photo as
``<sha256>.<jpg|png|heic>`` (its bytes unchanged, never under the uploaded name) and a thumbnail
``<sha256>.thumb.jpg``, written to a temporary file and renamed.  A server store (PostgreSQL) keeps the bytes in
the ``photos`` table (``data``, ``thumb``).  Attaching checks every photo first, writes the files, then adds the
rows and one audit entry per photo (and the status proposal) in one transaction; if that fails, the files it
added are removed again.  A photo already on the case (same SHA-256) is skipped with a note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from cases import audit
from cases.county import county_of
from cases.evidence.images import PhotoInfo, read_photo, thumbnail_jpeg
from cases.evidence.measure import MAX_DISTANCE_META, flag_label, gps_problem, max_distance_m, measure
from cases.model import STATUSES
from cases.permissions import GuardedStore
from cases.store import CaseStore, photo_folder
from geo.crs import STORAGE_CRS
from geo.errors import StoreError, ValidationError

#: Columns of the ``photos`` table (bytes columns excepted), in order.
COLUMNS = ("case_id", "sha256", "file", "original_name", "media_type", "size_bytes", "width", "height", "taken_at",
           "lon", "lat", "direction", "note", "added_at", "added_by")
#: Keys of one photo record (``photos --format json``), in order.
RECORD_KEYS = ("case_id", "file", "original_name", "sha256", "taken_at", "lon", "lat", "direction", "distance_m",
               "flags", "flag_labels", "gps_raw", "note", "media_type", "size_bytes", "width", "height", "added_at",
               "added_by")
MAX_NOTE_CHARS = 2000


@dataclass
class AttachReport:
    """What :func:`attach_photos` did: the records of the photos added, and notes (skipped duplicates, GPS)."""

    case_id: str
    added: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    proposed_status: str | None = None


def photo_dir(store: CaseStore) -> Path | None:
    """The folder of a store file's photos (``<stem>.photos`` beside it); None for a server store."""
    return photo_folder(store.path)


def _raw(store: CaseStore, case_ids: list[str], *, change: bool = False) -> CaseStore:
    """The store under a GuardedStore, once its account may read (change) ``case_ids``."""
    if isinstance(store, GuardedStore):
        return store.store_for_cases(case_ids, change=change)
    return store


def _ready(raw: CaseStore) -> bool:
    """True when the store has the ``photos`` table: every store file (its migrations make it); a server store
    once its schema has it."""
    if photo_dir(raw) is not None:
        return True
    return bool(raw.query("SELECT to_regclass('photos') IS NOT NULL")[0][0])


def _require_table(raw: CaseStore) -> None:
    if not _ready(raw):
        raise StoreError(f"案件库 {raw.path} 还没有现场照片表（photos）：请升级该 PostgreSQL 案件库的结构后再添加照片")


def _user(store: CaseStore, user: str) -> str:
    return store.account.name if isinstance(store, GuardedStore) else (user or "命令行")


@dataclass(frozen=True)
class _Upload:
    name: str
    data: bytes
    sha256: str
    info: PhotoInfo
    thumb: bytes

    @property
    def file(self) -> str:
        return f"{self.sha256}{self.info.extension}"


def attach_photos(store: CaseStore, case_id: str, photos: list[tuple[str, bytes]], *, note: str = "",
                  proposed_status: str | None = None, user: str = "") -> AttachReport:
    """Attach ``photos`` ((original name, bytes) pairs) to case ``case_id``, all or nothing.

    ``store`` may be an account's GuardedStore: a township account attaches to its own township's cases only,
    a read-only account to none (PermissionDeniedError); the audit log names the account.  ValidationError
    (Chinese, naming each bad file) for an unknown case, no photo, a file that is not a photo, one over the
    size limit, a damaged one, an unknown status; nothing is written then.  ``proposed_status`` is recorded in
    the audit log as the inspector's proposal (the case's status is not changed).
    """
    case = store.get_case(case_id)  # ValidationError for an unknown id, PermissionDeniedError for another township's
    raw = _raw(store, [case_id], change=True)
    _require_table(raw)
    who = _user(store, user)
    note = (note or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError(f"现场核查备注过长（{len(note)} 字），请控制在 {MAX_NOTE_CHARS} 字以内")
    if proposed_status and proposed_status not in STATUSES:
        raise ValidationError(f"建议状态「{proposed_status}」无效，应为：{'、'.join(STATUSES)}")
    if not photos:
        raise ValidationError(f"没有照片：请为案件 {case_id} 拍摄或选择至少一张照片")
    uploads, errors = [], []
    for name, data in photos:
        try:
            info, img = read_photo(data, name=name)
            uploads.append(_Upload(name, data, hashlib.sha256(data).hexdigest(), info, thumbnail_jpeg(img)))
        except ValidationError as exc:
            errors.append(str(exc))
    if errors:
        raise ValidationError("；".join(errors) + "。本次未保存任何照片")
    report = AttachReport(case_id, proposed_status=proposed_status or None)
    known = {r[0]: r[1] for r in raw.query("SELECT sha256, original_name FROM photos WHERE case_id = ?", (case_id,))}
    fresh: list[_Upload] = []
    for up in uploads:
        if up.sha256 in known or any(f.sha256 == up.sha256 for f in fresh):
            first = known.get(up.sha256) or next(f.name for f in fresh if f.sha256 == up.sha256)
            report.notes.append(f"提示：照片「{up.name}」与案件 {case_id} 已有的照片「{first}」完全相同"
                                f"（SHA-256 {up.sha256[:12]}…），未重复保存")
        else:
            fresh.append(up)
    if not fresh:
        return report
    measured = _measure_new(raw, case, fresh)
    for up in fresh:
        problem = gps_problem(up.info.lon, up.info.lat)
        if problem:
            report.notes.append(f"提示：照片「{up.name}」的{problem}，已保存但不在地图上标注（标记为定位异常）")
        elif up.info.lon is None:
            report.notes.append(f"提示：照片「{up.name}」没有卫星定位信息，已保存并标记为无位置")
    created = _write_files(photo_dir(raw), fresh)
    now = dt.datetime.now().isoformat(timespec="seconds")
    try:
        with raw.transaction() as con:
            taken = {r[0] for r in con.execute("SELECT sha256 FROM photos WHERE case_id = ?", (case_id,)).fetchall()}
            clash = [up.name for up in fresh if up.sha256 in taken]
            if clash:
                raise ValidationError(f"照片 {'、'.join(clash)} 刚刚已由他人附到案件 {case_id}，本次未保存任何照片；请刷新后重试")
            server = photo_dir(raw) is None
            last = con.execute("SELECT MAX(seq) FROM photos WHERE case_id = ?", (case_id,)).fetchone()[0]
            first = (last or 0) + 1
            con.executemany(
                f"INSERT INTO photos ({', '.join(COLUMNS)}, seq, data, thumb) VALUES ({', '.join('?' * (len(COLUMNS) + 3))})",
                [(case_id, up.sha256, up.file, up.name, up.info.media_type, len(up.data), up.info.width, up.info.height,
                  up.info.taken_at, up.info.lon, up.info.lat, up.info.direction, note or None, now, who, first + i,
                  up.data if server else None, up.thumb if server else None) for i, up in enumerate(fresh)])
            log = [(now, who, case_id, "photo", None, None, _audit_text(up, rec, note)) for up, rec in zip(fresh, measured)]
            if proposed_status:
                log.append((now, who, case_id, "status_proposal", "status", case.status, proposed_status))
            audit.append(con, log)
    except BaseException:
        _remove_unreferenced(raw, created)
        raise
    report.added = [_record({**dict(zip(COLUMNS, (case_id, up.sha256, up.file, up.name, up.info.media_type,
                                                  len(up.data), up.info.width, up.info.height, up.info.taken_at,
                                                  up.info.lon, up.info.lat, up.info.direction, note or None, now,
                                                  who))), **rec}) for up, rec in zip(fresh, measured)]
    return report


def _measure_new(raw: CaseStore, case: Any, fresh: list[_Upload]) -> list[dict[str, Any]]:
    rows = pd.DataFrame({"case_id": [case.case_id] * len(fresh), "lon": [u.info.lon for u in fresh],
                         "lat": [u.info.lat for u in fresh], "taken_at": [u.info.taken_at for u in fresh]})
    cases = gpd.GeoDataFrame({"case_id": [case.case_id], "found_date": [case.found_date]},
                             geometry=gpd.GeoSeries([case.geometry], crs=STORAGE_CRS), crs=STORAGE_CRS)
    out = measure(rows, cases, area_crs=county_of(raw).area_crs, limit_m=max_distance_m(raw.get_meta(MAX_DISTANCE_META)))
    return out[["lon", "lat", "distance_m", "flags", "flag_labels", "gps_raw"]].to_dict("records")


def _audit_text(up: _Upload, rec: dict[str, Any], note: str) -> str:
    where = (f"东经 {rec['lon']:.6f}° 北纬 {rec['lat']:.6f}°" if rec["lon"] is not None else "无位置")
    dist = f"，距案件 {rec['distance_m']:.1f} 米" if rec["distance_m"] is not None else ""
    flags = f"，标记：{'、'.join(rec['flag_labels'])}" if rec["flag_labels"] else ""
    text = (f"现场照片 {up.file}（原名「{up.name}」，{len(up.data)} 字节，SHA-256 {up.sha256}；"
            f"拍摄时间 {up.info.taken_at or '无'}，{where}{dist}{flags}）")
    return text + (f"；备注：{note}" if note else "")


def _write_files(folder: Path | None, fresh: list[_Upload]) -> list[Path]:
    """Write each photo and thumbnail not yet in ``folder`` (temporary file, then rename); the files created."""
    if folder is None:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    created: list[Path] = []
    try:
        for up in fresh:
            for name, data in ((up.file, up.data), (f"{up.sha256}.thumb.jpg", up.thumb)):
                final = folder / name
                if final.exists() and final.stat().st_size == len(data):
                    continue  # the same content, by its name (another case holds it too)
                part = folder / f".{name}.part-{os.getpid()}"
                with open(part, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(part, final)
                created.append(final)
    except OSError as exc:
        for path in created:
            path.unlink(missing_ok=True)
        raise ValidationError(f"无法写入照片文件夹 {folder}：{exc.strerror or exc}；本次未保存任何照片") from exc
    return created


def _remove_unreferenced(raw: CaseStore, created: list[Path]) -> None:
    """Remove files this attach created that no photo row names (its transaction failed)."""
    if not created:
        return
    named = {r[0] for r in raw.query("SELECT sha256 FROM photos")}
    for path in created:
        if path.name.split(".", 1)[0] not in named:
            path.unlink(missing_ok=True)


def _record(row: dict[str, Any]) -> dict[str, Any]:
    """One photo as plain values in ``RECORD_KEYS`` order (NaN → None, numpy numbers → Python)."""
    return {k: _plain(row.get(k)) for k in RECORD_KEYS}


def photos_frame(store: CaseStore, case_id: str | None = None) -> pd.DataFrame:
    """The photos of case ``case_id`` (default: of every case the account may read), one row each with
    ``RECORD_KEYS``, distances and flags measured against the cases as they are now; oldest first.

    ValidationError for an unknown case id; PermissionDeniedError for another township's case.
    """
    if case_id is not None:
        case = store.get_case(case_id)
        cases = gpd.GeoDataFrame({"case_id": [case.case_id], "found_date": [case.found_date]},
                                 geometry=gpd.GeoSeries([case.geometry], crs=STORAGE_CRS), crs=STORAGE_CRS)
    else:
        cases = store.cases()[["case_id", "found_date", "geometry"]]
    ids = list(cases["case_id"])
    raw = _raw(store, ids)
    if not _ready(raw):
        return pd.DataFrame(columns=list(RECORD_KEYS))
    sql = f"SELECT {', '.join(COLUMNS)} FROM photos"
    rows = raw.query(sql + " WHERE case_id = ? ORDER BY seq", (case_id,)) if case_id is not None \
        else raw.query(sql + " ORDER BY case_id, seq")
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame = frame[frame["case_id"].isin(set(ids))].reset_index(drop=True)
    if frame.empty:
        return pd.DataFrame(columns=list(RECORD_KEYS))
    out = measure(frame, cases, area_crs=county_of(raw).area_crs,
                  limit_m=max_distance_m(raw.get_meta(MAX_DISTANCE_META)))
    return out[list(RECORD_KEYS)]


def photo_records(store: CaseStore, case_id: str) -> list[dict[str, Any]]:
    """The photos of one case as plain records (``photos --format json``)."""
    frame = photos_frame(store, case_id)
    return [{k: _plain(v) for k, v in rec.items()} for rec in frame.to_dict("records")]


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, str)):
        return value.item()
    return value


def photo_bytes(store: CaseStore, case_id: str, sha256: str, *, thumb: bool = False) -> bytes:
    """The bytes of a photo (``thumb``: of its JPEG thumbnail) of case ``case_id``, as stored."""
    raw = _raw(store, [case_id])
    rows = raw.query("SELECT file, data, thumb FROM photos WHERE case_id = ? AND sha256 = ?", (case_id, sha256))
    if not rows:
        raise ValidationError(f"案件 {case_id} 没有 SHA-256 为 {sha256[:12]}… 的照片")
    file, data, small = rows[0]
    folder = photo_dir(raw)
    if folder is None:
        return bytes(small if thumb else data)
    path = folder / (f"{sha256}.thumb.jpg" if thumb else file)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"照片文件 {path} 无法读取（{exc.strerror or exc}）；照片文件夹应与案件库文件放在一起") from exc


def flags_text(flags: list[str], *, limit_m: float) -> str:
    """Flags as one line of Chinese labels (empty when none)."""
    return "、".join(flag_label(f, limit_m=limit_m) for f in flags)
