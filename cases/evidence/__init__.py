"""地上查: field evidence — photos attached to cases with their EXIF position and time, distance from the case and flags.

``images`` checks a photo by content and reads its EXIF (Pillow); ``measure`` measures it against its case in
the county's Gauss-Krüger zone; ``storage`` keeps it (content-addressed files beside the store file, one row
in ``photos``) and attaches it all or nothing, audited, through the account's GuardedStore.
"""

from cases.evidence.measure import FLAG_LABELS, MAX_DISTANCE_M, flag_label, max_distance_m
from cases.evidence.storage import (
    RECORD_KEYS,
    AttachReport,
    attach_photos,
    photo_bytes,
    photo_dir,
    photo_records,
    photos_frame,
)

__all__ = [
    "FLAG_LABELS",
    "MAX_DISTANCE_M",
    "RECORD_KEYS",
    "AttachReport",
    "attach_photos",
    "flag_label",
    "max_distance_m",
    "photo_bytes",
    "photo_dir",
    "photo_records",
    "photos_frame",
]
