"""view_for_bounds keeps data clear of the legend (bottom right) without losing zoom."""

from __future__ import annotations

import pytest

from geo.mapview import view_for_bounds

COUNTY = (112.717955, 38.845945, 113.36175, 39.361556)


def test_pad_moves_the_centre_east_by_half_the_pad_at_the_same_zoom():
    (lat0, lon0), z0 = view_for_bounds(COUNTY, width_px=640, height_px=600)
    (lat1, lon1), z1 = view_for_bounds(COUNTY, width_px=640, height_px=600, pad_right_px=100)
    assert z1 == z0 == 10 and lat1 == lat0
    deg_per_px = 360 / (256 * 2 ** 10)
    assert (lon1 - lon0) / deg_per_px == pytest.approx(50)


def test_pad_shift_is_limited_by_the_room_beside_the_data():
    # the county is 469 px wide at zoom 10: (640 - 469) / 2 - 24 = 61.6 px of room, less than 190 / 2
    (_, lon0), _ = view_for_bounds(COUNTY, width_px=640, height_px=600)
    (_, lon1), z = view_for_bounds(COUNTY, width_px=640, height_px=600, pad_right_px=190)
    deg_per_px = 360 / (256 * 2 ** z)
    data_px = (COUNTY[2] - COUNTY[0]) / deg_per_px
    assert (lon1 - lon0) / deg_per_px == pytest.approx((640 - data_px) / 2 - 24)
    # never a shift to the west, however little room there is
    (_, lon2), _ = view_for_bounds(COUNTY, width_px=470, height_px=600, pad_right_px=190)
    assert lon2 >= (COUNTY[0] + COUNTY[2]) / 2
