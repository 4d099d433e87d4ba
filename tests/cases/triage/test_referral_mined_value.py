"""The mining referral threshold (default 10 万元) on the stored 开采矿产品价值, falling back to the case's text."""

from __future__ import annotations

import json

import numpy as np
import pytest
from shapely.geometry import box

from cases.cli.main import main
from cases.store import open_store
from cases.triage.referral import SOURCE_FIELD, SOURCE_TEXT, mined_values, referrals
from cases.triage.rules import Rules
from geo.crs import zone_crs
from tests.conftest import E0, N0, gk_frame

SPOT = box(E0, N0, E0 + 10, N0 + 10)


def run(*rows):
    cases = gk_frame([{"case_id": cid, "kind": "mining", "summary": text, "mined_value_wan": value}
                      for cid, value, text in rows], [SPOT] * len(rows))
    return referrals(cases, {}, rules=Rules(), area_crs=zone_crs(38)).set_index("case_id")


def test_stored_12_fires_from_the_field():
    r = run(("M1", 12.0, "无证开采石灰岩")).loc["M1"]
    assert r["mining_value_wan"] == 12.0
    assert r["fired"] == [{"rule": "mining_value", "label": "非法采矿矿产品价值", "value": 12.0, "threshold": 10.0,
                           "unit": "万元", "source": SOURCE_FIELD}]
    assert r["text"] == "涉嫌犯罪，应移送公安：非法采矿矿产品价值 12.00 万元（标准 ≥ 10 万元）"


def test_stored_8_wins_over_the_text_saying_15():
    r = run(("M2", 8.0, "非法开采，矿产品价值15万元")).loc["M2"]
    assert r["mining_value_wan"] == 8.0 and r["fired"] == [] and r["text"] == ""


def test_empty_field_falls_back_to_the_text_and_says_so():
    r = run(("M3", None, "非法开采，矿产品价值15万元")).loc["M3"]
    assert r["mining_value_wan"] == 15.0
    assert [(f["value"], f["source"]) for f in r["fired"]] == [(15.0, SOURCE_TEXT)]
    assert r["text"] == "涉嫌犯罪，应移送公安：非法采矿矿产品价值 15.00 万元（标准 ≥ 10 万元）（取自案件文字）"


def test_threshold_is_inclusive_and_nothing_stated_is_not_flagged():
    r = run(("AT", 10.0, ""), ("UNDER", 9.99, "价值20万元"), ("NONE", None, "无价值记载"))
    assert [f["value"] for f in r.loc["AT", "fired"]] == [10.0]
    assert r.loc["UNDER", "fired"] == [] and r.loc["NONE", "fired"] == []
    assert np.isnan(r.loc["NONE", "mining_value_wan"])


def test_mined_values_without_the_column_read_the_text():
    frame = gk_frame([{"case_id": "A", "summary": "价值 8 万元；又查明价值10万元"}], [SPOT])
    values, from_text = mined_values(frame)
    assert values.tolist() == [10.0] and from_text.tolist() == [True]


@pytest.mark.parametrize(("stored", "fires"), [(12.0, True), (8.0, False)])
def test_referrals_command_uses_the_stored_value(tmp_path, capsys, stored, fires):
    db = tmp_path / "d.db"
    assert main(["init-demo", "--db", str(db)]) == 0
    store = open_store(db)
    mining = store.cases().query("kind == 'mining'")
    cid = mining["case_id"].iloc[0]
    case = store.get_case(cid)
    store.update_case(cid, {"mined_value_wan": stored, "summary": case.summary + "；矿产品价值15万元"},
                      expected_version=case.version, user="测试")
    store.close_all()
    capsys.readouterr()
    assert main(["referrals", "--db", str(db), "--format", "json"]) == 0
    recs = {r["case_id"]: r["rules"] for r in json.loads(capsys.readouterr().out)}
    if fires:
        assert recs[cid] == [{"rule": "mining_value", "label": "非法采矿矿产品价值", "value": stored, "threshold": 10.0,
                              "unit": "万元", "source": SOURCE_FIELD}]
    else:
        assert cid not in recs
