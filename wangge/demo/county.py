"""A fictitious but plausible 邵东市 for demos and tests: regions, grids, people and teams.

`generate(seed, grids)` is pure: the same arguments give the same plain data, so a demo can
be rebuilt exactly and tests can compare runs. No Django here; `wangge.demo.load` writes
the result through the organisation services. Roles, kinds and departments are the plain
string values of the models' choices.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

DEFAULT_SEED = 20261126
DEFAULT_GRIDS = 30
MAX_GRIDS = 300
DEMO_PASSWORD = "wangge-demo"
OUTLINE_PATH = Path(__file__).parent / "data" / "shaodong-boundary.geojson"

MARKET_ADMIN = "market_admin"
GRID_MANAGER = "grid_manager"
ACCOUNT_MARKETER = "account_marketer"
SALES_MARKETER = "sales_marketer"
TECHNICIAN = "technician"
AGENT = "agent"

#: The documented demo personas, in the order the logins table lists them.
PERSONAS = (
    ("admin", MARKET_ADMIN),
    ("manager", GRID_MANAGER),
    ("account", ACCOUNT_MARKETER),
    ("sales", SALES_MARKETER),
    ("tech", TECHNICIAN),
    ("agent", AGENT),
)

DEPARTMENTS = (("MKT", "市场部"), ("ENG", "网络工程部"), ("CS", "客户服务部"), ("CH", "渠道部"))
# Account marketers look after existing customers, hence customer service; agents are
# outside shops that the channel department recruits and manages.
ROLE_DEPARTMENT = {
    MARKET_ADMIN: "MKT",
    GRID_MANAGER: "MKT",
    SALES_MARKETER: "MKT",
    ACCOUNT_MARKETER: "CS",
    TECHNICIAN: "ENG",
    AGENT: "CH",
}
GRID_DUTY = {
    GRID_MANAGER: "网格经理",
    ACCOUNT_MARKETER: "客户经营",
    SALES_MARKETER: "销售拓展",
    TECHNICIAN: "装机维护",
    AGENT: "代理销售",
}

# (name, kind, lon, lat): approximate WGS-84 positions of the seats. Towns are listed by
# size, which decides who gets a grid when grids are few and who gets a second one.
GAZETTEER: tuple[tuple[str, str, float, float], ...] = (
    ("两市塘街道", "street", 111.745, 27.252),
    ("宋家塘街道", "street", 111.770, 27.240),
    ("大禾塘街道", "street", 111.728, 27.272),
    ("廉桥镇", "town", 111.815, 27.200),
    ("火厂坪镇", "town", 111.880, 27.290),
    ("牛马司镇", "town", 111.885, 27.165),
    ("仙槎桥镇", "town", 111.640, 27.190),
    ("魏家桥镇", "town", 111.700, 27.330),
    ("团山镇", "town", 111.955, 27.225),
    ("佘田桥镇", "town", 111.930, 27.095),
    ("灵官殿镇", "town", 111.690, 27.120),
    ("流光岭镇", "town", 111.830, 27.120),
    ("流泽镇", "town", 112.020, 27.195),
    ("九龙岭镇", "town", 111.630, 27.280),
    ("黑田铺镇", "town", 111.590, 27.160),
    ("简家陇镇", "town", 111.805, 27.360),
    ("杨桥镇", "town", 111.990, 27.295),
    ("水东江镇", "town", 111.860, 27.045),
    ("野鸡坪镇", "town", 111.925, 27.355),
    ("砂石镇", "town", 111.990, 27.050),
    ("周官桥乡", "township", 111.715, 27.215),
    ("黄陂桥乡", "township", 111.950, 27.000),
    ("斫曹乡", "township", 111.830, 27.425),
    ("双凤乡", "township", 112.010, 27.120),
)
CITY_CENTRE = (111.745, 27.255)
KIND_RANK = {"street": 0, "town": 1, "township": 2}
URBAN_SHARE = 0.3
# A degree of longitude is shorter than one of latitude this far south; without the
# factor "nearest" would favour north-south neighbours.
LON_SCALE = math.cos(math.radians(27.2))

_URBAN_ROADS = (
    "金龙大道",
    "人民路",
    "建设路",
    "红岭路",
    "衡宝路",
    "兴和大道",
    "中兴路",
    "昭阳大道",
)
_VILLAGE_ROADS = ("老街", "新街", "中心街", "正街")
_TOWN_ROADS = ("商贸路", "府前路", "向阳路", "建设路", "工业路")
_SURNAMES = "李王刘陈张周曾彭谢罗邓唐黄肖谭胡贺蒋袁杨赵吴龙申宁邹石孙易姚段朱何尹雷"
_GIVEN = (
    "伟强军勇斌杰涛明辉鹏俊峰磊波华建志文国平湘东林宇浩凯亮",
    "芳娟敏静丽艳霞婷玲慧琴萍红燕雪颖倩佳欣梅兰秀湘丹",
)
_SHOPS = ("鑫达", "华信", "宏发", "顺心", "佳和", "天宇", "金龙", "兴旺", "恒通", "联达")
_SHOP_KINDS = ("通讯店", "手机卖场", "通讯营业部", "数码通讯店")
_DIGITS = "一二三四五六七八九"

Point2 = tuple[float, float]


@dataclass(frozen=True)
class RegionSpec:
    code: str
    name: str
    kind: str
    lon: float
    lat: float


@dataclass(frozen=True)
class ServicePointSpec:
    name: str
    region: str
    address: str
    phone: str
    lon: float
    lat: float


@dataclass(frozen=True)
class GridSpec:
    code: str
    name: str
    region: str
    service_point: str
    boundary: dict[str, Any]


@dataclass(frozen=True)
class StaffSpec:
    employee_no: str
    username: str
    name: str
    phone: str
    role: str
    department: str
    agency: str
    primary_grid: str | None
    is_superuser: bool = False


@dataclass(frozen=True)
class MembershipSpec:
    """A non-primary grid membership: a manager who also covers a neighbouring grid."""

    staff: str
    grid: str
    role: str


@dataclass(frozen=True)
class TeamSpec:
    name: str
    kind: str
    grid: str | None
    leader: str | None
    purpose: str
    members: tuple[tuple[str, str], ...]  # (employee_no, duty)


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    grid: str


@dataclass(frozen=True)
class County:
    departments: tuple[tuple[str, str], ...]
    regions: tuple[RegionSpec, ...]
    service_points: tuple[ServicePointSpec, ...]
    grids: tuple[GridSpec, ...]
    staff: tuple[StaffSpec, ...]
    memberships: tuple[MembershipSpec, ...]
    teams: tuple[TeamSpec, ...]
    logins: tuple[Login, ...]


def generate(seed: int = DEFAULT_SEED, grids: int = DEFAULT_GRIDS) -> County:
    if not 1 <= grids <= MAX_GRIDS:
        raise ValueError(f"grids must be between 1 and {MAX_GRIDS}, not {grids}")
    rng = random.Random(seed)
    cells = _cells(rng, grids)
    regions = {
        idx: RegionSpec(f"R{n:02d}", *GAZETTEER[idx])
        for n, idx in enumerate(sorted({c.region for c in cells}), start=1)
    }
    points, office_of = _service_points(rng, cells, regions)
    grid_specs = [
        GridSpec(c.code, c.name, regions[c.region].code, office, _geojson(c.shape))
        for c, office in zip(cells, office_of, strict=True)
    ]
    staff, managers, memberships = _staff(rng, cells)
    logins = [
        Login(s.username, s.role, s.primary_grid or "")
        for username, _role in PERSONAS
        for s in staff
        if s.username == username
    ]
    return County(
        departments=DEPARTMENTS,
        regions=tuple(sorted(regions.values(), key=lambda r: r.code)),
        service_points=tuple(points),
        grids=tuple(grid_specs),
        staff=tuple(staff),
        memberships=tuple(memberships),
        teams=tuple(_teams(rng, cells, staff, managers, regions)),
        logins=tuple(logins),
    )


# --- geometry -------------------------------------------------------------------------


@cache
def outline() -> Polygon:
    """The county as one polygon: the largest part of the source MultiPolygon."""
    data = json.loads(OUTLINE_PATH.read_text(encoding="utf-8"))
    geom = shape(data["features"][0]["geometry"])
    parts = list(getattr(geom, "geoms", [geom]))
    largest: Polygon = max(parts, key=lambda p: p.area)
    shapely.prepare(largest)
    return largest


def distance(a: Point2, b: Point2) -> float:
    return math.hypot((a[0] - b[0]) * LON_SCALE, a[1] - b[1])


@dataclass(frozen=True)
class _Anchor:
    """Where to draw one seed: around `centre` (anywhere when None), apart from the others."""

    centre: Point2 | None
    spread: float
    min_dist: float
    urban: bool = False


def _anchors(grids: int) -> list[_Anchor]:
    """Dense in the urban core, then a seed per town, half the townships, second town seeds."""
    urban = max(1, round(grids * URBAN_SHARE))
    anchors = [_Anchor(CITY_CENTRE, 0.03, 0.012, urban=True) for _ in range(urban)]
    towns = [(lon, lat) for _, kind, lon, lat in GAZETTEER if kind == "town"]
    townships = [(lon, lat) for _, kind, lon, lat in GAZETTEER if kind == "township"]
    rural = [_Anchor(p, 0.006, 0.02) for p in towns]
    # Skipped townships fall into a neighbour's cell: rural grids there are larger.
    rural += [_Anchor(p, 0.006, 0.02) for p in townships[::2]]
    rural += [_Anchor(p, 0.04, 0.03) for p in towns]
    rural += [_Anchor(None, 0.0, 0.015)] * max(0, grids - urban - len(rural))
    return anchors + rural[: grids - urban]


def _place_seeds(rng: random.Random, area: Polygon, anchors: list[_Anchor]) -> list[Point2]:
    minx, miny, maxx, maxy = area.bounds
    seeds: list[Point2] = []
    for a in anchors:
        spread, min_dist = a.spread, a.min_dist
        while True:
            if a.centre is None:
                p = (rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            else:
                p = (rng.gauss(a.centre[0], spread), rng.gauss(a.centre[1], spread))
            if shapely.contains_xy(area, *p) and all(distance(p, s) >= min_dist for s in seeds):
                break
            # A crowded spot must not loop forever: widen the search, relax the spacing.
            spread, min_dist = spread * 1.02 + 0.0005, min_dist * 0.99
        seeds.append(p)
    return seeds


def _tile(area: Polygon, seeds: list[Point2]) -> list[BaseGeometry]:
    """Voronoi cells clipped to `area`, without gaps or overlaps, one per seed.

    Clipping to a concave outline can cut a cell in two; the detached piece joins the
    neighbour it shares most border with, so every grid is one contiguous area.
    """
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area, ordered=True)
    parts: list[list[BaseGeometry]] = []
    strays: list[BaseGeometry] = []
    for cell, seed in zip(cells.geoms, seeds, strict=True):
        clipped = cell.intersection(area)
        pieces = [g for g in getattr(clipped, "geoms", [clipped]) if g.area > 0]
        home = next((g for g in pieces if g.intersects(Point(seed))), max(pieces, key=_area))
        parts.append([home])
        strays += [g for g in pieces if g is not home]
    for stray in sorted(strays, key=_area, reverse=True):
        border = [stray.boundary.intersection(unary_union(p)).length for p in parts]
        parts[border.index(max(border))].append(stray)
    return [shapely.set_precision(unary_union(p), 1e-6) for p in parts]


def _area(g: BaseGeometry) -> float:
    return float(g.area)


def neighbours(shapes: list[BaseGeometry], i: int) -> list[int]:
    """Grids sharing a stretch of border with grid `i` (a common corner is not enough)."""
    return [
        j
        for j, other in enumerate(shapes)
        if j != i and shapes[i].boundary.intersection(other.boundary).length > 1e-6
    ]


def _geojson(geom: BaseGeometry) -> dict[str, Any]:
    # The JSON round trip turns shapely's tuples into the lists the database gives back.
    result: dict[str, Any] = json.loads(json.dumps(mapping(geom)))
    return result


def _site(geom: BaseGeometry, preferred: Point2) -> Point2:
    """An office location inside the grid: the town seat when it lies there."""
    p = Point(preferred) if geom.contains(Point(preferred)) else geom.representative_point()
    return round(p.x, 6), round(p.y, 6)


# --- grids ----------------------------------------------------------------------------


@dataclass
class _Cell:
    region: int  # index into GAZETTEER
    shape: BaseGeometry
    code: str = ""
    name: str = ""


def _cells(rng: random.Random, grids: int) -> list[_Cell]:
    """Tile the county, give each cell the region nearest to it, then code and name it.

    Cells seeded in the urban core belong to a street office even when their centroid is
    nearer a town seat, so the core's small grids stay urban.
    """
    area = outline()
    seats = [(lon, lat) for _, _, lon, lat in GAZETTEER]
    anchors = _anchors(grids)
    cells = []
    for geom, anchor in zip(_tile(area, _place_seeds(rng, area, anchors)), anchors, strict=True):
        c = (geom.centroid.x, geom.centroid.y)
        fits = [k for k, g in enumerate(GAZETTEER) if (g[1] == "street") == anchor.urban]
        cells.append(_Cell(min(fits, key=lambda k: distance(seats[k], c)), geom))

    def order(cell: _Cell) -> tuple[int, int, float]:
        c = cell.shape.centroid
        kind_rank = KIND_RANK[GAZETTEER[cell.region][1]]
        return kind_rank, cell.region, distance(seats[cell.region], (c.x, c.y))

    cells.sort(key=order)
    by_region: dict[int, list[_Cell]] = {}
    for n, cell in enumerate(cells, start=1):
        cell.code = f"WG-{n:03d}"
        by_region.setdefault(cell.region, []).append(cell)
    for region, group in by_region.items():
        name, kind = GAZETTEER[region][:2]
        for n, cell in enumerate(group, start=1):
            numbered = kind == "street" or len(group) > 1
            cell.name = f"{name.removesuffix('街道')}{numeral(n) if numbered else ''}网格"
    return cells


def numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 30 → 三十: Chinese grid numbers up to 99."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens - 1] + "十")
    return head + ("" if ones == 0 else _DIGITS[ones - 1])


def _place_name(region: str) -> str:
    """廉桥镇 → 廉桥, for shop and street names."""
    for suffix in ("街道", "镇", "乡"):
        region = region.removesuffix(suffix)
    return region


def _service_points(
    rng: random.Random, cells: list[_Cell], regions: dict[int, RegionSpec]
) -> tuple[list[ServicePointSpec], list[str]]:
    """Each urban grid has its own office; the grids of a town or township share one."""
    points: list[ServicePointSpec] = []
    office_of: list[str] = []
    shared: dict[int, str] = {}
    for cell in cells:
        region = regions[cell.region]
        if region.kind != "street" and cell.region in shared:
            office_of.append(shared[cell.region])
            continue
        if region.kind == "street":
            name, road = f"{cell.name}服务点", rng.choice(_URBAN_ROADS)
        else:
            name, road = f"{region.name}服务点", rng.choice(_VILLAGE_ROADS + _TOWN_ROADS)
            if road in _VILLAGE_ROADS:
                road = _place_name(region.name) + road
        lon, lat = _site(cell.shape, (region.lon, region.lat))
        address = f"邵东市{region.name}{road}{rng.randint(1, 399)}号"
        phone = f"0739-27{rng.randrange(10**5):05d}"
        points.append(ServicePointSpec(name, region.code, address, phone, lon, lat))
        shared[cell.region] = name
        office_of.append(name)
    return points, office_of


# --- people and teams -----------------------------------------------------------------


class _Roster:
    """Hands out employee numbers, distinct names and distinct mobile numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.staff: list[StaffSpec] = []
        self._names: set[str] = set()
        self._phones: set[str] = set()

    def add(self, role: str, grid: str | None, username: str = "", agency: str = "") -> str:
        no = f"SD{len(self.staff) + 1:04d}"
        self.staff.append(
            StaffSpec(
                employee_no=no,
                username=username or no.lower(),
                name=_distinct(self._names, self._name),
                phone=_distinct(self._phones, self._phone),
                role=role,
                department=ROLE_DEPARTMENT[role],
                agency=agency,
                primary_grid=grid,
                is_superuser=username == "admin",
            )
        )
        return no

    def _name(self) -> str:
        chars = self.rng.choice(_GIVEN)  # one pool per sex: 萍勇 reads wrong
        given = 1 if self.rng.random() < 0.3 else 2
        return self.rng.choice(_SURNAMES) + "".join(self.rng.choices(chars, k=given))

    def _phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"


