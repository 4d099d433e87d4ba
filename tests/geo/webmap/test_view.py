"""view_for_bounds keeps data clear of the legend (bottom right) without losing zoom."""

from __future__ import annotations

import pytest

from geo.webmap.maps import view_for_bounds

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


def _legend_labels(m) -> list[str]:
    import json
    import re

    from geo.webmap.layers import Legend

    legend = next(c for c in m._children.values() if isinstance(c, Legend))
    html = json.loads(legend.html_json.replace("<\\/", "</"))
    return re.findall(r"</i>([^<]*)<br>", html)


def test_choropleth_legend_of_counts_names_whole_numbers():
    import geopandas as gpd
    import pandas as pd
    import shapely

    from geo.crs import STORAGE_CRS
    from geo.webmap.maps import build_choropleth

    names = [f"乡{i}" for i in range(5)]
    towns = gpd.GeoDataFrame({"name": names}, geometry=[shapely.box(113 + i * 0.01, 39, 113.01 + i * 0.01, 39.01)
                                                         for i in range(5)], crs=STORAGE_CRS)
    counts = build_choropleth(towns, pd.Series([4, 5, 6, 7, 8], index=names), title="用地案件")
    assert _legend_labels(counts) == ["4", "5", "6", "7", "8"]
    wide = build_choropleth(towns, pd.Series([0, 10, 20, 30, 44], index=names), title="案件")
    assert _legend_labels(wide) == ["0 – 8", "9 – 17", "18 – 26", "27 – 35", "36 – 44"]
    sparse = build_choropleth(towns, pd.Series([4, 4, 5, 6, 6], index=names), title="案件")
    assert _legend_labels(sparse) == ["4", "5", "6"]
    area = build_choropleth(towns, pd.Series([39.0, 100.5, 150.0, 200.0, 344.85], index=names), title="面积（亩）")
    assert _legend_labels(area)[0] == "39.00 – 100.17" and _legend_labels(area)[-1] == "283.68 – 344.85"
