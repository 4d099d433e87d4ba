"""The editable rule file: triage judgement shares and the criminal-referral thresholds (data, not code).

``data/rules/default.json`` ships the defaults: a patch covered by 批准用地 ∪ 设施农业备案 ∪ 采矿许可证 for
≥ 95 % of its area is 合法, for ≤ 5 % 疑似违法, otherwise 需核实; a patch overlapping an earlier case (or a
handled patch) by ≥ 50 % of its area is already handled.  The thresholds of the judicial interpretations on
illegal occupation of farmland (永久基本农田 ≥ 5 亩, other 耕地 ≥ 10 亩, other farmland ≥ 20 亩) and illegal
mining (value of the minerals ≥ 10 万元, the province's 情节严重 amount) are ``criminal``.  A bureau edits the
file, or stores its own with ``python -m cases set-rules FILE`` (kept in the store's settings).  Keys left
out keep their defaults; an unknown key, a value that is no number, or a negative one is refused by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

from cases.io.files import read_text_file
from cases.store import CaseStore
from geo.errors import ValidationError

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "rules" / "default.json"
#: The store setting holding the bureau's own rules (the JSON text of a rule file).
META_KEY = "rules"

#: Rule keys by section → Chinese label (for messages and the page).
SECTIONS: dict[str, dict[str, str]] = {
    "triage": {"legal_share": "判为合法的最低覆盖比例", "illegal_share": "判为疑似违法的最高覆盖比例",
               "handled_overlap": "视为已处理的最低重叠比例"},
    "criminal": {"basic_farmland_mu": "永久基本农田（亩）", "cropland_mu": "基本农田以外的耕地（亩）",
                 "other_farmland_mu": "其他农用地（亩）", "mining_value_wan": "非法采矿矿产品价值（万元）"},
}
_SHARES = ("legal_share", "illegal_share", "handled_overlap")


@dataclass(frozen=True)
class Rules:
    """Triage shares (0–1) and criminal thresholds (亩, 万元); ``source`` says where they came from."""

    legal_share: float = 0.95
    illegal_share: float = 0.05
    handled_overlap: float = 0.5
    basic_farmland_mu: float = 5.0
    cropland_mu: float = 10.0
    other_farmland_mu: float = 20.0
    mining_value_wan: float = 10.0
    source: str = "默认规则"

    def as_json(self) -> dict:
        """The rules as a rule-file object (without ``source``)."""
        return {s: {k: getattr(self, k) for k in keys} for s, keys in SECTIONS.items()}


def parse_rules(text: str, *, source: str) -> Rules:
    """Rules from the JSON text of a rule file; ValidationError naming every bad key or value."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationError(f"规则文件 {source} 不是有效的 JSON：{exc}") from None
    if not isinstance(data, dict):
        raise ValidationError(f"规则文件 {source} 应为一个 JSON 对象（{{\"triage\": …, \"criminal\": …}}）")
    errors: list[str] = []
    values: dict[str, float] = {}
    for key, section in data.items():
        if key == "description":
            continue
        if key not in SECTIONS:
            errors.append(f"未知的键「{key}」（可用：description、{'、'.join(SECTIONS)}）")
            continue
        if not isinstance(section, dict):
            errors.append(f"「{key}」应为对象，如 {json.dumps(Rules().as_json()[key], ensure_ascii=False)}")
            continue
        for name, value in section.items():
            where = f"{key}.{name}"
            if name not in SECTIONS[key]:
                errors.append(f"未知的键「{where}」（{key} 中可用：{'、'.join(SECTIONS[key])}）")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                errors.append(f"「{where}」（{SECTIONS[key][name]}）的值「{value}」不是数字")
            elif value < 0:
                errors.append(f"「{where}」（{SECTIONS[key][name]}）不能为负数（{value}）")
            elif name in _SHARES and value > 1:
                errors.append(f"「{where}」（{SECTIONS[key][name]}）是比例，应在 0 到 1 之间（{value}）；95% 写作 0.95")
            else:
                values[name] = float(value)
    if not errors:
        rules = Rules(**values, source=source)
        if rules.illegal_share >= rules.legal_share:
            errors.append(f"「triage.illegal_share」（{rules.illegal_share:g}）应小于「triage.legal_share」"
                          f"（{rules.legal_share:g}）")
    if errors:
        raise ValidationError(f"规则文件 {source} 有误：" + "；".join(errors) + "。未作任何更改")
    return rules


def read_rules(path: str | Path) -> Rules:
    """Rules from a rule file (UTF-8 or GBK JSON)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"找不到规则文件：{path}")
    text, _ = read_text_file(path)
    return parse_rules(text, source=path.name)


def store_rules(store: CaseStore, path: str | Path | None = None) -> Rules:
    """The rules in force: ``path`` if given, else the store's own (``set-rules``), else the shipped defaults."""
    if path is not None:
        return read_rules(path)
    text = store.get_meta(META_KEY)
    if text:
        return parse_rules(text, source="案件库中的规则")
    return read_rules(DEFAULT_FILE)


def save_rules(store: CaseStore, path: str | Path, *, user: str) -> Rules:
    """Check the rule file at ``path`` and keep it in the store's settings (county accounts); audited."""
    rules = read_rules(path)
    store.set_meta({META_KEY: json.dumps(rules.as_json(), ensure_ascii=False)})
    store.log_event(user=user, action="rules", detail=f"规则文件 {Path(path).name}：" +
                    json.dumps(rules.as_json(), ensure_ascii=False))
    return rules


RULE_FIELDS = tuple(f.name for f in fields(Rules) if f.name != "source")