def _distinct(used: set[str], make: Callable[[], str]) -> str:
    value = make()
    while value in used:
        value = make()
    used.add(value)
    return value


def _staff(
    rng: random.Random, cells: list[_Cell]
) -> tuple[list[StaffSpec], dict[str, str], list[MembershipSpec]]:
    """Everyone, grid by grid; returns the staff, each grid's manager and the cover duties."""
    roster = _Roster(rng)
    roster.add(MARKET_ADMIN, None, "admin")
    roster.add(MARKET_ADMIN, None)
    covered = _covered(rng, cells)
    sales_grid = cells[min(1, len(cells) - 1)].code
    managers: dict[str, str] = {}
    for i, cell in enumerate(cells):
        first = i == 0

        def persona(name: str, k: int, here: bool = first) -> str:
            return name if here and k == 0 else ""

        if i not in covered:
            managers[cell.code] = roster.add(GRID_MANAGER, cell.code, persona("manager", 0))
        for k in range(rng.randint(1, 2)):
            roster.add(ACCOUNT_MARKETER, cell.code, persona("account", k))
        for k in range(rng.randint(1, 2)):
            roster.add(SALES_MARKETER, cell.code, persona("sales", k, cell.code == sales_grid))
        roster.add(TECHNICIAN, cell.code, persona("tech", 0))
        place = _place_name(GAZETTEER[cell.region][0])
        for k in range(rng.randint(1 if first else 0, 2)):
            shop = f"{place}{rng.choice(_SHOPS)}{rng.choice(_SHOP_KINDS)}"
            roster.add(AGENT, cell.code, persona("agent", k), agency=shop)
    memberships = []
    for i, j in covered.items():
        managers[cells[i].code] = managers[cells[j].code]
        memberships.append(MembershipSpec(managers[cells[j].code], cells[i].code, GRID_MANAGER))
    return roster.staff, managers, memberships


