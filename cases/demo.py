"""Deterministic demo data (示例数据): permits and cases across all townships and categories.

Everything here is invented for demonstration; the store marks itself ``is_demo`` and every view
labels it 示例数据.  The same seed always gives the same data.  Everything init-demo writes is written
by the user ``DEMO_USER``, in one transaction: anything else in the store (:func:`non_demo_records`)
was imported, entered or edited by someone.
"""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Point, box

from cases import audit
from cases.divisions import county_divisions
from cases.io.geodata import load_shipped_boundaries
from cases.model import CATEGORY_SHORT, STATUSES, Case, Permit, case_diff
from cases.store import CaseStore
from cases.text import value_text
from geo.crs import AREA_CRS, M2_PER_MU, STORAGE_CRS

SEED = 20190604
#: The user init-demo writes as: a case last written by anyone else is not demo data.
DEMO_USER = "示例数据生成"
N_LAND = 66
N_MINING = 44
N_PERMITS = 20

_VILLAGES = ("东庄", "西河", "南沟", "北坡", "前进", "红旗", "大营", "小寨", "石门", "柳树湾", "王家庄", "李家堡")
_SURNAMES = ("张", "王", "李", "赵", "刘", "陈", "杨", "郭", "马", "韩", "冯", "孟")
_COMPANY_KINDS = ("建材有限公司", "砂石料厂", "石料加工厂", "养殖专业合作社", "农业开发有限公司", "商贸有限公司")
_MINERALS = ("铁矿", "石灰岩", "建筑用砂石", "白云岩", "花岗岩", "煤")
#: Where the demo's permits and mines lie: positions in the demo's township layer (the shipped layer, in the
#: order of its division in data/divisions/: the seed's eleven), the mountain townships first.
_MINING_POSITIONS = (1, 9, 8, 7, 10, 4, 6, 5)
_LAND_HANDLING = ("责令停止违法行为，限期拆除地上建筑物", "没收地上建筑物，处以罚款", "责令退还土地，复垦复绿",
                  "补办用地手续，处以罚款", "拆除违法建筑，恢复耕种条件")
_MINE_HANDLING = ("责令停止开采，没收违法所得，处以罚款", "没收采矿设备和矿产品，处以罚款",
                  "责令停止开采，移送公安机关", "责令恢复治理，复垦复绿")
#: The demo's history: the stage (index in STATUSES) at which a field gets its value (empty before), and the
#: days between stages (已立案 on the 立案日期, each later stage this many days after the one before).
_STAGE_FIELDS = {"handling": 1, "filing_authority": 1, "filing_date": 1, "penalty": 1, "fine_wan": 1,
                 "criminal_persons": 1, "accountability_persons": 1, "court_referral": 1, "is_compliant": 3,
                 "accept_county": 4, "is_accepted": 4, "accept_city": 5, "is_closed": 5}
_STEP_DAYS = 8


def _sample_in(rng: np.random.Generator, poly: shapely.Geometry, *, inset: float) -> Point:
    """A random point at least ``inset`` metres inside ``poly`` (area CRS)."""
    inner = poly.buffer(-inset)
    if inner.is_empty:
        inner = poly
    x0, y0, x1, y1 = inner.bounds
    cand = shapely.points(rng.uniform(x0, x1, 400), rng.uniform(y0, y1, 400))
    ok = cand[shapely.contains_xy(inner, shapely.get_x(cand), shapely.get_y(cand))]
    return ok[0]


def _rect(center: Point, w: float, h: float, angle: float) -> shapely.Geometry:
    r = box(center.x - w / 2, center.y - h / 2, center.x + w / 2, center.y + h / 2)
    return affinity.rotate(r, angle, origin=center)


def _party(rng: np.random.Generator, town: str, company: bool) -> str:
    if company:
        return f"代县{rng.choice(_VILLAGES)}{rng.choice(_COMPANY_KINDS)}（示例）"
    return f"{rng.choice(_SURNAMES)}某某（示例）"


