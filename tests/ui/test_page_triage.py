"""Page 卫片图斑 under AppTest: reference layers, a judged patch layer turned into cases, referrals."""

from __future__ import annotations

from cases.county import county_of
from cases.store import open_store
from cases.triage.layers import DEMO_DIR, load_demo_layers
from cases.triage.patches import read_patches
from cases.triage.rules import Rules
from cases.triage.workflow import judge
from tests.ui.conftest import page_app
from ui.pages.page_triage import KEY_LEDGER, KEY_PATCHES


def _judged(db):
    store = open_store(db)
    load_demo_layers(store, user="测试")
    patches = read_patches(DEMO_DIR / "patches_2019.geojson", division=county_of(store), county=store.county())
    results = judge(store, patches, rules=Rules())
    store.close_all()
    return patches, results


def test_demo_layers_are_listed_after_loading(demo_db):
    at = page_app("page_triage").run()
    assert not at.exception
    assert any("尚未载入参考图层" in i.value for i in at.info)
    at.button(key="tri_demo").click().run()
    assert not at.exception
    assert any("已载入示例参考图层" in s.value for s in at.success)
    table = next(d.value for d in at.dataframe if "图层" in d.value.columns)
    assert list(table["图层"]) == ["永久基本农田", "耕地", "其他农用地", "生态保护红线", "城镇开发边界", "批准用地",
                                 "设施农业备案"]
    assert set(table["示例数据"]) == {"是"}


def test_confirmed_illegal_patches_become_cases_once(demo_db):
    patches, results = _judged(demo_db)
    at = page_app("page_triage")
    at.session_state[KEY_PATCHES] = ("patches_2019.geojson", patches, results)
    at.run()
    assert not at.exception
    assert any("50 个图斑" in m.value for m in at.markdown)
    # nothing is confirmed until a person says so: no patch to save or to turn into a case
    assert at.button(key="tri_cases").label == "违法图斑转为案件（0 个）" and at.button(key="tri_cases").disabled
    assert at.button(key="tri_save").disabled
    # taking the suggestions: 疑似违法 → 违法, 14 such patches, 4 of them lying over demo cases already
    at.button(key="tri_adopt").click().run()
    assert (results["suggestion"] == "疑似违法").sum() == 14
    button = at.button(key="tri_cases")
    assert button.label == "违法图斑转为案件（10 个）"
    button.click().run()
    assert not at.exception
    store = open_store(demo_db)
    made = store.cases().query("case_id.str.startswith('WP-')")
    assert len(made) == 10 and set(made["category"]) == {2}
    assert made["remarks"].str.contains("卫片图斑编号：示例-2019-").all()
    store.close_all()
    # the same patches judged again are recognised as cases, not offered twice
    _, again = _judged(demo_db)
    assert again["handled"].str.contains("已有案件 WP-").sum() == 10


def test_referral_tab_counts_cases_over_a_threshold(demo_db):
    store = open_store(demo_db)
    load_demo_layers(store, user="测试")
    store.close_all()
    at = page_app("page_triage").run()
    assert not at.exception
    assert any(m.value.startswith("达到移送标准的案件：40 个") for m in at.markdown)  # the demo: 40


def test_township_accounts_are_told_the_page_is_for_the_county(demo_db):
    at = page_app("page_triage", user="峨口干部").run()
    assert not at.exception
    assert any("需领导组/县级账号" in i.value for i in at.info)


def test_ledger_is_made_for_download(demo_db):
    patches, results = _judged(demo_db)
    at = page_app("page_triage")
    at.session_state[KEY_PATCHES] = ("patches_2019.geojson", patches, results)
    at.run()
    at.button(key="tri_make_xlsx").click().run()
    assert not at.exception
    assert at.session_state[KEY_LEDGER][:2] == b"PK"  # an xlsx (zip) ready for the download button


def test_case_detail_on_the_map_names_the_referral_rule(demo_db):
    store = open_store(demo_db)
    load_demo_layers(store, user="测试")
    store.close_all()
    at = page_app("page_map")
    at.query_params["case"] = "YD-2019-049"
    at.run()
    assert not at.exception
    assert any("涉嫌犯罪，应移送公安：非法占用永久基本农田" in e.value for e in at.error)


def test_without_an_other_farmland_layer_the_page_says_the_measure_is_a_bound(demo_db):
    from cases.triage.layers import load_layer_file

    store = open_store(demo_db)
    load_layer_file(store, "耕地", DEMO_DIR / "cropland.geojson", user="测试")
    store.close_all()
    at = page_app("page_triage").run()
    assert not at.exception
    assert "其他农用地（林地、园地、草地等，可选）" in at.selectbox(key="tri_kind").options
    assert any("未载入其他农用地图层" in c.value and "按上限估计" in c.value for c in at.caption)
    at.button(key="tri_demo").click().run()
    assert not at.exception
    assert not any("未载入其他农用地图层" in c.value for c in at.caption)