def _covered(rng: random.Random, cells: list[_Cell]) -> dict[int, int]:
    """One grid in ten, rural and townships first, has no manager of its own.

    Returns covered cell index → the neighbouring cell whose manager covers it. A manager
    covers at most one extra grid, and the persona grids stay simple.
    """
    shapes = [c.shape for c in cells]
    rural = [i for i, c in enumerate(cells) if i >= 2 and GAZETTEER[c.region][1] != "street"]
    rural.sort(key=lambda i: -KIND_RANK[GAZETTEER[cells[i].region][1]])
    busy: set[int] = set()
    covered: dict[int, int] = {}
    for i in rural:
        if len(covered) >= len(cells) // 10:
            break
        options = [j for j in neighbours(shapes, i) if j >= 2 and j not in busy]
        if i not in busy and options:
            j = rng.choice(options)
            covered[i] = j
            busy.update((i, j))
    return covered


def _teams(
    rng: random.Random,
    cells: list[_Cell],
    staff: list[StaffSpec],
    managers: dict[str, str],
    regions: dict[int, RegionSpec],
) -> list[TeamSpec]:
    home: dict[str, list[StaffSpec]] = {c.code: [] for c in cells}
    for s in staff:
        if s.primary_grid:
            home[s.primary_grid].append(s)
    teams = []
    for c in cells:
        lead = managers[c.code]
        crew = [(s.employee_no, GRID_DUTY[s.role]) for s in home[c.code] if s.employee_no != lead]
        members = ((lead, GRID_DUTY[GRID_MANAGER]), *crew)
        teams.append(TeamSpec(f"{c.name}团队", "grid", c.code, lead, "网格内营销与服务", members))

    def virtual(name: str, purpose: str, urban: bool, leader: str) -> TeamSpec:
        pool = [c.code for c in cells if (regions[c.region].kind == "street") == urban]
        pool = pool if len(pool) >= 2 else [c.code for c in cells]
        chosen = rng.sample(pool, min(4, len(pool)))
        members = {leader: "牵头人"}
        for code in chosen:
            marketers = [s for s in home[code] if s.role in (ACCOUNT_MARKETER, SALES_MARKETER)]
            members.setdefault(rng.choice(marketers).employee_no, "攻坚营销")
        tech = next(s for s in home[chosen[0]] if s.role == TECHNICIAN)
        members.setdefault(tech.employee_no, "技术支撑")
        return TeamSpec(name, "virtual", None, leader, purpose, tuple(members.items()))

    admins = [s.employee_no for s in staff if s.role == MARKET_ADMIN]
    rural_leads = sorted({managers[c.code] for c in cells if regions[c.region].kind != "street"})
    town_lead = rng.choice(rural_leads) if rural_leads else admins[0]
    teams.append(
        virtual("城区宽带攻坚虚拟团队", "城区宽带新装、提速与存量维系攻坚", True, admins[-1])
    )
    teams.append(virtual("乡镇政企拓展虚拟团队", "乡镇政企客户与专线业务拓展", False, town_lead))
    return teams + _agent_teams(cells, home, managers, regions)


def _agent_teams(
    cells: list[_Cell],
    home: dict[str, list[StaffSpec]],
    managers: dict[str, str],
    regions: dict[int, RegionSpec],
) -> list[TeamSpec]:
    """One channel team per region with agents, led by the manager of its first grid."""
    teams = []
    for idx, region in sorted(regions.items(), key=lambda item: item[1].code):
        grids = [c.code for c in cells if c.region == idx]
        agents = [s.employee_no for code in grids for s in home[code] if s.role == AGENT]
        if agents:
            leader = managers[grids[0]]
            members = ((leader, "渠道负责人"), *((a, GRID_DUTY[AGENT]) for a in agents))
            purpose = "社会渠道代理商的发展与管理"
            teams.append(
                TeamSpec(f"{region.name}代理渠道", "agents", None, leader, purpose, members)
            )
    return teams