def make_permits(townships: gpd.GeoDataFrame, rng: np.random.Generator) -> list[Permit]:
    """Twenty permits in the mining townships, a few already expired when the campaign began."""
    towns = townships.to_crs(AREA_CRS).set_index("name").geometry
    mining_towns = _mining_towns(townships)
    out = []
    for i in range(N_PERMITS):
        town = mining_towns[i % len(mining_towns)]
        c = _sample_in(rng, towns[town], inset=1500)
        geom = _rect(c, rng.uniform(400, 900), rng.uniform(300, 700), rng.uniform(0, 60))
        start = dt.date(2012 + i % 5, 1 + i % 12, 1)
        end = dt.date(2018, 12, 31) if i % 7 == 3 else dt.date(2021 + i % 6, 12, 31)
        mineral = _MINERALS[i % len(_MINERALS)]
        out.append(Permit(
            permit_no=f"C1409002010{i + 1:02d}71300{i + 11:02d}",
            holder=_party(rng, town, True), mineral=mineral, valid_from=start, valid_to=end,
            geometry=geom, mining_method="露天开采" if mineral != "煤" else "地下开采",
            elev_top=float(1500 - 10 * i), elev_bottom=float(1380 - 10 * i), mine_name=f"{town}{mineral}矿（示例）",
        ))
    return out


def _common(rng: np.random.Generator, kind: str, category: int, town: str, i: int, area_mu: float,
            mineral: str = "") -> dict:
    found = dt.date(2019, 6, 12) + dt.timedelta(days=int(rng.integers(0, 120)))
    when = dt.date(2017 + int(rng.integers(0, 3)), int(rng.integers(1, 13)), 1)
    status = STATUSES[int(rng.integers(0, len(STATUSES)))]
    stage = STATUSES.index(status)
    company = bool(rng.random() < 0.6)
    party = _party(rng, town, company)
    location = f"{town}{rng.choice(_VILLAGES)}村"
    act = f"非法开采{mineral}" if kind == "mining" else f"{CATEGORY_SHORT[category]}，非法占地"
    filed = stage >= 1
    fine = round(float(rng.uniform(0.5, 40.0)), 2) if filed else 0.0
    handling = rng.choice(_MINE_HANDLING if kind == "mining" else _LAND_HANDLING) if filed else ""
    return dict(
        seq=i + 1, township=town, status=status, found_date=found, category=category, kind=kind,
        summary=f"{party}于{when.year}年{when.month}月在{location}{act}{area_mu:.1f}亩（示例数据）",
        party=party, violation_time=f"{when.year}年{when.month}月", location=location,
        area_mu_declared=round(area_mu, 1), mineral=mineral,
        handling=handling, filing_authority="代县自然资源局" if filed else "",
        filing_date=found + dt.timedelta(days=int(rng.integers(3, 20))) if filed else None,
        penalty=f"{handling}，罚款{fine}万元" if filed else "", fine_wan=fine,
        criminal_persons=int(rng.random() < 0.1) if filed else 0,
        accountability_persons=int(rng.random() < 0.15) if filed else 0,
        court_referral="已申请法院强制执行" if kind == "land" and filed and rng.random() < 0.1 else "",
        remarks="示例数据",
        accept_county=stage >= 4, accept_city=stage >= 5 and rng.random() < 0.5, accept_province=False,
        is_compliant=kind == "mining" and stage >= 3, is_accepted=kind == "mining" and stage >= 4,
        is_closed=kind == "mining" and stage >= 5,
    )


