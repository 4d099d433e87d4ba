"""Facts found in 基本情况（摘要）, and which were not found."""

from __future__ import annotations

import pytest

from cases.ledger.summary import extract_facts, extract_fine_wan, parse_area_mu


@pytest.mark.parametrize("text, kind, expected", [
    ("某某公司 2019年3月 在某村 非法占地 12.5亩", "land", ("某某公司", "2019年3月", "某村", 12.5, "", ())),
    ("代县东庄建材有限公司（示例）于2018年3月在峨口镇东庄村非法占地１２.３亩", "land",
     ("代县东庄建材有限公司（示例）", "2018年3月", "峨口镇东庄村", 12.3, "", ())),
    ("张三于2019.5在胡峪乡石门村非法开采石灰岩3.2亩", "mining", ("张三", "2019.5", "胡峪乡石门村", 3.2, "石灰岩", ())),
    ("违法主体：李四；时间：2018年；地点：上馆镇西河村；亩数：１２.５亩", "land", ("李四", "2018年", "上馆镇西河村", 12.5, "", ())),
    ("王某某在雁门关乡北坡村盗采煤炭约2000平方米", "mining", ("王某某", "", "雁门关乡北坡村", 3.0, "煤炭", ("时间",))),
    ("群众举报有人挖土", "land", ("", "", "", None, "", ("违法主体", "时间", "地点", "亩数"))),
    ("<script>alert(1)</script>", "mining", ("", "", "", None, "", ("违法主体", "时间", "地点", "亩数", "矿种"))),
])
def test_extract_facts(text, kind, expected):
    f = extract_facts(text, kind=kind)
    assert (f.party, f.time, f.location, f.area_mu, f.mineral, f.missing) == expected


@pytest.mark.parametrize("value, mu", [
    (12.5, 12.5), ("12.5亩", 12.5), ("１２.５", 12.5), ("１２．５亩", 12.5), ("2000平方米", 3.0), ("1.2公顷", 18.0),
    (None, None), ("", None),
])
def test_parse_area_mu(value, mu):
    assert parse_area_mu(value) == mu


def test_area_without_number_is_refused():
    with pytest.raises(ValueError):
        parse_area_mu("约十亩")


def test_fine_sum_in_wan():
    assert extract_fine_wan("没收建筑物，罚款12.5万元；另对个人罚款5000元") == 13.0
    assert extract_fine_wan("责令拆除") is None
