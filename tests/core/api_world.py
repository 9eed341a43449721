"""The OpenAPI schema loaded in-process over WSGI, the rows the fuzzing aims at, and the token.

Shared by the schema fuzz (`test_api_schema.py`, SQLite pass only: schemathesis builds its
coverage cases for every operation while collecting, a minute of CPU per worker) and the
authentication sweep (`test_api_authentication.py`, both databases).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from schemathesis import Case

from wangge.core.access import SYSTEM
from wangge.crm import services as crm
from wangge.crm.models import Customer, ProductKind
from wangge.org import services
from wangge.org.models import Grid, Region, Staff
from wangge.org.roles import Role
from wangge.sales import services as sales
from wangge.territory.models import Site

#: Fixed so a CI failure replays locally; Hypothesis runs derandomized on top of it.
SEED = 20250601
#: Fuzzing examples per operation, on top of schemathesis' coverage cases (boundary values,
#: NUL, wrong types, missing fields: about 250 an operation, the systematic part). About
#: 3 minutes for the whole file on two cores.
MAX_EXAMPLES = 20


@dataclass
class ApiData:
    token: str
    region_ids: list[int]
    service_point_ids: list[int]
    grid_ids: list[int]
    staff_ids: list[int]
    #: crm rows, by the parameter name that carries their id (path or body).
    crm_ids: dict[str, list[int]]


def _seed_rows() -> ApiData:
    region = services.region_create(
        actor=SYSTEM, code="R1", name="两市塘街道", kind=Region.Kind.STREET
    )
    point = services.service_point_create(actor=SYSTEM, name="两市塘服务点", region=region)
    grid_a = services.grid_create(
        actor=SYSTEM,
        code="A",
        name="网格甲",
        region=region,
        service_point=point,
        boundary={
            "type": "Polygon",
            "coordinates": [[[111.0, 27.0], [111.1, 27.0], [111.1, 27.1], [111.0, 27.0]]],
        },
    )
    grid_b = services.grid_create(actor=SYSTEM, code="B", name="网格乙", region=region)
    admin = services.staff_create(
        actor=SYSTEM,
        username="api_admin",
        password=None,
        name="市场甲",
        employee_no="M001",
        role=Role.MARKET_ADMIN,
    )
    manager = services.staff_create(
        actor=SYSTEM,
        username="api_manager",
        password=None,
        name="经理甲",
        employee_no="G001",
        phone="13800138000",
        role=Role.GRID_MANAGER,
        primary_grid=grid_a,
    )
    services.team_create(actor=SYSTEM, name="网格甲团队", kind="grid", grid=grid_a, leader=manager)
    _token, raw = services.api_token_create(actor=SYSTEM, user=admin.user, name="schemathesis")
    return ApiData(
        token=raw,
        region_ids=[region.pk],
        service_point_ids=[point.pk],
        grid_ids=[grid_a.pk, grid_b.pk],
        staff_ids=[admin.pk, manager.pk],
        crm_ids=_seed_sales(_seed_crm(grid_a, manager), grid_a, manager),
    )


def _seed_sales(ids: dict[str, list[int]], grid: Grid, manager: Staff) -> dict[str, list[int]]:
    """Opportunities on the site (one fresh, one ready to win), so dispatch, stage moves and
    wins meet real records; visits name customers and sites by `customer` and `site`."""
    site = Site.objects.get(pk=ids["site_id"][0])
    fresh = sales.opportunity_create(actor=SYSTEM, source="phone", site=site)
    ready = sales.opportunity_create(
        actor=SYSTEM, source="visit", customer=Customer.objects.get(pk=ids["customer_id"][0])
    )
    for stage in ("proposal", "confirmed"):
        ready = sales.opportunity_move(
            actor=SYSTEM, opportunity=ready, stage=stage, version=ready.version
        )
    return {
        **ids,
        "opportunity_id": [fresh.pk, ready.pk],
        "opportunity": [fresh.pk, ready.pk],
        "customer": ids["customer_id"],
        "site": ids["site_id"],
        "assignee": [manager.pk],
        "grid": [grid.pk],
    }


def _seed_crm(grid: Grid, owner: Staff) -> dict[str, list[int]]:
    """A site with a household, a group customer, a subscription and a competitor's offer,
    so the crm operations are fuzzed against real records, not only "not found"."""
    site = Site.objects.create(
        kind=Site.Kind.ESTATE, code="XQ1", name="东湖花园", lon=111.05, lat=27.05, grid=grid
    )
    product = crm.product_create(actor=SYSTEM, code="BB", name="宽带", kind=ProductKind.BROADBAND)
    plan = crm.tariff_plan_create(
        actor=SYSTEM, product=product, code="BB100", name="百兆", monthly_price=Decimal("50.00")
    )
    competitor = crm.competitors_ensure_national(actor=SYSTEM)[0]
    home = crm.customer_create(
        actor=SYSTEM,
        site=site,
        name="张三",
        owner=owner,
        relationship=Customer.Relationship.EXISTING,
    )
    org = crm.organization_create(
        actor=SYSTEM,
        site=site,
        name="东湖小学",
        owner=owner,
        relationship=Customer.Relationship.POTENTIAL,
    )
    contact = crm.contact_create(actor=SYSTEM, customer=home, name="张三")
    subscription = crm.subscription_create(
        actor=SYSTEM, customer=home, plan=plan, started_on=dt.date(2026, 1, 1)
    )
    intel = crm.competitor_intel_create(actor=SYSTEM, site=site, competitor=competitor)
    offer = crm.competitor_offer_create(
        actor=SYSTEM, intel=intel, plan_name="电信 200M", price=Decimal("59.00")
    )
    return {
        "customer_id": [home.pk, org.pk],
        "contact_id": [contact.pk],
        "subscription_id": [subscription.pk],
        "intel_id": [intel.pk],
        "offer_id": [offer.pk],
        "site_id": [site.pk],
        "product_id": [product.pk],
        "plan_id": [plan.pk],
        "competitor_id": [competitor.pk],
        "current_provider_id": [competitor.pk],
        "owner_id": [owner.pk],
    }


def _config() -> schemathesis.Config:
    generation: dict[str, Any] = {
        "mode": "all",  # positive and negative data
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",  # no .hypothesis/ directory in the repository
    }
    # Schema-valid writes may still be refused by the domain with the declared 400: a region
    # or service point that does not exist, a grid code already taken, a boundary that is
    # not a valid polygon; a PATCH whose `version` is not the record's answers the declared
    # 409 (stale_version). Everything else positive must be accepted.
    writes = {
        "include-method": ["POST", "PATCH"],
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "404", "409"]}},
    }
    # Care compliance refuses a period longer than a year with the declared 400: two days
    # that are each valid may be too far apart.
    compliance = {
        "include-path": "/api/retention/care-compliance",
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400"]}},
    }
    return schemathesis.Config.from_dict(
        {"seed": SEED, "generation": generation, "operations": [writes, compliance]}
    )


schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", get_wsgi_application(), config=_config()
)

#: Schemathesis builds some cases at collection, before any token exists; they carry this
#: placeholder, which the test swaps for the current test's real token.
TOKEN_PLACEHOLDER = "wg_placeholder"


@schema.auth(refresh_interval=None)
class MarketAdminToken:
    """Bearer auth on every generated request, except the negative cases that test a
    missing or broken `Authorization` header (schemathesis skips the provider for those)."""

    def get(self, case: Case, ctx: schemathesis.AuthContext) -> str:
        return TOKEN_PLACEHOLDER

    def set(self, case: Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


@pytest.fixture
def api_data(transactional_db: None) -> ApiData:
    return _seed_rows()
