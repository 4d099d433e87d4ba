"""Facts in the free text of 基本情况（摘要）: 违法主体, 时间, 地点, 亩数, 矿种 — and which were not found.

The ledgers' 填表说明 ask the 基本情况 column to state "违法主体、时间、地点、（矿种、）亩数"; townships
write it as one sentence ("某某公司于2019年3月在某村非法占地12.5亩") or as labelled parts
("违法主体：张某；时间：2019年3月；…").  :func:`extract_facts` finds what it can and never guesses
beyond the patterns below; the text itself is always kept whole by the caller.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from geo.crs import M2_PER_MU

#: Fact names (Chinese), in the order the 填表说明 lists them.
FACT_LABELS = {"party": "违法主体", "time": "时间", "location": "地点", "area_mu": "亩数", "mineral": "矿种"}

#: Minerals named in ledgers of the county, longest first so that 建筑用砂石 wins over 砂石.
KNOWN_MINERALS = tuple(sorted((
    "铁矿", "铁矿石", "煤", "煤炭", "石灰岩", "石灰石", "建筑用砂石", "建筑石料", "砂石", "河砂", "砂岩", "白云岩",
    "花岗岩", "石英岩", "大理岩", "金矿", "铝土矿", "耐火黏土", "黏土", "页岩", "黄土", "石料", "玄武岩",
    "硅石", "萤石", "石膏", "铜矿", "锰矿", "片麻岩", "板岩", "建筑用石料", "水泥用灰岩", "冶金用白云岩",
), key=len, reverse=True))

_NUM = r"(\d+(?:\.\d+)?)"
_LABELLED = {
    "party": re.compile(r"(?:违法主体|当事人|违法人)\s*[:：]\s*([^；;，,。\n]+)"),
    "time": re.compile(r"(?:违法时间|时间)\s*[:：]\s*([^；;，,。\n]+)"),
    "location": re.compile(r"(?:违法地点|地点|位置)\s*[:：]\s*([^；;，,。\n]+)"),
    "area_mu": re.compile(r"(?:亩数|面积|占地面积)\s*[:：]\s*([^；;，,。\n]+)"),
    "mineral": re.compile(r"(?:矿种|开采矿种)\s*[:：]\s*([^；;，,。\n]+)"),
}
_TIME = re.compile(
    r"(\d{4})\s*年(?:\s*(\d{1,2})\s*月)?(?:\s*(\d{1,2})\s*日)?(?:以来|至今|起|左右)?"
    r"|(\d{4})[.\-/](\d{1,2})(?:[.\-/](\d{1,2}))?"
)
_AREA = [
    (re.compile(_NUM + r"\s*亩"), 1.0),
    (re.compile(_NUM + r"\s*(?:平方米|㎡|m2|m²)"), 1.0 / M2_PER_MU),
    (re.compile(_NUM + r"\s*公顷"), 15.0),
]
_LOCATION = [
    re.compile(r"(?:在|位于)\s*([\u4e00-\u9fa5A-Za-z0-9]{1,20}?村)"),
    re.compile(r"([\u4e00-\u9fa5]{1,6}(?:镇|乡)[\u4e00-\u9fa5]{1,8}?村)"),
    re.compile(r"(?:在|位于)\s*([\u4e00-\u9fa5A-Za-z0-9]{1,20}?(?:庄|沟|山|河|滩|坡|梁|湾|堡|营|寨|组|社区|地块|区域|附近|境内|东侧|西侧|南侧|北侧))(?=非法|违法|擅自|未经|占用|建设|开采|盗采|进行|修建|私自|，|,|。|\s|$)"),
    re.compile(r"(?:在|位于)\s*([\u4e00-\u9fa5A-Za-z0-9]{2,15}?)(?=非法|违法|擅自|未经|占用|建设|开采|盗采|进行|修建|私自)"),
]
_PARTY_STOP = re.compile(r"(于|在|从|自|未经|擅自|非法|违法|私自|占用|\d{4}|，|,|。|；|;|\s)")
_PARTY_SUFFIX = re.compile(r"(公司|厂|合作社|矿|场|站|中心|村委会|委员会|部|所|队|店|户|某某|某)$")
_MINERAL_VERB = re.compile(r"(?:开采|盗采|采挖|挖采|采)\s*([\u4e00-\u9fa5]{1,5}?)(?=\d|约|共|面积|，|,|。|；|$|\s|矿产|资源)")
_FINE = re.compile(r"罚款\s*(?:人民币)?\s*" + _NUM + r"\s*(万元|万|元)")


@dataclass(frozen=True)
class SummaryFacts:
    """What :func:`extract_facts` found; ``missing`` lists the Chinese names of facts not found."""

    party: str = ""
    time: str = ""
    location: str = ""
    area_mu: float | None = None
    mineral: str = ""
    missing: tuple[str, ...] = field(default_factory=tuple)


_DIGITS = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "．": ".", "－": "-", "／": "/"})


def normalise_digits(text: str) -> str:
    """Full-width digits, dots, dashes and slashes to ASCII; everything else (Chinese, （）) unchanged."""
    return text.translate(_DIGITS)


def parse_area_mu(value: object) -> float | None:
    """A 亩 value from a cell: 12.5, "12.5亩", "１２.５", "2000平方米" (→ 亩), "1.2公顷"; None when blank.

    Raises ValueError for text holding no number.
    """
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None if value != value else float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    if not text:
        return None
    for pat, factor in _AREA:
        m = pat.search(text)
        if m:
            return round(float(m[1]) * factor, 4) if factor != 1.0 else float(m[1])
    m = re.fullmatch(r"\s*" + _NUM + r"\s*", text)
    if m:
        return float(m[1])
    raise ValueError(text)


def extract_fine_wan(text: str) -> float | None:
    """The fine in 万元 named in a 处罚决定 text ("罚款12.5万元", "罚款5000元" → 0.5); None when absent."""
    if not text:
        return None
    total, found = 0.0, False
    for m in _FINE.finditer(normalise_digits(text)):
        found = True
        total += float(m[1]) / (10000.0 if m[2] == "元" else 1.0)
    return round(total, 4) if found else None


def _labelled(text: str, name: str) -> str:
    m = _LABELLED[name].search(text)
    return m[1].strip() if m else ""


def _find_time(text: str) -> str:
    m = _TIME.search(text)
    return m[0].strip() if m else ""


def _find_area(text: str) -> float | None:
    for pat, factor in _AREA:
        m = pat.search(text)
        if m:
            return float(m[1]) if factor == 1.0 else round(float(m[1]) * factor, 4)
    return None


def _find_location(text: str) -> str:
    for pat in _LOCATION:
        m = pat.search(text)
        if m:
            return m[1].strip()
    return ""


def _find_party(text: str) -> str:
    head = text.strip()
    m = _PARTY_STOP.search(head)
    cand = head[: m.start()] if m else ""
    bare = re.sub(r"[（(][^）)]*[）)]$", "", cand)
    if 2 <= len(cand) <= 40 and _PARTY_SUFFIX.search(bare):
        return cand
    if 2 <= len(cand) <= 4 and re.fullmatch(r"[\u4e00-\u9fa5]+", cand):
        return cand  # a person's name
    return ""


def _find_mineral(text: str) -> str:
    for name in KNOWN_MINERALS:
        if name in text:
            return name
    m = _MINERAL_VERB.search(text)
    return m[1] if m else ""


def extract_facts(text: str, *, kind: str = "land") -> SummaryFacts:
    """Find 违法主体, 时间, 地点, 亩数 (and 矿种 for ``kind="mining"``) in a 基本情况 text.

    Labelled parts ("地点：…") win over the sentence patterns.  ``missing`` names, in Chinese,
    each fact that was looked for and not found.
    """
    text = normalise_digits(str(text or ""))
    party = _labelled(text, "party") or _find_party(text)
    time = _labelled(text, "time") or _find_time(text)
    location = _labelled(text, "location") or _find_location(text)
    area_text = _labelled(text, "area_mu")
    area = None
    if area_text:
        try:
            area = parse_area_mu(area_text)
        except ValueError:
            area = None
    if area is None:
        area = _find_area(text)
    mineral = ""
    if kind == "mining":
        mineral = _labelled(text, "mineral") or _find_mineral(text)
    found = {"party": party, "time": time, "location": location, "area_mu": area, "mineral": mineral}
    wanted = ["party", "time", "location", "area_mu"] + (["mineral"] if kind == "mining" else [])
    missing = tuple(FACT_LABELS[k] for k in wanted if found[k] in ("", None))
    return SummaryFacts(party=party, time=time, location=location, area_mu=area, mineral=mineral, missing=missing)