def make_cases(townships: gpd.GeoDataFrame, permits: list[Permit], rng: np.random.Generator) -> list[Case]:
    """66 land and 44 mining cases with permits, boundary crossings and mismatches built in."""
    towns = townships.to_crs(AREA_CRS).set_index("name").geometry
    names = [str(n) for n in townships["name"]]
    mining_towns = _mining_towns(townships)
    out: list[Case] = []
    lines = [(a, b, towns[a].intersection(towns[b])) for a in names for b in names
             if a < b and towns[a].intersection(towns[b]).length > 2000]
    for i in range(N_LAND):
        category = 1 + i % 5
        town = names[i % len(names)]
        mu = float(rng.uniform(0.8, 30.0))
        side = (mu * M2_PER_MU) ** 0.5
        if i % 13 == 5:  # a parcel straddling a township line
            a, b, line = lines[i % len(lines)]
            c = line.interpolate(0.5, normalized=True)
            town = a
        else:
            c = _sample_in(rng, towns[town], inset=800)
        geom = _rect(c, side * 1.4, side / 1.4, float(rng.uniform(0, 90)))
        rec = _common(rng, "land", category, town, i, mu)
        if i % 23 == 7:  # declared in the wrong township
            rec["township"] = names[(i + 3) % len(names)]
        out.append(Case(case_id=f"YD-2019-{i + 1:03d}", geometry=geom, **rec))
    pg = [p.geometry for p in permits]
    for i in range(N_MINING):
        role = i % 11  # 0-2 inside, 3-5 partly outside, 6-7 no permit, 8 wrong mineral, 9 shallow coal, 10 changed method
        p = permits[i % len(permits)]
        town = mining_towns[(i % len(permits)) % len(mining_towns)]
        mineral, permit_no = p.mineral, p.permit_no
        if role in (0, 1, 2, 10):
            category = 9 if role == 10 else 7 if role == 2 else 9
            c = p.geometry.centroid
            geom = _rect(c, 120, 90, float(rng.uniform(0, 90)))
            if role == 1:
                geom = c  # a pit located by a point
        elif role in (3, 4, 5):
            category = 7
            minx, miny, maxx, maxy = p.geometry.bounds
            edge = shapely.get_coordinates(p.geometry.exterior)[role - 3]
            geom = _rect(Point(edge), 160 + 40 * role, 140, float(rng.uniform(0, 90)))
            if role == 5:
                geom = shapely.affinity.translate(geom, 120, 120)  # point beyond the corner
        elif role in (6, 7, 9):
            category = 8 if role == 9 else 6
            permit_no, mineral = None, "煤" if role == 9 else _MINERALS[i % 5]
            town = mining_towns[i % len(mining_towns)]
            for _ in range(20):
                c = _sample_in(rng, towns[town], inset=600)
                if min(g.distance(c) for g in pg) > 600:
                    break
            geom = c if role == 9 else _rect(c, 150, 110, float(rng.uniform(0, 90)))
        else:
            category = 10
            c = p.geometry.centroid
            geom = _rect(c, 100, 80, 0.0)
            mineral = _MINERALS[(_MINERALS.index(p.mineral) + 2) % len(_MINERALS)]
        mu = 0.0 if geom.geom_type == "Point" else geom.area / M2_PER_MU
        rec = _common(rng, "mining", category, town, i, mu or float(rng.uniform(1, 5)), mineral)
        if role in (3, 6):  # mined outside or without a permit: the value assessed (万元; no draw, the rest unchanged)
            rec["mined_value_wan"] = round(mu * 0.3, 1)
        out.append(Case(case_id=f"CK-2019-{i + 1:03d}", permit_no=permit_no, geometry=geom, **rec))
    return out


def _mining_towns(townships: gpd.GeoDataFrame) -> list[str]:
    names = [str(n) for n in townships["name"]]
    return [names[i] for i in _MINING_POSITIONS if i < len(names)] or names


def _to_storage(items, attr="geometry"):
    geoms = gpd.GeoSeries([getattr(x, attr) for x in items], crs=AREA_CRS).to_crs(STORAGE_CRS)
    return [x.__class__(**{**x.to_record(), attr: g}) for x, g in zip(items, geoms)]


