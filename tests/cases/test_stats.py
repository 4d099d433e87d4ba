"""Per-township statistics on hand-made cases."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from cases.stats import township_stats, with_chinese_headers
from tests.conftest import E0, N0
from tests.demo_division import TOWNSHIPS


def cases_frame():
    recs = [
        dict(case_id="a", kind="land", category=1, township="上馆镇", status="已销号", fine_wan=2.5,
             criminal_persons=1, accountability_persons=0, area_mu_declared=None),
        dict(case_id="b", kind="mining", category=7, township="上馆镇", status="乡镇已验收", fine_wan=1.0,
             criminal_persons=0, accountability_persons=2, area_mu_declared=None),
        dict(case_id="c", kind="mining", category=6, township="峨口镇", status="已立案", fine_wan=0.0,
             criminal_persons=0, accountability_persons=0, area_mu_declared=3.5),
    ]
    geoms = [box(E0, N0, E0 + 100, N0 + 100), box(E0, N0, E0 + 200, N0 + 100), Point(E0, N0)]
    return gpd.GeoDataFrame(recs, geometry=geoms, crs=4526).to_crs(4490)


def test_every_township_and_a_total():
    t = township_stats(cases_frame(), townships=TOWNSHIPS)
    assert list(t.township) == list(TOWNSHIPS) + ["合计"]
    row = t.set_index("township").loc["上馆镇"]
    assert (row.land_cases, row.mining_cases, row.cat_1, row.cat_7) == (1, 1, 1, 1)
    assert row.area_mu == pytest.approx(30000 / (10000 / 15), abs=0.01)  # 10 000 + 20 000 m² = 45 亩
    assert row.fine_wan == pytest.approx(3.5)
    assert (row.criminal_persons, row.accountability_persons, row.rectified, row.closed) == (1, 2, 2, 1)
    e = t.set_index("township").loc["峨口镇"]
    assert e.area_mu == pytest.approx(3.5)  # a point counts its declared 亩数
    assert e.rectified == 0
    total = t.set_index("township").loc["合计"]
    assert total.mining_cases == 2 and total.cat_6 == 1
    assert t.set_index("township").loc["雁门关乡"].land_cases == 0


def test_chinese_headers():
    cols = list(with_chinese_headers(township_stats(cases_frame(), townships=TOWNSHIPS)).columns)
    assert cols[:3] == ["乡镇", "用地案件", "采矿案件"] and "整改到位" in cols and "已销号" in cols
