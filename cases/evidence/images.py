"""Photos as evidence: type and size checked by content, EXIF position, time and direction read with Pillow.

A photo is JPEG, PNG or (when the optional ``pillow-heif`` package is installed) HEIC/HEIF, told by its first
bytes, never by its name.  Its GPS position is WGS84, taken as CGCS2000 (< 1 m apart).  The time taken is
``DateTimeOriginal`` (else ``DateTime``), local time as the camera wrote it, with ``OffsetTimeOriginal`` when
present.  The bytes are never changed: what is read here is only recorded beside them.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from geo.errors import ValidationError

#: Default largest photo accepted (MB); ``$CASEMAP_MAX_PHOTO_MB`` changes it.
MAX_PHOTO_MB = 20
#: Media type and file extension of each accepted kind.
KINDS = {"jpeg": ("image/jpeg", ".jpg"), "png": ("image/png", ".png"), "heic": ("image/heic", ".heic")}
#: Longest side of a thumbnail (pixels).
THUMB_PX = 320
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


@dataclass(frozen=True)
class PhotoInfo:
    """What a photo says about itself: kind, size, and the EXIF time, position and direction (None when absent)."""

    kind: str
    media_type: str
    extension: str
    width: int
    height: int
    taken_at: str | None
    lon: float | None
    lat: float | None
    direction: float | None


def max_photo_bytes() -> int:
    """The size limit in bytes: ``$CASEMAP_MAX_PHOTO_MB`` (MB), else 20 MB."""
    text = os.environ.get("CASEMAP_MAX_PHOTO_MB", "").strip()
    try:
        mb = float(text) if text else MAX_PHOTO_MB
    except ValueError:
        raise ValidationError(f"环境变量 CASEMAP_MAX_PHOTO_MB 应为兆字节数（如 20），而不是「{text}」") from None
    return int(mb * 1024 * 1024)


def check_photo_size(size: int, *, name: str) -> None:
    """ValidationError (Chinese, naming the file and both sizes) for an empty file or one over the limit."""
    limit = max_photo_bytes()
    if size == 0:
        raise ValidationError(f"照片「{name}」是空文件")
    if size > limit:
        raise ValidationError(f"照片「{name}」大小 {size / 1048576:.1f} MB，超过上限 {limit / 1048576:.0f} MB；"
                              "请在手机上选择较小的照片尺寸后重新拍摄或上传（CASEMAP_MAX_PHOTO_MB 可调整上限）")


def detect_kind(data: bytes) -> str | None:
    """``jpeg``, ``png`` or ``heic`` from the first bytes; None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "heic"
    return None


def heif_opener() -> bool:
    """Let Pillow open HEIC/HEIF (iPhone photos) where ``pillow-heif`` is installed; False where it is not."""
    try:
        from pillow_heif import register_heif_opener  # optional: reads HEIC where installed
    except ImportError:
        return False
    register_heif_opener()
    return True


def _open(data: bytes, *, name: str, kind: str) -> Image.Image:
    """The decoded image; ValidationError for a damaged file or one too large to decode safely."""
    if kind == "heic" and not heif_opener():
        raise ValidationError(f"照片「{name}」是 HEIC 格式，本机未安装读取 HEIC 的 pillow-heif；请安装"
                              "（python -m pip install pillow-heif），或在手机相机设置中选择“兼容性最佳”（JPEG）后重拍")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(f"照片「{name}」像素过多，不像手机照片") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(f"照片「{name}」已损坏或无法读取（{type(exc).__name__}）") from None
    return img


def read_photo(data: bytes, *, name: str) -> tuple[PhotoInfo, Image.Image]:
    """Check ``data`` is a photo (by content) within the size limit and read its EXIF.

    Returns the facts and the decoded image (for the thumbnail).  ValidationError (Chinese, naming ``name``)
    for an empty or too large file, a file that is not a JPEG/PNG/HEIC image, or a damaged one.
    """
    check_photo_size(len(data), name=name)
    kind = detect_kind(data)
    if kind is None:
        raise ValidationError(f"「{name}」不是照片（只接受 JPEG、PNG 或 HEIC 图像，按文件内容判断，不看扩展名）")
    img = _open(data, name=name, kind=kind)
    exif = img.getexif()
    lon, lat = _position(exif.get_ifd(ExifTags.IFD.GPSInfo))
    media, ext = KINDS[kind]
    return PhotoInfo(kind, media, ext, img.width, img.height, _taken_at(exif), lon, lat,
                     _direction(exif.get_ifd(ExifTags.IFD.GPSInfo))), img


def thumbnail_jpeg(img: Image.Image) -> bytes:
    """A JPEG thumbnail (longest side 320 px), turned upright as the EXIF orientation says."""
    thumb = ImageOps.exif_transpose(img.copy())
    thumb.thumbnail((THUMB_PX, THUMB_PX))
    if thumb.mode not in ("RGB", "L"):
        thumb = thumb.convert("RGBA")
        flat = Image.new("RGB", thumb.size, (255, 255, 255))
        flat.paste(thumb, mask=thumb.getchannel("A"))
        thumb = flat
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def _number(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return out if out == out and abs(out) != float("inf") else None


def _degrees(parts: Any, ref: Any) -> float | None:
    """Degrees from EXIF (degrees, minutes, seconds) rationals and an N/S/E/W reference."""
    if not isinstance(parts, (tuple, list)) or not parts:
        return _number(parts)
    values = [_number(p) for p in parts[:3]]
    if any(v is None for v in values):
        return None
    deg = sum(v / 60 ** i for i, v in enumerate(values))
    ref = ref.decode("ascii", "replace") if isinstance(ref, bytes) else str(ref or "")
    return -deg if ref.strip().upper() in ("S", "W") else deg


def _position(gps: dict) -> tuple[float | None, float | None]:
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if lat is None or lon is None:
        return None, None
    return round(lon, 7), round(lat, 7)


def _direction(gps: dict) -> float | None:
    value = _number(gps.get(ExifTags.GPS.GPSImgDirection))
    return None if value is None else round(value % 360.0, 1)


def _taken_at(exif: Image.Exif) -> str | None:
    """ISO 8601 of DateTimeOriginal (else DateTime), with OffsetTimeOriginal when written; None if unreadable."""
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    raw = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not raw:
        return None
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)
    try:
        when = dt.datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    iso = when.isoformat(timespec="seconds")
    offset = str(sub.get(ExifTags.Base.OffsetTimeOriginal) or "").strip("\x00 ")
    if len(offset) == 6 and offset[0] in "+-" and offset[3] == ":":
        iso += offset
    return iso
