"""Cell values of a ledger row → typed case values; each converter raises LedgerCellError with a Chinese reason."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import numpy as np
import shapely

from cases.county import DAIXIAN, County
from cases.ledger.summary import extract_fine_wan, parse_area_mu
from cases.model import CATEGORIES, CATEGORY_SHORT, LAND, MINING, STATUSES, known_townships, parse_date, township_name
from cases.text import value_text
from geo.crs import LONLAT, classify_pairs, diagnose_lonlat
from geo.errors import LedgerCellError, ValidationError

_TRUE = {"是", "√", "✓", "✔", "y", "yes", "true", "1", "已", "已验收", "达标", "已达标", "已销号", "通过", "合格"}
_FALSE = {"否", "×", "✗", "✘", "n", "no", "false", "0", "未", "未验收", "不达标", "未达标", "未销号", "无", "-", "/"}
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def blank(v: Any) -> bool:
    """True for None, NaN and whitespace-only text."""
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def to_text(v: Any) -> str:
    """Text kept verbatim (outer whitespace trimmed); whole numbers lose their ``.0``; dates → ISO."""
    return value_text(v, strip=True)


def to_date(v: Any) -> dt.date | None:
    """Dates as date cells, Excel serial numbers, 2019-06-04, 2019.6.4, 2019/6/4 or 2019年6月4日."""
    if blank(v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if 20000 <= v <= 80000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(v))
        raise LedgerCellError(f"数值 {v:g} 不是日期", value=v)
    text = unicodedata.normalize("NFKC", str(v)).strip()
    if re.fullmatch(r"\d{5}(\.0+)?", text) and 20000 <= float(text) <= 80000:
        return _EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    try:
        return parse_date(text, field_label="日期")
    except ValidationError as exc:
        raise LedgerCellError(f"「{v}」不是有效日期，应为 2019-06-04、2019.6.4 或 2019年6月4日", value=v) from exc


def to_count(v: Any) -> int:
    """A number of persons: 2, "2", "2人", "２" → 2; blank → 0."""
    if blank(v):
        return 0
    if isinstance(v, bool):
        raise LedgerCellError(f"「{v}」不是人数", value=v)
    text = unicodedata.normalize("NFKC", str(v)).strip().rstrip("人名个")
    if text in ("无", "-", "/"):
        return 0
    try:
        f = float(text)
    except ValueError:
        raise LedgerCellError(f"「{v}」不是人数，应填整数（如 2）", value=v) from None
    if f < 0 or not f.is_integer():
        raise LedgerCellError(f"「{v}」不是人数，应填非负整数", value=v)
    return int(f)


def to_area(v: Any) -> float | None:
    """亩: 12.5, "12.5亩", "１２.５", "2000平方米"; blank → None."""
    try:
        a = parse_area_mu(v)
    except ValueError:
        raise LedgerCellError(f"「{v}」不是亩数，应填数字（如 12.5 或 12.5亩）", value=v) from None
    if a is not None and a < 0:
        raise LedgerCellError(f"亩数不能为负数（{v}）", value=v)
    return a


def to_fine(v: Any) -> float:
    """罚款（万元）: 12.5, "12.5万元", "5000元" (→ 0.5); blank → 0."""
    if blank(v):
        return 0.0
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if v < 0:
            raise LedgerCellError(f"罚款不能为负数（{v}）", value=v)
        return float(v)
    text = unicodedata.normalize("NFKC", str(v)).strip()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(万元|万|元)?", text)
    if m:
        return float(m[1]) / (10000.0 if m[2] == "元" else 1.0)
    fine = extract_fine_wan("罚款" + text)
    if fine is None:
        raise LedgerCellError(f"「{v}」不是罚款金额，应填万元数（如 12.5）", value=v)
    return fine


def to_mined_value(v: Any) -> float | None:
    """开采矿产品价值（万元）: 12.5, "12.5万元", "125000元" (→ 12.5), "１２.５"; blank → None (not stated)."""
    if blank(v):
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        value = float(v)
    else:
        m = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)\s*(万元|万|元)?", unicodedata.normalize("NFKC", str(v)).strip())
        if not m:
            raise LedgerCellError(f"「{v}」不是开采矿产品价值，应填万元数（如 12.5），不知道时留空", value=v)
        value = float(m[1]) / (10000.0 if m[2] == "元" else 1.0)
    if value < 0:
        raise LedgerCellError(f"开采矿产品价值不能为负数（{v}），应填万元数（如 12.5）", value=v)
    return value


def to_bool(v: Any) -> bool:
    """验收情况: 是/否 (also √/×, 1/0, 已/未); blank → 否."""
    if blank(v):
        return False
    if isinstance(v, bool):
        return v
    text = unicodedata.normalize("NFKC", to_text(v)).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise LedgerCellError(f"「{v}」应只填“是”或“否”", value=v)


def to_int(v: Any) -> int | None:
    """序号: a whole number; blank → None."""
    if blank(v):
        return None
    text = unicodedata.normalize("NFKC", to_text(v)).strip()
    try:
        f = float(text)
    except ValueError:
        raise LedgerCellError(f"「{v}」不是序号，应填整数", value=v) from None
    if not f.is_integer():
        raise LedgerCellError(f"「{v}」不是序号，应填整数", value=v)
    return int(f)


def to_category(v: Any) -> int | None:
    """违法类别: 1–10, "6类", "第6类", or the category's name (full or short); blank → None."""
    if blank(v):
        return None
    text = unicodedata.normalize("NFKC", to_text(v)).strip()
    m = re.fullmatch(r"第?\s*(\d{1,2})\s*类?(?:[.、:：\s].*)?", text)
    if m and int(m[1]) in CATEGORIES:
        return int(m[1])
    for k in CATEGORIES:
        if text in (CATEGORIES[k], CATEGORY_SHORT[k]):
            return k
    raise LedgerCellError(f"「{v}」不是违法类别，应填 1–10（1–5 用地，6–10 采矿）或类别名称", value=v)


