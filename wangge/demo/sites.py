"""Demo sites for the county: estates, buildings and organisations' premises, pure data.

Households are lognormal; penetration and network coverage fall from the urban core to
towns to villages (≈0.55 / 0.39 / 0.31 customers per household), as in the research note,
so that balancing households and customers at once is as hard here as in a real county.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

import shapely
from shapely.geometry import Polygon

from wangge.demo.county import CITY_CENTRE, GAZETTEER, outline

PENETRATION = {"core": 0.55, "town": 0.39, "rural": 0.31}
COVERAGE = {"core": 0.95, "town": 0.8, "rural": 0.5}
_ESTATE_WORDS = ("花园", "小区", "家园", "新村", "公寓", "名城", "苑", "华府", "佳园", "雅居")
_ESTATE_PREFIX = (
    "金龙",
    "锦绣",
    "阳光",
    "翠湖",
    "书香",
    "福星",
    "盛世",
    "幸福",
    "龙城",
    "江南",
    "东方",
    "南湖",
    "春天",
    "和谐",
    "碧桂",
    "恒大",
    "湘中",
    "邵州",
    "宝庆",
    "新世纪",
)
_PROPERTY = ("邵东鑫安物业", "湘中物业", "龙城物业服务", "金盾物业", "业主自管")
_SCHOOLS = ("第一中学", "第三中学", "实验小学", "职业中专", "中心小学", "幼儿园")
_ENTERPRISES = (
    "打火机厂",
    "五金制品公司",
    "皮具厂",
    "药材市场",
    "建材公司",
    "物流园",
    "农商银行网点",
)
_GOVERNMENT = ("人民政府", "派出所", "卫生院", "供电所", "税务分局")


@dataclass(frozen=True)
class SiteSpec:
    code: str
    kind: str  # estate | building | premises
    name: str
    address: str
    lon: float
    lat: float
    households: int
    covered_households: int
    customers: int
    free_ports: int
    estate: str | None = None  # code of the estate a building belongs to
    delivery_date: dt.date | None = None
    occupancy_rate: float | None = None
    property_company: str = ""
    property_contact: str = ""
    property_phone: str = ""
    premises_kind: str = ""


def _point_near(
    rng: random.Random, area: Polygon, centre: tuple[float, float], spread: float
) -> tuple[float, float]:
    for _ in range(200):
        p = (rng.gauss(centre[0], spread), rng.gauss(centre[1], spread * 0.9))
        if shapely.contains_xy(area, *p):
            return round(p[0], 6), round(p[1], 6)
    return centre


def _figures(rng: random.Random, households: int, zone: str) -> tuple[int, int, int]:
    covered = min(households, round(households * min(1.0, rng.gauss(COVERAGE[zone], 0.08))))
    rate = max(0.0, rng.gauss(PENETRATION[zone], 0.08))
    customers = min(covered, round(households * rate))
    free_ports = max(0, round(covered * rng.uniform(0.05, 0.25)))
    return covered, customers, free_ports


def generate_sites(seed: int, scale: float = 1.0) -> list[SiteSpec]:
    """About 3,500 sites at scale 1 (plus buildings inside some estates)."""
    rng = random.Random(seed * 7919 + 17)
    area = outline()
    sites: list[SiteSpec] = []
    n = 0

    def code(prefix: str) -> str:
        nonlocal n
        n += 1
        return f"{prefix}{n:05d}"

    def estate(centre: tuple[float, float], spread: float, zone: str, place: str) -> None:
        lon, lat = _point_near(rng, area, centre, spread)
        households = max(20, int(rng.lognormvariate(math.log(260 if zone == "core" else 90), 0.7)))
        covered, customers, ports = _figures(rng, households, zone)
        c = code("E")
        name = rng.choice(_ESTATE_PREFIX) + rng.choice(_ESTATE_WORDS)
        delivered = dt.date(rng.randint(1998, 2025), rng.randint(1, 12), 1)
        sites.append(
            SiteSpec(
                code=c,
                kind="estate",
                name=f"{place}{name}",
                address=f"邵东市{place}{name}",
                lon=lon,
                lat=lat,
                households=households,
                covered_households=covered,
                customers=customers,
                free_ports=ports,
                delivery_date=delivered,
                occupancy_rate=round(min(1.0, rng.uniform(0.55, 0.98)), 4),
                property_company=rng.choice(_PROPERTY),
                property_contact=rng.choice("王李张刘陈") + rng.choice(("经理", "主任", "师傅")),
                property_phone=f"0739-{rng.randint(2600000, 2799999)}",
            )
        )
        if zone == "core" and rng.random() < 0.3:
            # Some estates are surveyed building by building; the estate stays the unit.
            for b in range(1, rng.randint(3, 8)):
                blon, blat = lon + rng.uniform(-4e-4, 4e-4), lat + rng.uniform(-4e-4, 4e-4)
                sites.append(
                    SiteSpec(
                        code=code("B"),
                        kind="building",
                        name=f"{name}{b}栋",
                        address=f"邵东市{place}{name}{b}栋",
                        lon=round(blon, 6),
                        lat=round(blat, 6),
                        households=0,
                        covered_households=0,
                        customers=0,
                        free_ports=0,
                        estate=c,
                    )
                )

    def building(centre: tuple[float, float], spread: float, zone: str, name: str) -> None:
        lon, lat = _point_near(rng, area, centre, spread)
        households = max(4, int(rng.lognormvariate(math.log(40 if zone != "rural" else 35), 0.6)))
        covered, customers, ports = _figures(rng, households, zone)
        sites.append(
            SiteSpec(
                code=code("B"),
                kind="building",
                name=name,
                address=f"邵东市{name}",
                lon=lon,
                lat=lat,
                households=households,
                covered_households=covered,
                customers=customers,
                free_ports=ports,
            )
        )

    def premises(centre: tuple[float, float], spread: float, zone: str, place: str) -> None:
        lon, lat = _point_near(rng, area, centre, spread)
        kind = rng.choices(["school", "enterprise", "government"], [2, 5, 2])[0]
        word = rng.choice(
            {"school": _SCHOOLS, "enterprise": _ENTERPRISES, "government": _GOVERNMENT}[kind]
        )
        staff = int(rng.lognormvariate(math.log(30), 0.8))
        covered, customers, ports = _figures(rng, 1, zone)
        sites.append(
            SiteSpec(
                code=code("P"),
                kind="premises",
                name=f"{place}{word}",
                address=f"邵东市{place}{word}",
                lon=lon,
                lat=lat,
                households=staff,
                covered_households=min(staff, covered * staff),
                customers=customers,
                free_ports=ports + rng.randint(0, 8),
                premises_kind=kind,
            )
        )

    k = scale
    for _ in range(int(650 * k)):
        estate(CITY_CENTRE, 0.022, "core", "城区")
    for i in range(int(350 * k)):
        building(CITY_CENTRE, 0.028, "core", f"城区临街{i + 1}号楼")
    for _ in range(int(120 * k)):
        premises(CITY_CENTRE, 0.025, "core", "邵东")
    for place, kind, lon, lat in GAZETTEER:
        if kind == "street":
            continue
        town = place.removesuffix("镇").removesuffix("乡")
        spread = 0.008 if kind == "town" else 0.006
        for _ in range(int((35 if kind == "town" else 12) * k)):
            estate((lon, lat), spread, "town", town)
        for i in range(int((30 if kind == "town" else 12) * k)):
            building(
                (lon, lat),
                spread * 1.5,
                "town",
                f"{place}{rng.choice(('商贸路', '正街', '新街'))}{i + 1}号",
            )
        for _ in range(int(8 * k)):
            premises((lon, lat), spread, "town", town)
        for v in range(int(45 * k)):
            building(
                (lon, lat),
                0.035,
                "rural",
                f"{town}{rng.choice('东西南北上下')}{rng.choice('塘冲湾坪山岭')}村{v % 9 + 1}组",
            )
    return sites
