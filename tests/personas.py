"""The personas every permission test uses, and the matrix helper later issues reuse.

Two grids, A and B, in two regions. The personas are the ones the access rules are about:
the market department, the manager of A, an account marketer of A, a sales marketer of B,
a technician of A and an agent of A. `manager_b` exists so that grid B has a team that
A's people must not see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from wangge.core.access import SYSTEM
from wangge.org import services
from wangge.org.models import Department, Grid, Region, ServicePoint, Staff, Team
from wangge.org.roles import Role

PASSWORD = "persona-pass-123"

PERSONAS = ("market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a")


@dataclass
class World:
    region_a: Region
    region_b: Region
    grid_a: Grid
    grid_b: Grid
    point_a: ServicePoint
    staff: dict[str, Staff]
    team_a: Team
    team_b: Team
    virtual: Team
    tokens: dict[str, str] = field(default_factory=dict)

    def user(self, persona: str) -> Any:
        return self.staff[persona].user

    def client(self, persona: str | None) -> Client:
        c = Client()
        if persona is not None:
            c.force_login(self.user(persona))
        return c

    def token(self, persona: str) -> str:
        if persona not in self.tokens:
            _token, raw = services.api_token_create(actor=SYSTEM, user=self.user(persona), name="t")
            self.tokens[persona] = raw
        return self.tokens[persona]

    def api(self, persona: str) -> Client:
        """A client that authenticates with a bearer token, as an integration would."""
        return Client(HTTP_AUTHORIZATION=f"Bearer {self.token(persona)}")


def build_world() -> World:
    s = services
    region_a = s.region_create(actor=SYSTEM, code="RA", name="两市塘街道", kind=Region.Kind.STREET)
    region_b = s.region_create(actor=SYSTEM, code="RB", name="廉桥镇", kind=Region.Kind.TOWN)
    point_a = s.service_point_create(actor=SYSTEM, name="两市塘服务点", region=region_a)
    s.service_point_create(actor=SYSTEM, name="廉桥服务点", region=region_b)
    grid_a = s.grid_create(
        actor=SYSTEM, code="A", name="网格甲", region=region_a, service_point=point_a
    )
    grid_b = s.grid_create(actor=SYSTEM, code="B", name="网格乙", region=region_b)
    eng = Department.objects.create(code="ENG", name="网络工程部")
    mkt = Department.objects.create(code="MKT", name="市场部")

    def person(key: str, name: str, role: str, grid: Grid | None, **extra: Any) -> Staff:
        return s.staff_create(
            actor=SYSTEM,
            username=key,
            password=PASSWORD,
            name=name,
            employee_no=key.upper(),
            phone="13800138" + str(100 + len(key))[-3:],
            role=role,
            primary_grid=grid,
            **extra,
        )

    staff = {
        "market_admin": person("market_admin", "市场甲", Role.MARKET_ADMIN, None, department=mkt),
        "manager_a": person("manager_a", "经理甲", Role.GRID_MANAGER, grid_a),
        "account_a": person("account_a", "客户经理甲", Role.ACCOUNT_MARKETER, grid_a),
        "sales_b": person("sales_b", "销售乙", Role.SALES_MARKETER, grid_b),
        "tech_a": person("tech_a", "装维甲", Role.TECHNICIAN, grid_a, department=eng),
        "agent_a": person("agent_a", "代理甲", Role.AGENT, grid_a, agency="甲通讯店"),
        "manager_b": person("manager_b", "经理乙", Role.GRID_MANAGER, grid_b),
    }
    team_a = s.team_create(
        actor=SYSTEM, name="网格甲团队", kind="grid", grid=grid_a, leader=staff["manager_a"]
    )
    team_b = s.team_create(
        actor=SYSTEM, name="网格乙团队", kind="grid", grid=grid_b, leader=staff["manager_b"]
    )
    for key in ("manager_a", "account_a", "tech_a"):
        s.team_member_add(actor=SYSTEM, team=team_a, staff=staff[key])
    for key in ("manager_b", "sales_b"):
        s.team_member_add(actor=SYSTEM, team=team_b, staff=staff[key])
    virtual = s.team_create(actor=SYSTEM, name="宽带攻坚虚拟团队", kind="virtual")
    s.team_member_add(actor=SYSTEM, team=virtual, staff=staff["tech_a"], duty="技术支撑")
    s.team_member_add(actor=SYSTEM, team=virtual, staff=staff["sales_b"], duty="销售")
    return World(
        region_a=region_a,
        region_b=region_b,
        grid_a=grid_a,
        grid_b=grid_b,
        point_a=point_a,
        staff=staff,
        team_a=team_a,
        team_b=team_b,
        virtual=virtual,
    )


def assert_status_matrix(
    world: World,
    url: str,
    expected: Mapping[str, int],
    *,
    method: str = "get",
    data: Any = None,
    api: bool = False,
) -> None:
    """Every persona gets exactly the expected status; reports all mismatches at once."""
    wrong = []
    for persona in PERSONAS:
        client = world.api(persona) if api else world.client(persona)
        kwargs: dict[str, Any] = {}
        if data is not None:
            kwargs = {"data": data, "content_type": "application/json"} if api else {"data": data}
        status = getattr(client, method)(url, **kwargs).status_code
        if status != expected[persona]:
            wrong.append(f"{persona}: {status} != {expected[persona]}")
    assert not wrong, f"{method.upper()} {url}: " + "; ".join(wrong)


def assert_visible_matrix(
    world: World,
    fetch: Callable[[str], Iterable[Any]],
    expected: Mapping[str, Iterable[Any]],
) -> None:
    """`fetch(persona)` returns what the persona sees; it must equal the expected set exactly."""
    wrong = []
    for persona in PERSONAS:
        seen = set(fetch(persona))
        want = set(expected[persona])
        if seen != want:
            wrong.append(
                f"{persona}: extra {sorted(map(str, seen - want))}, "
                f"missing {sorted(map(str, want - seen))}"
            )
    assert not wrong, "; ".join(wrong)