def to_township(v: Any, *, division: County = DAIXIAN) -> str | None:
    """责任乡镇: a township of the county in any of its divisions (data/divisions/), also without 镇/乡
    ("峨口" → 峨口镇); blank → None.  Another county (``division``) without division data takes the name
    as written (without 人民政府 and spaces)."""
    if blank(v):
        return None
    names = None
    if division.adcode != DAIXIAN.adcode:
        names = known_townships(division.name)
        if not names:
            return re.sub(r"\s+", "", to_text(v)).replace("人民政府", "") or None
    try:
        return township_name(to_text(v), names)
    except ValidationError as exc:
        raise LedgerCellError(str(exc), value=v) from None


def township_in(text: str) -> str | None:
    """The one township (of any division) named in ``text`` (e.g. 填报单位 "峨口镇人民政府"); None if none or several."""
    found = [t for t in known_townships() if t in (text or "")]
    return found[0] if len(found) == 1 else None


def to_status(v: Any) -> str | None:
    """办理状态: one of the lifecycle statuses; blank → None."""
    if blank(v):
        return None
    text = to_text(v).strip()
    if text in STATUSES:
        return text
    raise LedgerCellError(f"「{v}」不是办理状态，应为：{' → '.join(STATUSES)}", value=v)


def to_kind(v: Any) -> str | None:
    """类型: land/mining or 用地/采矿; blank → None."""
    if blank(v):
        return None
    text = to_text(v).strip().lower()
    if text in (LAND, "用地", "违法用地", "违法违规用地"):
        return LAND
    if text in (MINING, "采矿", "违法采矿", "非法采矿", "非法违法采矿"):
        return MINING
    raise LedgerCellError(f"「{v}」不是案件类型，应为“用地”或“采矿”", value=v)


def lonlat_point(lon: Any, lat: Any, *, division: County = DAIXIAN) -> shapely.Geometry:
    """A point from 经度/纬度 cells; ValueError when swapped, metres, or outside the box of ``division`` (default 代县).

    The diagnosis is :func:`geo.crs.diagnose_lonlat`, built on the one lon/lat-vs-metres rule
    :func:`geo.crs.classify_pairs`.
    """
    try:
        x, y = lonlat_numbers(lon, lat)
    except ValueError:
        raise LedgerCellError(f"经度「{to_text(lon) or '（空）'}」/纬度「{to_text(lat) or '（空）'}」不是数字") from None
    why = diagnose_lonlat(x, y, **division.keywords)
    if why:
        raise LedgerCellError(why)
    return shapely.Point(x, y)


def lonlat_numbers(lon: Any, lat: Any) -> tuple[float, float]:
    """The numbers of 经度/纬度 cells as :func:`lonlat_point` reads them (full-width digits too); ValueError if not numbers."""
    return float(unicodedata.normalize("NFKC", to_text(lon))), float(unicodedata.normalize("NFKC", to_text(lat)))


def lonlat_points_in(lons: list[Any], lats: list[Any], *, county: shapely.Geometry | None,
                     division: County = DAIXIAN) -> list[shapely.Geometry | None]:
    """For 经度/纬度 cell pairs of a whole sheet at once: each pair's point where it certainly passes every check a
    lon/lat point gets (:func:`lonlat_point`, then ``cases.ledger.geometry.check_geometry``), else None.

    Passing means a lon/lat pair, not swapped, in the box of ``division`` (:func:`geo.crs.classify_pairs` on the
    arrays, the rule :func:`geo.crs.diagnose_lonlat` applies to one pair) and touching ``county`` (the outline,
    when given).  A None is checked one by one, so every message stays that of the single-row check.
    """
    out: list[shapely.Geometry | None] = [None] * len(lons)
    at, xs, ys = [], [], []
    for i, (lon, lat) in enumerate(zip(lons, lats)):
        try:
            x, y = lonlat_numbers(lon, lat)
        except ValueError:
            continue
        at.append(i)
        xs.append(x)
        ys.append(y)
    if not at:
        return out
    x, y = np.array(xs), np.array(ys)
    kind, swapped = classify_pairs(x, y, bbox=division.bbox)
    ok = (kind == LONLAT) & ~swapped
    points = shapely.points(x, y)
    if county is not None and ok.any():
        shapely.prepare(county)
        ok[ok] = shapely.intersects(points[ok], county)
    for i, point in zip(np.asarray(at)[ok].tolist(), points[ok].tolist()):
        out[i] = point
    return out
