"""Customers, subscriptions and competitor intelligence on top of the persona world.

Grid A (west) and grid B (east) from `tests.territory_world`. The customers are chosen so
each access rule shows: a grid-A household of account_a, an agent's own account in A, a
group customer in A, a grid-B household, and one that account_a owns in grid B (名单制:
the owner sees it wherever it lies, A's manager does not).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tests.personas import World
from tests.territory_world import Territory, build_territory
from wangge.core.access import SYSTEM
from wangge.crm import services
from wangge.crm.models import (
    CompetitorIntel,
    CompetitorOffer,
    Customer,
    Organization,
    Product,
    Subscription,
    TariffPlan,
)

PHONES = {
    "a_home": "13800008001",
    "a_agent": "13800008002",
    "b_home": "13800008003",
    "b_owned": "13800008004",
    "a_org": "13800008005",
    "a_key": "13800008006",
}


@dataclass
class CrmWorld:
    t: Territory
    broadband: Product
    hd: Product
    plan_bb: TariffPlan
    plan_hd: TariffPlan
    customers: dict[str, Customer]
    org: Organization
    subscriptions: dict[str, Subscription]
    intel_a: CompetitorIntel
    intel_b: CompetitorIntel
    offer_a: CompetitorOffer
    offer_b: CompetitorOffer

    @property
    def world(self) -> World:
        return self.t.world

    def ids(self, *keys: str) -> set[int]:
        return {self.customers[k].pk for k in keys}


def build_crm(world: World) -> CrmWorld:
    t = build_territory(world, per_grid=4)
    staff = world.staff
    s = services
    broadband = s.product_create(actor=SYSTEM, code="BB", name="有线宽带", kind="broadband")
    hd = s.product_create(actor=SYSTEM, code="HD", name="高清电视", kind="hd")
    plan_bb = s.tariff_plan_create(
        actor=SYSTEM,
        product=broadband,
        code="BB-300",
        name="宽带 300M",
        bandwidth_mbps=300,
        monthly_price=Decimal("68.00"),
        term_months=12,
    )
    plan_hd = s.tariff_plan_create(
        actor=SYSTEM, product=hd, code="HD-BASE", name="高清基本包", monthly_price=Decimal("28.00")
    )

    def household(key: str, site_index: int, grid: str, owner: str, relationship: str) -> Customer:
        site = (t.sites_a if grid == "a" else t.sites_b)[site_index]
        return s.customer_create(
            actor=SYSTEM,
            site=site,
            name=f"客户{key}",
            owner=staff[owner],
            relationship=relationship,
            phone=PHONES[key],
            address="1栋1单元101",
        )

    customers = {
        "a_home": household("a_home", 0, "a", "account_a", Customer.Relationship.EXISTING),
        "a_agent": household("a_agent", 1, "a", "agent_a", Customer.Relationship.NEW),
        "b_home": household("b_home", 0, "b", "sales_b", Customer.Relationship.POTENTIAL),
        "b_owned": household("b_owned", 1, "b", "account_a", Customer.Relationship.EXISTING),
    }
    org = s.organization_create(
        actor=SYSTEM,
        site=t.sites_a[2],
        name="两市塘第一中学",
        owner=staff["manager_a"],
        relationship=Customer.Relationship.EXISTING,
        tier=Customer.Tier.GOLD,
        contact_name="王主任",
        contact_phone=PHONES["a_org"],
        computers=120,
        current_network="中国电信 100M 专线",
        quality_requirement="视频会议不卡顿",
        quality_feedback="高峰期慢",
        development_wishes="扩容到千兆",
        key_person_name="李校长",
        key_person_phone=PHONES["a_key"],
    )
    customers["a_org"] = org.customer
    today = dt.date(2026, 3, 1)
    subscriptions = {
        "a_home": s.subscription_create(
            actor=SYSTEM,
            customer=customers["a_home"],
            plan=plan_bb,
            started_on=today - dt.timedelta(days=300),
            expires_on=today + dt.timedelta(days=65),
        ),
        "b_home": s.subscription_create(
            actor=SYSTEM,
            customer=customers["b_home"],
            plan=plan_hd,
            started_on=today - dt.timedelta(days=30),
            arrears=Decimal("56.00"),
        ),
        "a_agent": s.subscription_create(
            actor=SYSTEM,
            customer=customers["a_agent"],
            plan=plan_bb,
            started_on=today,
            monthly_fee=Decimal("54.40"),
        ),
    }
    telecom, _unicom, mobile = s.competitors_ensure_national(actor=SYSTEM)
    intel_a = s.competitor_intel_create(
        actor=SYSTEM,
        site=t.sites_a[0],
        competitor=telecom,
        launched_on=dt.date(2019, 5, 1),
        install_quality="good",
        after_sales_quality="fair",
        property_relationship="close",
    )
    offer_a = s.competitor_offer_create(
        actor=SYSTEM,
        intel=intel_a,
        plan_name="天翼宽带",
        bandwidth_mbps=300,
        price=Decimal("960.00"),
        period="year",
        promotion="首年半价",
    )
    intel_b = s.competitor_intel_create(actor=SYSTEM, site=t.sites_b[0], competitor=mobile)
    offer_b = s.competitor_offer_create(
        actor=SYSTEM, intel=intel_b, plan_name="移动宽带", price=Decimal("69.00")
    )
    return CrmWorld(
        t=t,
        broadband=broadband,
        hd=hd,
        plan_bb=plan_bb,
        plan_hd=plan_hd,
        customers=customers,
        org=org,
        subscriptions=subscriptions,
        intel_a=intel_a,
        intel_b=intel_b,
        offer_a=offer_a,
        offer_b=offer_b,
    )


#: Which customers (world keys) each persona sees.
VISIBLE = {
    "market_admin": {"a_home", "a_agent", "a_org", "b_home", "b_owned"},
    "manager_a": {"a_home", "a_agent", "a_org"},
    "account_a": {"a_home", "a_agent", "a_org", "b_owned"},
    "sales_b": {"b_home", "b_owned"},
    "tech_a": {"a_home", "a_agent", "a_org"},
    "agent_a": {"a_agent"},
}
