"""Test photos made with Pillow: JPEG/PNG with EXIF time and GPS at a chosen CGCS2000 position."""

from __future__ import annotations

import io

from PIL import ExifTags, Image
from pyproj import Transformer


def dms(value: float) -> tuple[float, float, float]:
    """Degrees as EXIF (degrees, minutes, seconds)."""
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    return float(d), float(m), round((value - d - m / 60) * 3600, 6)


def photo(*, lon: float | None = None, lat: float | None = None, taken: str | None = "2019:07:01 10:20:30",
          direction: float | None = None, fmt: str = "JPEG", color=(90, 120, 60), size=(64, 48)) -> bytes:
    """An image whose EXIF holds ``taken`` (EXIF text) and, when given, the GPS position and direction."""
    img = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "casemap test"  # an empty IFD0 makes Pillow drop the EXIF of a PNG
    if taken:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    if lon is not None and lat is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = dms(lat)
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = dms(lon)
        if direction is not None:
            gps[ExifTags.GPS.GPSImgDirection] = direction
    buf = io.BytesIO()
    img.save(buf, fmt, exif=exif)
    return buf.getvalue()


def lonlat_of_gk(x: float, y: float, *, epsg: int = 4526) -> tuple[float, float]:
    """CGCS2000 lon/lat of a Gauss-Krüger easting/northing (default zone 38 with prefix)."""
    return Transformer.from_crs(epsg, 4490, always_xy=True).transform(x, y)


def inside_and_far(store, case_id: str, *, far_m: float = 500.0) -> tuple[tuple[float, float], tuple[float, float]]:
    """A lon/lat inside the case's parcel, and one ``far_m`` east of its easternmost vertex (so exactly that far)."""
    import geopandas as gpd
    import shapely

    case = store.get_case(case_id)
    gk = gpd.GeoSeries([case.geometry], crs=4490).to_crs(4526).iloc[0]
    inside = gpd.GeoSeries([gk.representative_point()], crs=4526).to_crs(4490).iloc[0]
    coords = shapely.get_coordinates(gk)
    east = coords[coords[:, 0].argmax()]
    return (inside.x, inside.y), lonlat_of_gk(east[0] + far_m, east[1])