def demo_data(townships: gpd.GeoDataFrame) -> tuple[list[Permit], list[Case]]:
    """Permits and cases (CGCS2000) for ``townships``, the same every time."""
    rng = np.random.default_rng(SEED)
    permits = make_permits(townships, rng)
    cases = make_cases(townships, permits, rng)
    return _to_storage(permits), _to_storage(cases)


def init_demo(store: CaseStore, *, user: str = DEMO_USER) -> dict[str, int]:
    """(Re)fill ``store`` with the shipped boundaries and the demo permits and cases, in one transaction:
    if anything fails (or the process is killed) half-way, the store keeps what it held before."""
    county, towns = load_shipped_boundaries()
    permits, cases = demo_data(towns)
    data = county_divisions(str(county["name"].iloc[0]))
    division = data.matching(towns["name"]) if data is not None else None  # the shipped layer: 2018's eleven
    year = division.valid_from if division is not None else None
    with store.transaction():
        store.replace_boundaries("county", county, user=user)
        store.replace_boundaries("township", towns, user=user, year=year)
        store.clear_cases_and_permits(user=user)
        store.upsert_permits(permits, user=user)
        for day in sorted({c.found_date for c in cases}):  # each case recorded on its 发现时间 …
            store.upsert_cases([c for c in cases if c.found_date == day], user=user, at=f"{day}T09:00:00")
        with store.transaction() as con:  # … and moved on stage by stage: the demo's bulletins have a past
            audit.append(con, demo_history(cases, user=user))
        store.set_meta({"is_demo": "1"})
    return {"permits": len(permits), "cases": len(cases)}


def _at_stage(case: Case, stage: int) -> Case:
    blank = {f: Case.__dataclass_fields__[f].default for f, s in _STAGE_FIELDS.items() if s > stage}
    return case.with_changes(status=STATUSES[stage], **blank)


def demo_history(cases: list[Case], *, user: str = DEMO_USER) -> list[tuple]:
    """Audit rows (oldest first) taking each demo case from 排查发现 on its 发现时间 to its status, one stage at a
    time: 已立案 on its 立案日期 with the 立案 fields, each later stage ``_STEP_DAYS`` days after the one before."""
    rows = []
    for case in cases:
        prev = _at_stage(case, 0)
        for stage in range(1, STATUSES.index(case.status) + 1):
            when = f"{case.filing_date + dt.timedelta(days=_STEP_DAYS * (stage - 1))}T10:00:00"
            step = _at_stage(case, stage)
            rows += [(when, user, case.case_id, "update", name, _logged(a), _logged(b))
                     for name, (a, b) in case_diff(prev, step).items()]
            prev = step
    return sorted(rows, key=lambda r: r[0])


def _logged(value) -> str | None:
    """A value as the store writes it in the audit log."""
    return None if value is None else value_text(value, floats="plain", bools=("True", "False"))


def non_demo_records(store: CaseStore) -> tuple[list[str], list[str]]:
    """(case ids, permit numbers) in ``store`` that init-demo did not write: imported, entered or edited.

    In a store not marked ``is_demo`` every case and permit counts.  In a demo store, a case counts
    when someone other than ``DEMO_USER`` wrote it last, and a permit when someone else imported it
    after the last demo fill (from the audit log; permits carry no author of their own).
    """
    cases, permits = store.cases(), store.permits()
    if store.get_meta("is_demo") != "1":
        return list(cases["case_id"]), list(permits["permit_no"])
    real_cases = list(cases.loc[cases["updated_by"] != DEMO_USER, "case_id"])
    log = store.audit()
    fills = log.index[(log["action"] == "clear") & (log["user"] == DEMO_USER)]
    since = log.loc[fills[-1]:] if len(fills) else log
    imported = since[(since["action"] == "permits") & (since["user"] != DEMO_USER)]
    numbers = {n for text in imported["new"].dropna() for part in json.loads(text).values() for n in part}
    return real_cases, [n for n in permits["permit_no"] if n in numbers]
