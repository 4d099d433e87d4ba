"""涉嫌犯罪移送 where inspectors read it: init-demo loads the demo reference layers, and the check sheet, the
乡镇统计 workbook and the bulletin show which rule fired and the numbers (issue 12).

The demo case YD-2019-049 (聂营镇) holds 20.56 亩 of the demo 永久基本农田 (threshold 5 亩, no 追刑 recorded);
40 demo cases reach a threshold (4 of them mining cases by their 开采矿产品价值 17.6 万元), 6 of them with 追刑
persons recorded (6 persons).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import openpyxl
import pytest
from pypdf import PdfReader

from cases.accounts import Account
from cases.cli.main import main
from cases.output.bulletin import build_bulletin
from cases.output.bulletin_files import blocks
from cases.output.referrals import UNREADABLE, case_referrals
from cases.output.sheets import sheet_data
from cases.output.stats_book import REFERRAL_SHEET, stats_workbook
from cases.permissions import GuardedStore
from cases.service import row_names, store_cases, store_notes
from cases.stats import STAT_COLUMNS, township_stats
from cases.store import open_store
from cases.triage.layers import KINDS as LAYER_KINDS
from cases.triage.layers import stored_layers

RULE_049 = "非法占用永久基本农田 20.56 亩（标准 ≥ 5 亩）"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def store(demo_db):
    s = open_store(demo_db)
    yield s
    s.close_all()


def test_init_demo_loads_the_demo_layers(store, capsys, demo_db):
    assert list(stored_layers(store)) == list(LAYER_KINDS)
    assert main(["referrals", "--db", str(demo_db), "--format", "json"]) == 0
    rows = {r["case_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert len(rows) == 40
    assert rows["CK-2019-004"]["rules"][0]["value"] == 17.6
    assert rows["YD-2019-049"]["township"] == "聂营镇"


class TestCheckSheet:
    def test_sheet_names_the_rule_and_the_numbers(self, demo_db, tmp_path):
        out = tmp_path / "049.pdf"
        assert main(["sheet", "YD-2019-049", "--out", str(out), "--db", str(demo_db)]) == 0
        text = _flat("\n".join(p.extract_text() for p in PdfReader(str(out)).pages))
        assert "涉嫌犯罪，应移送公安" in text
        assert _flat(RULE_049) in text and "default.json" in text

    def test_sheet_data_of_a_case_under_every_threshold_has_none(self, store):
        over, under = sheet_data(store, ["YD-2019-049", "YD-2019-003"], unit="代县自然资源局")
        assert over.referral == f"{RULE_049}（规则文件：default.json）"
        assert under.referral == ""

    def test_a_township_account_is_told_the_layers_were_not_read(self, store):
        ekou = GuardedStore(store, Account(name="峨口干部", role="township", township="峨口镇"))
        cases = ekou.cases()
        assert case_referrals(ekou, cases) is None
        data = sheet_data(ekou, [cases["case_id"].iloc[0]], unit="峨口镇人民政府")[0]
        assert data.referral == "" and UNREADABLE in data.notes


class TestStatistics:
    def test_workbook_has_cases_over_a_threshold_against_persons_per_township(self, store):
        cases, towns = store_cases(store)
        names = row_names(cases, towns)
        ref = case_referrals(store, cases)
        table = ref.by_township(names, cases)
        book = stats_workbook(township_stats(cases, townships=names), county="代县", as_of=dt.date(2019, 7, 15),
                              notes=store_notes(store), referral=ref, referral_table=table)
        ws = openpyxl.load_workbook(io.BytesIO(book))[REFERRAL_SHEET]
        rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r[0]}
        assert rows["聂营镇"][:5] == ("聂营镇", 4, 0, 4, 0)
        assert rows["合计"][:5] == ("合计", 40, 6, 34, 6)
        assert rows["YD-2019-049"] == ("YD-2019-049", "聂营镇", "用地", rows["YD-2019-049"][3], RULE_049, 0)
        assert any("40 起案件达到标准" in str(r[0]) for r in rows.values())

    def test_stats_json_keys_are_unchanged(self, demo_db, capsys):
        assert main(["stats", "--db", str(demo_db), "--format", "json"]) == 0
        out = json.loads(capsys.readouterr().out)
        rows = out if isinstance(out, list) else out["rows"]
        assert list(rows[0]) == list(STAT_COLUMNS)


class TestBulletin:
    def test_bulletin_lists_the_cases_over_a_threshold_as_of_its_day(self, store):
        b = build_bulletin(store, day=dt.date(2019, 7, 15), with_map=False)
        assert "14 起案件达到标准" in b.referral_text
        row = b.referrals.set_index("案件编号").loc["YD-2019-049"]
        assert row["触发的规则与数字"] == RULE_049 and row["乡镇"] == "聂营镇"
        items = blocks(b)
        at = items.index(("heading", "五、涉嫌犯罪移送"))
        assert items[at + 1] == ("para", b.referral_text) and items[at + 2][0] == "table"
