"""What an inspector reads on the pages: Chinese field names and yes/no, readable times, formatted numbers,
no English placeholders (found in a walk-through of every page in Chromium)."""

from __future__ import annotations

import re

from tests.ui.conftest import page_app

ISO_T = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def _table(at, i: int = 0):
    return at.dataframe[i].value


class TestAuditPage:
    def test_fields_and_yes_no_are_chinese(self, demo_db):
        at = page_app("page_audit").run()
        assert not at.exception
        log = _table(at)
        fields = set(log["字段"]) - {""}
        assert {"办理状态", "县级验收", "账号"} <= fields
        assert not [f for f in fields if re.fullmatch(r"[a-z_]+", f)], fields
        values = set(log["原值"]) | set(log["新值"])
        assert "是" in values and not {"True", "False"} & values
        assert not log["时间"].str.contains(ISO_T).any()


class TestCasesPage:
    def test_history_and_version_show_times_without_t(self, demo_db):
        at = page_app("page_cases").run()
        assert not at.exception
        caption = next(c.value for c in at.caption if c.value.startswith("版本"))
        assert "2019-06-28 09:00:00" in caption and not ISO_T.search(caption)
        at.selectbox(key="edit_case").set_value("YD-2019-032").run()
        log = _table(at)
        assert not log["时间"].str.contains(ISO_T).any()
        assert "县级验收" in set(log["字段"]) and not {"True", "False"} & set(log["新值"])


class TestAccountsPage:
    def test_no_english_placeholder_and_readable_times(self, demo_db):
        at = page_app("page_accounts").run()
        assert not at.exception
        town = at.selectbox(key="acc_town")
        assert town.value == ""  # no township unless a township account is made…
        assert "" not in town.options  # …shown in words (an empty label makes the browser say "Choose an option")
        assert not _table(at)["创建时间"].str.contains(ISO_T).any()


class TestCheckPage:
    def test_outside_area_in_square_metres_has_thousands_separators(self, demo_db):
        at = page_app("page_check").run()
        assert not at.exception
        assert "（31,282 平方米）" in at.error[0].value


class TestTownshipAccount:
    """A township account reads its own township's cases only: its outputs offer no 全县 scope that would
    title 12 cases 代县全县, and pages it may not use say so in words instead of a database error."""

    def test_briefing_scopes_are_its_township(self, demo_db):
        at = page_app("page_briefing", user="峨口干部").run()
        assert not at.exception
        assert at.selectbox(key="brf_town").options == ["峨口镇"]
        assert at.selectbox(key="brf_atlas_town").options == ["峨口镇"]
        assert "（峨口镇）" in next(m.value for m in at.markdown if m.value.startswith("**将导出"))

    def test_export_scope_is_its_township(self, demo_db):
        at = page_app("page_import", user="峨口干部").run()
        assert not at.exception
        assert at.selectbox(key="exp_town").options == ["峨口镇"]

    def test_county_still_chooses_the_whole_county(self, demo_db):
        at = page_app("page_briefing").run()
        assert at.selectbox(key="brf_town").options[:2] == ["全县", "上馆镇"]

    def test_accounts_page_explains_who_may_use_it(self, demo_db):
        at = page_app("page_accounts", user="峨口干部").run()
        assert not at.exception
        assert [e.value for e in at.error] == ["峨口干部（乡镇：峨口镇）不能管理账号（仅领导组/县级账号可以新增、停用账号或重置密码）。"
                                                "需要新账号或忘记密码时，请联系县局的系统管理员。"]  # not 无权直接查询案件库
        assert not at.button  # no form whose button would only lead to a refusal


class TestReadOnlyAccount:
    """A read-only account is told what it cannot do, and gets no enabled button that only leads to a refusal."""

    def test_cases_page_disables_saving(self, demo_db):
        at = page_app("page_cases", user="只读员").run()
        assert not at.exception
        assert "只读账号只能查看" in at.info[0].value
        saves = [b for b in at.button if b.label in ("保存修改", "新增案件", "删除案件")]
        assert {b.label for b in saves} == {"保存修改", "新增案件"} and all(b.disabled for b in saves)

    def test_import_tabs_say_why_there_is_no_upload(self, demo_db):
        at = page_app("page_import", user="只读员").run()
        assert not at.exception
        texts = [i.value for i in at.info]
        assert any("不能导入台账" in t for t in texts) and any("由领导组（县级）账号导入" in t for t in texts)
        assert at.selectbox(key="exp_town").options[0] == "全县"  # exports stay open to it

    def test_field_page_disables_saving_photos(self, demo_db):
        at = page_app("page_field", user="只读员").run()
        assert not at.exception
        assert "不能把照片保存到案件" in at.info[0].value

    def test_county_account_sees_no_read_only_note(self, demo_db):
        at = page_app("page_cases").run()
        assert not any("只读账号" in i.value for i in at.info)
        assert not next(b for b in at.button if b.label == "保存修改").disabled


