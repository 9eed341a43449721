"""Demo information base for the county: customers, organisations, subscriptions and
competitor intelligence, as plain data (no Django).

`generate_crm(seed, sites, staff, today)` is pure: the same arguments give the same data.
Households follow the sites' own figures: every site's `customers` become subscribers
(存量 / 新增 / 重点), and a share of the covered non-customers are surveyed prospects
(潜在 / 意向 / 网络覆盖) whose current operator is often known. Each organisation's premises
holds one group customer (集团客户) with the seed's survey filled in. Dates are absolute,
counted back from `today`, so a demo loaded on any day has renewals due next week and
records due for re-survey. Values are the models' plain choice strings.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

ACCOUNT_MARKETER = "account_marketer"
SALES_MARKETER = "sales_marketer"
GRID_MANAGER = "grid_manager"
AGENT = "agent"
MARKET_ADMIN = "market_admin"

#: Share of the covered households that are not ours and have been surveyed as prospects.
PROSPECT_SHARE = 0.15
#: Households of ours that are key (重点) or gold (金牌) customers, and the gold among them.
KEY_SHARE = 0.07
GOLD_PER_KEY = 0.3
#: Verifications reach this many days back, most of them recent (re-survey age: 180).
VERIFIED_SPREAD_DAYS = 400

_SURNAMES = "李王刘陈张周曾彭谢罗邓唐黄肖谭胡贺蒋袁杨赵吴龙申宁邹石孙易姚段朱何尹雷"
_GIVEN = "伟强军勇斌杰涛明辉鹏俊峰磊波华建志文国平东林宇浩凯亮芳娟敏静丽艳霞婷玲慧琴萍红燕"

# (code, name, kind)
PRODUCTS = (
    ("BB", "有线宽带", "broadband"),
    ("HD", "高清电视", "hd"),
    ("DTV", "数字电视", "digital_tv"),
)
# (code, product, name, bandwidth, monthly price, term months)
PLANS = (
    ("BB-100", "BB", "宽带 100M", 100, "45.00", 12),
    ("BB-300", "BB", "宽带 300M", 300, "68.00", 12),
    ("BB-1000", "BB", "宽带 1000M", 1000, "108.00", 24),
    ("HD-BASE", "HD", "高清基本包", None, "28.00", 12),
    ("HD-FAMILY", "HD", "高清全家福", None, "48.00", 12),
    ("DTV-BASE", "DTV", "数字电视基本收视", None, "26.00", 0),
)
# Competitors come from the crm migration; the demo uses the three national operators.
COMPETITORS = ("telecom", "mobile", "unicom")
_PRESENCE = {"telecom": 0.8, "mobile": 0.7, "unicom": 0.4}
_OFFERS = {
    "telecom": (("天翼宽带", 300, "99.00"), ("天翼融合套餐", 1000, "169.00")),
    "mobile": (("移动宽带", 300, "69.00"), ("移动全家享", 500, "128.00")),
    "unicom": (("沃宽带", 300, "79.00"), ("联通冰激凌融合", 1000, "159.00")),
}
_PROMOTIONS = ("", "首年半价", "预存送 3 个月", "免费安装", "送千兆路由器", "办手机卡送宽带")
_NETWORKS = ("中国电信 100M 专线", "中国移动 200M 宽带", "中国联通 50M 专线", "我方 300M 宽带")
_QUALITY_NEEDS = ("上网稳定即可", "视频会议不卡顿", "需要固定公网 IP", "7×24 小时保障")
_FEEDBACK = (
    "高峰期网速慢，报修响应不及时",
    "基本满意，希望降低资费",
    "经常断线，影响办公",
    "满意",
)
_WISHES = ("扩容到千兆", "增加监控专线", "全员办理融合套餐", "暂无计划", "新办公楼需布线")
_TITLES = ("办公室主任", "网管", "后勤主管", "校长助理", "财务")


@dataclass(frozen=True)
class SiteIn:
    code: str
    kind: str  # estate | building | premises
    name: str
    grid: str | None
    households: int
    covered_households: int
    customers: int


@dataclass(frozen=True)
class StaffIn:
    employee_no: str
    role: str
    grids: tuple[str, ...]


@dataclass(frozen=True)
class PlanSpec:
    code: str
    product: str
    name: str
    bandwidth_mbps: int | None
    monthly_price: Decimal
    term_months: int


@dataclass(frozen=True)
class CustomerSpec:
    site: str
    kind: str
    name: str
    address: str
    phone: str
    relationship: str
    tier: str
    owner: str
    provider: str | None
    created_on: dt.date
    verified_on: dt.date | None
    verified_by: str | None


@dataclass(frozen=True)
class OrganizationSpec:
    customer: int  # index into `CrmDemo.customers`
    contact_name: str
    contact_phone: str
    computers: int
    current_network: str
    quality_requirement: str
    quality_feedback: str
    development_wishes: str
    key_person_name: str
    key_person_phone: str
    contact_title: str


@dataclass(frozen=True)
class SubscriptionSpec:
    customer: int
    plan: str
    account_no: str
    started_on: dt.date
    expires_on: dt.date | None
    monthly_fee: Decimal
    status: str
    arrears: Decimal


@dataclass(frozen=True)
class OfferSpec:
    kind: str
    plan_name: str
    bandwidth_mbps: int | None
    price: Decimal
    period: str
    promotion: str
    seen_on: dt.date
    ended_on: dt.date | None


@dataclass(frozen=True)
class IntelSpec:
    site: str
    competitor: str
    launched_on: dt.date | None
    customers_estimate: int | None
    install_quality: str
    after_sales_quality: str
    property_relationship: str
    verified_on: dt.date | None
    verified_by: str | None
    offers: tuple[OfferSpec, ...]


@dataclass(frozen=True)
class CrmDemo:
    products: tuple[tuple[str, str, str], ...]
    plans: tuple[PlanSpec, ...]
    customers: tuple[CustomerSpec, ...]
    organizations: tuple[OrganizationSpec, ...]
    subscriptions: tuple[SubscriptionSpec, ...]
    intel: tuple[IntelSpec, ...]


class _Team:
    """Who in a grid owns which kind of account (名单制)."""

    def __init__(self, members: list[StaffIn], fallback: str) -> None:
        def of(*roles: str) -> list[str]:
            return [s.employee_no for s in members if s.role in roles]

        anyone = of(ACCOUNT_MARKETER, SALES_MARKETER, GRID_MANAGER) or [fallback]
        self.keepers = of(ACCOUNT_MARKETER) or anyone
        self.sellers = of(SALES_MARKETER) or anyone
        self.agents = of(AGENT)
        self.surveyors = [s.employee_no for s in members if s.role != AGENT] or [fallback]


class _Gen:
    def __init__(self, seed: int, staff: Sequence[StaffIn], today: dt.date, scale: float) -> None:
        self.rng = random.Random(seed * 104729 + 31)
        self.today = today
        self.scale = scale
        admins = sorted(s.employee_no for s in staff if s.role == MARKET_ADMIN)
        self.fallback = admins[0] if admins else sorted(s.employee_no for s in staff)[0]
        by_grid: dict[str, list[StaffIn]] = {}
        for s in sorted(staff, key=lambda s: s.employee_no):
            for g in s.grids:
                by_grid.setdefault(g, []).append(s)
        self.teams = {g: _Team(m, self.fallback) for g, m in by_grid.items()}
        self.no_team = _Team([], self.fallback)
        self.customers: list[CustomerSpec] = []
        self.organizations: list[OrganizationSpec] = []
        self.subscriptions: list[SubscriptionSpec] = []
        self.intel: list[IntelSpec] = []

    # --- small pieces ---
    def name(self) -> str:
        given = 1 if self.rng.random() < 0.3 else 2
        return self.rng.choice(_SURNAMES) + "".join(self.rng.choices(_GIVEN, k=given))

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(low, high))

    def verified(self, team: _Team) -> tuple[dt.date | None, str | None]:
        """Mostly recent: about 30 % are older than 180 days; one in twenty never verified."""
        if self.rng.random() < 0.05:
            return None, None
        days = int(self.rng.triangular(0, VERIFIED_SPREAD_DAYS, 0))
        return self.today - dt.timedelta(days=days), self.rng.choice(team.surveyors)

    def address(self, site: SiteIn) -> str:
        r = self.rng
        if site.kind == "estate":
            return f"{r.randint(1, 12)}栋{r.randint(1, 3)}单元{r.randint(1, 18)}0{r.randint(1, 4)}"
        if "村" in site.name:
            return f"{r.randint(1, 80)}号"
        return f"{r.randint(1, 8)}0{r.randint(1, 6)}室"

    # --- customers ---
    def importance(self, subscriber: bool) -> str:
        """Few households are key (重点), fewer gold (金牌, visited every half month); a
        prospect can be key (a large household, an opinion leader), gold is for our own."""
        x = self.rng.random()
        if subscriber:
            return (
                "gold" if x < KEY_SHARE * GOLD_PER_KEY else "key" if x < KEY_SHARE else "standard"
            )
        return "key" if x < KEY_SHARE / 2 else "standard"

    def household(self, site: SiteIn, team: _Team, relationship: str) -> int:
        r = self.rng
        subscriber = relationship in ("existing", "new")
        owner = r.choice(team.keepers if subscriber else team.sellers)
        if relationship == "new" and team.agents and r.random() < 0.2:
            owner = r.choice(team.agents)  # agents sign new customers and keep them
        tier = self.importance(subscriber)
        provider = None
        if not subscriber and r.random() < 0.7:
            provider = r.choices(COMPETITORS, (45, 35, 20))[0]
        verified_on, verified_by = self.verified(team)
        created = self.days_ago(0, 150) if relationship == "new" else self.days_ago(150, 2000)
        self.customers.append(
            CustomerSpec(
                site=site.code,
                kind="household",
                name=self.name(),
                address=self.address(site),
                phone=self.phone(),
                relationship=relationship,
                tier=tier,
                owner=owner,
                provider=provider,
                created_on=created,
                verified_on=verified_on,
                verified_by=verified_by,
            )
        )
        return len(self.customers) - 1

    def organization(self, site: SiteIn, team: _Team) -> None:
        r = self.rng
        subscriber = site.customers > 0
        relationship = "existing" if subscriber else r.choice(("potential", "intended"))
        verified_on, verified_by = self.verified(team)
        self.customers.append(
            CustomerSpec(
                site=site.code,
                kind="group",
                name=site.name,
                address="",
                phone="",
                relationship=relationship,
                # The seed's 集团客户等重点客户: most organisations are key accounts.
                tier=r.choices(("standard", "key", "gold"), (3, 5, 2))[0],
                owner=r.choice(team.keepers if subscriber else team.sellers),
                provider=None if subscriber else r.choice(COMPETITORS),
                created_on=self.days_ago(100, 2000),
                verified_on=verified_on,
                verified_by=verified_by,
            )
        )
        index = len(self.customers) - 1
        network = r.choice(_NETWORKS[3:] if subscriber else _NETWORKS[:3])
        self.organizations.append(
            OrganizationSpec(
                customer=index,
                contact_name=self.name(),
                contact_phone=self.phone(),
                computers=max(2, site.households // r.randint(1, 3)),
                current_network=network,
                quality_requirement=r.choice(_QUALITY_NEEDS),
                quality_feedback=r.choice(_FEEDBACK),
                development_wishes=r.choice(_WISHES),
                key_person_name=self.name(),
                key_person_phone=self.phone(),
                contact_title=r.choice(_TITLES),
            )
        )
        if subscriber:
            plan = r.choice(("BB-300", "BB-1000"))
            self.subscribe(index, plan, relationship, group=True)

    # --- subscriptions ---
    def subscribe(
        self, customer: int, plan_code: str, relationship: str, group: bool = False
    ) -> None:
        r = self.rng
        plan = _PLAN[plan_code]
        start = self.days_ago(0, 150) if relationship == "new" else self.days_ago(150, 1800)
        expires = None
        if plan.term_months:
            # Contracts roll over each term; the current term ends on the next anniversary.
            step = dt.timedelta(days=round(plan.term_months * 30.44))
            expires = start + step
            while expires < self.today - dt.timedelta(days=45):
                expires += step
        sub_status = "active"
        if expires is not None and expires < self.today:
            sub_status = "expired"
        elif r.random() < 0.02:
            sub_status = "suspended"
        discount = r.choice((Decimal("1"), Decimal("1"), Decimal("0.9"), Decimal("0.8")))
        fee = (plan.monthly_price * discount * (3 if group else 1)).quantize(Decimal("0.01"))
        arrears = Decimal("0.00")
        if sub_status == "suspended" or (sub_status == "active" and r.random() < 0.07):
            arrears = fee * r.randint(1, 3)
        self.subscriptions.append(
            SubscriptionSpec(
                customer=customer,
                plan=plan.code,
                account_no=f"SD{len(self.subscriptions) + 1:08d}",
                started_on=start,
                expires_on=expires,
                monthly_fee=fee,
                status=sub_status,
                arrears=arrears,
            )
        )

    def subscriber(self, site: SiteIn, team: _Team) -> None:
        r = self.rng
        relationship = r.choices(("existing", "new"), (90, 10))[0]
        index = self.household(site, team, relationship)
        plan = r.choices(("BB-100", "BB-300", "BB-1000"), (3, 5, 2))[0]
        if r.random() < 0.88:
            self.subscribe(index, plan, relationship)
            if r.random() < 0.3:
                self.subscribe(index, r.choice(("HD-BASE", "HD-FAMILY")), relationship)
        else:
            self.subscribe(index, "DTV-BASE", relationship)

    # --- competitors ---
    def site_intel(self, site: SiteIn, team: _Team) -> None:
        r = self.rng
        chance = 1.0 if site.kind in ("estate", "premises") else 0.35
        for code in COMPETITORS:
            if r.random() > _PRESENCE[code] * chance:
                continue
            verified_on, verified_by = self.verified(team)
            offers = []
            for name, mbps, price in _OFFERS[code][: r.randint(1, 2)]:
                yearly = r.random() < 0.25
                amount = Decimal(price) * (10 if yearly else 1)
                offers.append(
                    OfferSpec(
                        kind="bundle" if "融合" in name or "全家" in name else "broadband",
                        plan_name=name,
                        bandwidth_mbps=mbps,
                        price=amount,
                        period="year" if yearly else "month",
                        promotion=r.choice(_PROMOTIONS),
                        seen_on=self.days_ago(10, 400),
                        ended_on=None,
                    )
                )
            if r.random() < 0.3:
                # An older, dearer offer that has since ended: the site's price history.
                name, mbps, price = _OFFERS[code][0]
                seen = self.days_ago(400, 900)
                offers.append(
                    OfferSpec(
                        kind="broadband",
                        plan_name=name,
                        bandwidth_mbps=mbps // 3,
                        price=Decimal(price) + 20,
                        period="month",
                        promotion="",
                        seen_on=seen,
                        ended_on=seen + dt.timedelta(days=r.randint(90, 360)),
                    )
                )
            quality = ("good", "fair", "poor", "unknown")
            self.intel.append(
                IntelSpec(
                    site=site.code,
                    competitor=code,
                    launched_on=self.days_ago(300, 4000) if r.random() < 0.8 else None,
                    customers_estimate=(
                        round(site.households * r.uniform(0.05, 0.3)) if site.households else None
                    ),
                    install_quality=r.choices(quality, (4, 4, 1, 2))[0],
                    after_sales_quality=r.choices(quality, (3, 4, 2, 2))[0],
                    property_relationship=r.choices(
                        ("close", "normal", "poor", "unknown"), (2, 5, 1, 2)
                    )[0],
                    verified_on=verified_on,
                    verified_by=verified_by,
                    offers=tuple(offers),
                )
            )

    def site(self, site: SiteIn) -> None:
        team = self.teams.get(site.grid or "", self.no_team)
        if site.kind == "premises":
            self.organization(site, team)
        else:
            for _ in range(round(site.customers * self.scale)):
                self.subscriber(site, team)
            others = max(0, site.covered_households - site.customers)
            prospects = round(others * PROSPECT_SHARE * self.scale)
            for _ in range(prospects):
                relationship = self.rng.choices(("potential", "intended", "covered"), (6, 2, 2))[0]
                self.household(site, team, relationship)
        if site.households:
            self.site_intel(site, team)


_PLAN = {
    code: PlanSpec(code, product, name, mbps, Decimal(price), term)
    for code, product, name, mbps, price, term in PLANS
}


def generate_crm(
    seed: int,
    sites: Sequence[SiteIn],
    staff: Sequence[StaffIn],
    today: dt.date,
    scale: float = 1.0,
) -> CrmDemo:
    """The county's information base. Sites and staff are taken in code order, so the
    result depends only on their content, not on the order a database returned them.

    `scale` < 1 keeps that share of the households (tests, quick demos); at 1 the
    subscribers of every site are exactly its `customers`.
    """
    gen = _Gen(seed, staff, today, scale)
    for site in sorted(sites, key=lambda s: s.code):
        gen.site(site)
    return CrmDemo(
        products=PRODUCTS,
        plans=tuple(_PLAN.values()),
        customers=tuple(gen.customers),
        organizations=tuple(gen.organizations),
        subscriptions=tuple(gen.subscriptions),
        intel=tuple(gen.intel),
    )
