"""涉嫌犯罪移送 in the outputs: the cases over a criminal-referral threshold with the rule and the numbers, and
per township the cases over a threshold against the 追刑 persons recorded — one home for the check sheet,
the 乡镇统计 page and workbook, and the bulletin.

The thresholds are the store's rule file and the measures come from its reference layers
(:mod:`cases.triage.referral`); an account that may not read the layers gets no table and a note saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from cases.model import KINDS
from cases.stats import TOTAL
from cases.store import CaseStore
from cases.triage.layers import KINDS as LAYER_KINDS
from cases.triage.layers import stored_layers
from cases.triage.referral import FLAG_LABEL
from cases.triage.rules import store_rules
from cases.triage.workflow import store_referrals
from geo.errors import PermissionDeniedError

#: Per-township table: key → Chinese header.
TOWNSHIP_COLUMNS: dict[str, str] = {
    "township": "乡镇",
    "cases_over": "达到移送标准的案件（起）",
    "over_with_persons": "其中已追刑的案件（起）",
    "over_without_persons": "其中尚无追刑记录（起）",
    "criminal_persons_over": "已追刑（人）",
}
#: Per-case list: key → Chinese header.
CASE_COLUMNS: dict[str, str] = {
    "case_id": "案件编号", "township": "乡镇", "kind": "类型", "status": "办理状态", "rules": "触发的规则与数字",
    "criminal_persons": "追刑（人）",
}
UNREADABLE = "参考图层仅领导组/县级账号可读，未核查涉嫌犯罪移送标准。"


@dataclass
class Referrals:
    """The referral results of a set of cases."""

    #: One row per case over a threshold (:data:`CASE_COLUMNS` keys), in case id order.
    cases: pd.DataFrame
    #: Per case id of every case given: ``涉嫌犯罪，应移送公安：<rules and numbers>`` ("" when none fired).
    text: dict[str, str]
    #: The rule file the thresholds come from.
    source: str
    #: Which reference layers were loaded (Chinese), for the notes.
    layers: list[str] = field(default_factory=list)
    #: Notes for the reader (no layer loaded …).
    notes: list[str] = field(default_factory=list)

    def by_township(self, townships: Sequence[str], frame: pd.DataFrame) -> pd.DataFrame:
        """Per township of ``townships`` (and a 合计 row; others under their own name before it): the cases
        over a threshold, how many of them have 追刑 persons recorded and how many not, and the persons.
        ``frame`` gives each case's township in the division shown (``case_id``, ``township``)."""
        where = frame.drop_duplicates("case_id").set_index("case_id")["township"].astype(str)
        t = pd.DataFrame({"township": self.cases["case_id"].map(where).fillna(self.cases["township"]).to_numpy(),
                          "persons": self.cases["criminal_persons"].to_numpy(dtype=int)})
        names = [str(n) for n in townships] + sorted(set(t["township"]) - {str(n) for n in townships})
        g = t.groupby("township")
        out = pd.DataFrame({"township": names})
        out["cases_over"] = out["township"].map(g.size()).fillna(0).astype(int)
        out["over_with_persons"] = out["township"].map(g["persons"].apply(lambda s: int((s > 0).sum()))).fillna(0).astype(int)
        out["over_without_persons"] = out["cases_over"] - out["over_with_persons"]
        out["criminal_persons_over"] = out["township"].map(g["persons"].sum()).fillna(0).astype(int)
        total = out.drop(columns="township").sum().to_frame().T.astype(int)
        total.insert(0, "township", TOTAL)
        return pd.concat([out, total], ignore_index=True)[list(TOWNSHIP_COLUMNS)]

    def summary(self) -> str:
        """One sentence with the numbers: how many cases reach a threshold, how many have no 追刑 record."""
        n = len(self.cases)
        if not n:
            return f"按涉嫌犯罪移送标准（规则文件：{self.source}）核查，没有案件达到标准。"
        without = int((self.cases["criminal_persons"] == 0).sum())
        return (f"按涉嫌犯罪移送标准（规则文件：{self.source}）核查，{n} 起案件达到标准（{FLAG_LABEL}），"
                f"其中 {without} 起尚无追刑记录，请核实是否已移送公安机关。")


def case_referrals(store: CaseStore, cases: gpd.GeoDataFrame) -> Referrals | None:
    """The referral results of ``cases`` (a frame of the store's cases, any township field) against the store's
    reference layers and rule file; None when the account may not read the layers."""
    try:
        layers = stored_layers(store)
        rules = store_rules(store)
        ref = store_referrals(store, cases.reset_index(drop=True), rules=rules) if len(cases) else None
    except PermissionDeniedError:
        return None
    if ref is None:
        ref = pd.DataFrame({"case_id": [], "fired": [], "text": []})
    over = ref["fired"].map(bool).to_numpy(dtype=bool) if len(ref) else np.zeros(0, bool)
    frame = cases.reset_index(drop=True)
    sel = frame[over]
    rows = pd.DataFrame({
        "case_id": sel["case_id"].astype(str).to_numpy(),
        "township": sel["township"].astype(str).to_numpy(),
        "kind": [KINDS.get(k, k) for k in sel["kind"]],
        "status": sel["status"].astype(str).to_numpy(),
        "rules": [t.split("：", 1)[1] for t in ref.loc[over, "text"]],
        "criminal_persons": pd.to_numeric(sel["criminal_persons"], errors="coerce").fillna(0).astype(int).to_numpy(),
    }).sort_values("case_id").reset_index(drop=True)
    notes = [] if layers else ["未载入永久基本农田、耕地等参考图层，用地案件未按占用面积核查移送标准（可在“卫片图斑”页载入参考图层）。"]
    return Referrals(cases=rows, text=dict(zip(ref["case_id"].astype(str), ref["text"], strict=True)),
                     source=rules.source, layers=[LAYER_KINDS[k] for k in layers], notes=notes)