class TestTriagePage:
    def test_judging_without_reference_layers_is_flagged(self, demo_db):
        at = page_app("page_triage").run()
        assert not at.exception
        assert any("尚未载入参考图层" in w.value and "疑似违法" in w.value for w in at.warning)
        at.button(key="tri_demo").click().run()
        assert not any("尚未载入参考图层" in w.value for w in at.warning)


def _labels_in_page_order(node) -> list[str]:
    """The labels of the widgets under ``node`` in the order the page (and a phone, one column) shows them."""
    out = [node.label] if isinstance(getattr(node, "label", None), str) else []
    for child in getattr(node, "children", {}).values():
        out += _labels_in_page_order(child)
    return out


class TestCaseFormOrder:
    def test_fields_follow_the_ledger_row_by_row(self, demo_db):
        """Two columns filled column-wise stacked on a phone as 处理方式, 立案时间, 罚款 … then 立案机关: the
        form is drawn a row per pair, so one column reads in the ledger's order."""
        from cases.model import LEDGER_FIELDS

        at = page_app("page_cases").run()
        labels = _labels_in_page_order(at.main)
        handling = [f.label for f in LEDGER_FIELDS if f.group == "查处情况" and "mining" in f.kinds]
        assert len(handling) >= 4
        shown = [lb for lb in labels if lb in handling]
        assert shown[:len(handling)] == handling


class TestCasePhotos:
    def test_when_a_photo_was_added_reads_without_t(self, demo_db):
        from cases.evidence import attach_photos
        from cases.store import open_store
        from tests.cases.evidence.photo_fixtures import inside_and_far, photo

        store = open_store(demo_db)
        (lon, lat), _ = inside_and_far(store, "CK-2019-001")
        attach_photos(store, "CK-2019-001", [("IMG_1.jpg", photo(lon=lon, lat=lat))], user="测试管理员")
        store.close_all()
        at = page_app("page_cases").run()
        assert not at.exception
        added = [t.value for t in at.text if t.value.startswith("IMG_1.jpg｜")]
        assert len(added) == 1 and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", added[0]) and not ISO_T.search(added[0])


class TestTownshipAcceptance:
    def test_township_cannot_tick_county_acceptance(self, demo_db):
        """Ticking 县级验收 and saving only earned a refusal: the boxes are disabled for a township account."""
        from cases.permissions import COUNTY_ONLY_FIELDS

        at = page_app("page_cases", user="峨口干部").run()
        assert not at.exception
        boxes = {c.key: c for c in at.checkbox if c.key and c.key.startswith("e_CK-2019-001_")}
        locked = {k for k, c in boxes.items() if c.disabled}
        assert locked == {f"e_CK-2019-001_{f}" for f in COUNTY_ONLY_FIELDS}
        county = page_app("page_cases").run()
        assert not any(c.disabled for c in county.checkbox if c.key and c.key.startswith("e_CK-2019-001_"))


class TestImportPreview:
    def test_progress_bar_ends_full_after_the_check(self, demo_db, tmp_path):
        """The ledger reader stops its bar at 90 %（解析完成）: left there the preview looked still at work."""
        from tests.cases.ledger_fixtures import EKOU, square_wkt, write_township_ledger
        from ui.pages.page_import import KEY_UPLOAD

        extra = {"坐标（WKT）": [square_wkt(EKOU[0] + 0.002 * i, EKOU[1]) for i in range(3)]}
        path = write_township_ledger(tmp_path / "峨口镇台账.xlsx", None, extra=extra)
        at = page_app("page_import")
        at.session_state[KEY_UPLOAD] = (path.name, path.read_bytes())
        at.run()
        at.button(key="imp_preview").click().run()
        assert not at.exception
        bars = at.get("progress")
        assert len(bars) == 1 and bars[0].proto.value == 100 and bars[0].proto.text == "检查完成"


class TestCheckExport:
    def test_a_parcel_outside_every_permit_is_exported_as_mining(self):
        """The page said 无证开采 while the exported 越界核查图 drew the parcel as 用地案件（图斑）."""
        import pandas as pd
        import shapely

        from ui.pages.page_check import _subject_frame

        square = shapely.box(113.05, 39.02, 113.056, 39.025)
        no_permit = pd.Series({"permit_no": None, "flags": ["NO_PERMIT"], "township": "滩上镇"})
        assert _subject_frame(square, "核查图形", no_permit)["kind"].tolist() == ["mining"]
        land = pd.Series({"permit_no": None, "flags": [], "township": "滩上镇"})  # checked without a permit
        assert _subject_frame(square, "核查图形", land)["kind"].tolist() == ["land"]


class TestTownshipAddsACase:
    def test_new_case_starts_in_its_own_township(self, demo_db):
        """The 新增案件 form started in 上馆镇 for a 峨口镇 account, whose save the domain then refused."""
        at = page_app("page_cases", user="峨口干部").run()
        assert not at.exception
        assert at.selectbox(key="add_township").value == "峨口镇"
        assert page_app("page_cases").run().selectbox(key="add_township").value == "上馆镇"
