"""A living month of growth work in the demo county: opportunities, dispatches, visits,
campaigns and promotion material.

Every record goes through `wangge.sales.services` in the name of the person who would have
done it (a marketer raises and works, a manager dispatches, the market department sends
company lists to grids), so rights, history and audit are the real ones. The services stamp
"now" and refuse times in the past (a due time, a follow-up date), so each record is written
first and its timestamps are then moved back along a scripted timeline with plain queryset
updates, the way `load_crm` writes its dates directly. Runs after `load_crm` (customers,
plans, competitors); dates count back from the clock's now, so the month is always current.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.crm.models import Customer, Product, Subscription, TariffPlan
from wangge.org.models import Grid, GridMembership, Staff
from wangge.org.roles import Role
from wangge.sales import services
from wangge.sales.models import (
    Campaign,
    DayPlan,
    DayPlanStop,
    Opportunity,
    OpportunityStep,
    Order,
    PromoInspection,
    PromoPiece,
    Stage,
    Visit,
)
from wangge.sales.services.funnel_keep import funnel_keep
from wangge.territory.models import Site

#: Mixed into the seed so this loader's random stream is its own, not the crm's.
SALT = 0x5A1E5
DAYS = 30
#: Opportunities raised or dispatched per grid over the month.
PER_GRID = (15, 25)
#: The grids of the documented demo logins (the first two by code) are the busy ones.
PER_BUSY_GRID = (40, 60)
BUSY_GRIDS = 2
#: Below this scale a grid gets no campaign, material or flagged check-in of its own.
EXTRAS_SCALE = 0.25
#: Cold visits per person over the month, besides the ones that open or work an opportunity.
VISITS_PER_SELLER = (2, 5)
VISITS_PER_AGENT = (1, 2)

Opp = Opportunity
LADDER = [Stage.NEED, Stage.PROPOSAL, Stage.CONFIRMED, Stage.ORDERED]
OPEN_WEIGHTS = {Stage.NEED: 30, Stage.PROPOSAL: 18, Stage.CONFIRMED: 12, Stage.ORDERED: 8}
CLOSED_WEIGHTS = {Stage.WON: 22, Stage.LOST: 18}
SELF_SOURCES = (
    (Opp.Source.VISIT, 40),
    (Opp.Source.PHONE, 25),
    (Opp.Source.REFERRAL, 15),
    (Opp.Source.COMPETITOR_EXPIRY, 10),
    (Opp.Source.RENEWAL, 10),
)
MANAGER_SOURCES = (
    (Opp.Source.PHONE, 30),
    (Opp.Source.REFERRAL, 30),
    (Opp.Source.COMPETITOR_EXPIRY, 20),
    (Opp.Source.RENEWAL, 20),
)
LOST_REASONS = (
    (Opp.LostReason.PRICE, 30),
    (Opp.LostReason.COMPETITOR, 20),
    (Opp.LostReason.NO_NEED, 15),
    (Opp.LostReason.UNREACHABLE, 12),
    (Opp.LostReason.CONTRACT, 12),
    (Opp.LostReason.NO_COVERAGE, 6),
    (Opp.LostReason.OTHER, 5),
)
ANSWERED = (("accept", 85), ("return", 15))
RETURN_REASONS = (
    "客户不在我负责的片区，请改派。",
    "电话多次无人接听，联系不上。",
    "客户要求换人对接。",
    "手头商机太多，本周跟进不过来。",
)
NEEDS = {
    "BB": (
        "想把宽带提到 300M，孩子上网课卡。",
        "新房装修完，要装宽带。",
        "嫌现在的网慢，想换千兆。",
    ),
    "HD": ("老人想看高清电视。", "想加高清全家福，看体育频道。"),
    "DTV": ("租户要开数字电视。", "家里第二台电视想开通。"),
}
VISIT_NOTES = {
    Visit.Outcome.INTERESTED: "对宽带提速有兴趣，留了电话。",
    Visit.Outcome.FOLLOW_UP: "要和家里人商量，约好再联系。",
    Visit.Outcome.NOT_INTERESTED: "刚续了别家的合约，暂时不考虑。",
    Visit.Outcome.NOT_HOME: "家中无人，留了宣传单。",
    Visit.Outcome.REFUSED: "不愿意沟通。",
    Visit.Outcome.SERVED: "现场办理了升级。",
}
_SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭何罗曾彭"
_GIVEN = "伟强军勇斌杰涛明辉鹏芳娟敏静丽艳霞婷"

#: How far a door visit's fix lands from its site, and how it is then judged.
CHECKINS = (
    ("near", 70),
    ("far", 12),
    ("stale", 8),
    ("none", 6),
    ("blurry", 4),
)


def _pick(rng: random.Random, weighted: Any) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


@dataclass
class _Team:
    grid: Grid
    manager: Staff
    sellers: list[Staff]
    agents: list[Staff]
    technicians: list[Staff]
    sites: list[Site]
    estates: list[Site]
    existing: list[Customer]
    competitors: list[Customer]
    agent_customers: dict[int, list[Customer]]


@dataclass
class _Plan:
    """What one opportunity's history will have been: a time for each step its services
    write (in order), and the values to put back on the record afterwards."""

    opp: Opportunity
    times: list[dt.datetime] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    #: The due time each dispatch step really gave, by the step's place in `times` (the
    #: service was handed a placeholder: it refuses a due time in the past).
    dues: dict[int, dt.datetime] = field(default_factory=dict)


class _Loader:
    def __init__(self, seed: int, scale: float = 1.0) -> None:
        self.rng = random.Random(seed ^ SALT)
        self.scale = max(0.0, min(scale, 1.0))
        self.now = clock.now()
        self.today = clock.today()
        self.plans: list[_Plan] = []
        self.products = {p.code: p for p in Product.objects.order_by("code")}
        self.tariffs: dict[int, list[TariffPlan]] = {}
        for t in TariffPlan.objects.filter(is_active=True).order_by("code"):
            self.tariffs.setdefault(t.product_id, []).append(t)
        self.admin = Staff.objects.filter(role=Role.MARKET_ADMIN).order_by("employee_no").first()
        self.counts = {"visits": 0, "campaigns": 0, "promo_pieces": 0, "promo_inspections": 0}

    def sized(self, bounds: tuple[int, int]) -> int:
        """How many, between `bounds`, shrunk by the scale."""
        return round(self.rng.randint(*bounds) * self.scale)

    # --- time ----------------------------------------------------------------------

    def ago(self, low_days: float, high_days: float) -> dt.datetime:
        return self.now - dt.timedelta(days=self.rng.uniform(low_days, high_days))

    def between(self, start: dt.datetime, n: int) -> list[dt.datetime]:
        """`n` ordered moments after `start`, none later than a few minutes ago."""
        end = self.now - dt.timedelta(minutes=5)
        span = max((end - start).total_seconds(), 60.0)
        return [
            start + dt.timedelta(seconds=s)
            for s in sorted(self.rng.uniform(30, span) for _ in range(n))
        ]

    # --- the county's people and places --------------------------------------------

    def team(self, grid: Grid) -> _Team | None:
        by_role: dict[str, list[Staff]] = {}
        members = (
            GridMembership.objects.filter(grid=grid)
            .select_related("staff__user")
            .order_by("staff__employee_no")
        )
        for m in members:
            by_role.setdefault(m.role, []).append(m.staff)
        managers = by_role.get(Role.GRID_MANAGER, [])
        sellers = by_role.get(Role.ACCOUNT_MARKETER, []) + by_role.get(Role.SALES_MARKETER, [])
        sites = list(Site.objects.filter(grid=grid).exclude(lat=None).order_by("code"))
        if not managers or not sellers or not sites:
            return None
        customers = (
            Customer.objects.filter(site__grid=grid, site__lat__isnull=False)
            .select_related("site")
            .order_by("id")
        )
        agents = by_role.get(Role.AGENT, [])
        return _Team(
            grid=grid,
            manager=managers[0],
            sellers=sellers,
            agents=agents,
            technicians=by_role.get(Role.TECHNICIAN, []),
            sites=sites,
            estates=[s for s in sites if s.kind == Site.Kind.ESTATE] or sites,
            existing=list(
                customers.filter(relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS).exclude(
                    owner__role=Role.AGENT
                )[:300]
            ),
            competitors=list(
                customers.filter(current_provider__isnull=False)
                .exclude(relationship__in=Customer.SUBSCRIBER_RELATIONSHIPS)
                .exclude(owner__role=Role.AGENT)[:200]
            ),
            agent_customers={
                a.pk: list(customers.filter(owner=a).select_related("site")[:50]) for a in agents
            },
        )

    # --- opportunities -------------------------------------------------------------

    def what(self, t: _Team) -> dict[str, Any]:
        """Who the need is of: a competitor's customer (win-back), one of ours (uplift) or
        a household not on file yet (new, by name and phone)."""
        rng = self.rng
        roll = rng.random()
        product = self.products[_pick(rng, (("BB", 70), ("HD", 20), ("DTV", 10)))]
        fields: dict[str, Any] = {
            "product": product,
            "need": rng.choice(NEEDS.get(product.code, NEEDS["BB"])),
            "expected_close": self.today + dt.timedelta(days=rng.randint(3, 40)),
        }
        tariffs = self.tariffs.get(product.pk, [])
        if tariffs:
            fields["expected_monthly"] = rng.choice(tariffs).monthly_price
        if roll < 0.25 and t.competitors:
            fields.update(kind=Opp.Kind.WINBACK, customer=rng.choice(t.competitors))
        elif roll < 0.5 and t.existing:
            fields.update(kind=Opp.Kind.UPLIFT, customer=rng.choice(t.existing))
        else:
            fields.update(
                kind=Opp.Kind.NEW,
                site=rng.choice(t.sites),
                contact_name=rng.choice(_SURNAMES)
                + rng.choice(("先生", "女士", rng.choice(_GIVEN))),
                contact_phone=f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
            )
        return fields

    def target(self, age_days: float) -> str:
        """The stage it has reached: older ones are more often closed."""
        weights: dict[str, float] = {str(k): float(v) for k, v in OPEN_WEIGHTS.items()}
        share = min(1.0, age_days / 12)
        for stage, w in CLOSED_WEIGHTS.items():
            weights[stage] = w * share
        return str(_pick(self.rng, weights.items()))

    def create(self, actor: Any, plan_start: dt.datetime, **fields: Any) -> _Plan:
        opp = services.opportunity_create(actor=actor, **fields)
        plan = _Plan(opp, [plan_start], {"created_at": plan_start})
        self.plans.append(plan)
        return plan

    def opportunities(self, t: _Team, busy: bool) -> None:
        rng = self.rng
        for _ in range(self.sized(PER_BUSY_GRID if busy else PER_GRID)):
            age = rng.uniform(0.1, DAYS)
            created = self.now - dt.timedelta(days=age)
            origin = _pick(rng, (("self", 45), ("manager", 30), ("market", 15), ("agent", 10)))
            if origin == "agent" and t.agents:
                agent = rng.choice(t.agents)
                own = t.agent_customers.get(agent.pk)
                fields = self.what(t)
                if own:
                    fields.update(kind=Opp.Kind.NEW, customer=rng.choice(own))
                    fields.pop("site", None)
                source = _pick(rng, SELF_SOURCES[:3])
                plan = self.create(agent.user, created, source=source, **fields)
                self.work(plan, agent, age, opened_by_visit=source == Opp.Source.VISIT)
            elif origin in ("self", "agent"):
                seller = rng.choice(t.sellers)
                source = _pick(rng, SELF_SOURCES)
                plan = self.create(seller.user, created, source=source, **self.what(t))
                self.work(plan, seller, age, opened_by_visit=source == Opp.Source.VISIT)
            else:
                if origin == "market" and self.admin is not None:
                    ref = f"GS{self.today:%y%m}{len(self.plans) + 1:05d}"
                    fields = self.what(t)
                    plan = self.create(
                        SYSTEM, created, source=Opp.Source.DISPATCH, external_ref=ref, **fields
                    )
                    to_grid = self.between(created, 1)[0]
                    to_grid = min(to_grid, created + dt.timedelta(hours=rng.uniform(1, 20)))
                    plan.opp = services.opportunity_dispatch(
                        actor=self.admin.user,
                        opportunity=plan.opp,
                        version=plan.opp.version,
                        grid=t.grid,
                        due=self.now + dt.timedelta(days=1),
                        note="公司派单",
                    )
                    plan.dues[len(plan.times)] = to_grid + dt.timedelta(hours=48)
                    plan.times.append(to_grid)
                    # The company's lists give the grid two days for a first contact.
                    plan.values.update(
                        dispatched_at=to_grid, contact_due=to_grid + dt.timedelta(hours=48)
                    )
                    start = to_grid
                else:
                    plan = self.create(
                        t.manager.user, created, source=_pick(rng, MANAGER_SOURCES), **self.what(t)
                    )
                    start = created
                if age < 3 and rng.random() < 0.4:
                    continue  # still waiting on the board for the manager
                self.hand_over(plan, t, start, age)

    def fresh(self, t: _Team) -> None:
        """Two leads the manager handed out in the last two days that are still waiting to
        be accepted: every board has pending dispatches, one already past its due time."""
        for low, high in ((0.5, 2.0), (0.1, 0.3)):
            created = self.ago(low, high)
            plan = self.create(t.manager.user, created, source=Opp.Source.REFERRAL, **self.what(t))
            self.hand_over(plan, t, created, low, answer="pending")

    def hand_over(
        self, plan: _Plan, t: _Team, start: dt.datetime, age: float, answer: str = ""
    ) -> None:
        """The manager dispatches to a person, who accepts, returns, or has not answered."""
        rng = self.rng
        customer = plan.opp.customer
        group = customer is not None and customer.kind == Customer.Kind.GROUP
        pool = [s for s in t.sellers if s.role == Role.SALES_MARKETER] if group else []
        seller = rng.choice(pool or t.sellers)
        at = min(self.between(start, 1)[0], start + dt.timedelta(hours=rng.uniform(0.5, 30)))
        contact_due = at + dt.timedelta(hours=rng.choice((4, 8, 24, 48)))
        outcome_due = at + dt.timedelta(days=rng.randint(10, 25)) if rng.random() < 0.5 else None
        self.dispatch(plan, t, seller, at, contact_due, outcome_due)
        recent = self.now - at < dt.timedelta(days=4)
        # Older dispatches nobody answered would have been chased: pending ones are recent.
        answers = (("accept", 50), ("pending", 35), ("return", 15)) if recent else ANSWERED
        answer = answer or _pick(rng, answers)
        if answer == "pending" or (self.now - at) < dt.timedelta(hours=2):
            return  # not answered yet: overdue once its first-contact time has passed
        answered = at + dt.timedelta(minutes=rng.uniform(10, 300))
        answered = min(answered, self.now - dt.timedelta(minutes=10))
        if answer == "return":
            plan.opp = services.opportunity_return(
                actor=seller.user,
                opportunity=plan.opp,
                version=plan.opp.version,
                reason=rng.choice(RETURN_REASONS),
            )
            plan.times.append(answered)
            others = [s for s in t.sellers if s.pk != seller.pk]
            if not others or rng.random() < 0.5:
                return  # back on the board, waiting to be dispatched again
            seller = rng.choice(others)
            at = answered + dt.timedelta(minutes=rng.uniform(20, 180))
            at = min(at, self.now - dt.timedelta(minutes=8))
            self.dispatch(
                plan,
                t,
                seller,
                at,
                at + dt.timedelta(hours=24),
                outcome_due and max(outcome_due, at + dt.timedelta(days=2)),
            )
            answered = min(at + dt.timedelta(minutes=30), self.now - dt.timedelta(minutes=6))
        plan.opp = services.opportunity_accept(
            actor=seller.user, opportunity=plan.opp, version=plan.opp.version
        )
        plan.times.append(answered)
        self.work(
            plan,
            seller,
            (self.now - answered).total_seconds() / 86400,
            start=answered,
            dispatched=True,
        )

    def dispatch(
        self,
        plan: _Plan,
        t: _Team,
        seller: Staff,
        at: dt.datetime,
        contact_due: dt.datetime,
        outcome_due: dt.datetime | None,
    ) -> None:
        placeholder = self.now + dt.timedelta(days=1)
        plan.opp = services.opportunity_dispatch(
            actor=t.manager.user,
            opportunity=plan.opp,
            version=plan.opp.version,
            assignee=seller,
            due=placeholder,
            outcome_due=placeholder + dt.timedelta(days=1) if outcome_due else None,
        )
        plan.dues[len(plan.times)] = contact_due
        plan.times.append(at)
        plan.values.update(
            dispatched_at=at,
            contact_due=contact_due,
            outcome_due=outcome_due,
            first_contact_at=None,
            escalated_at=None,
        )

    def work(
        self,
        plan: _Plan,
        seller: Staff,
        age: float,
        *,
        opened_by_visit: bool = False,
        start: dt.datetime | None = None,
        dispatched: bool = False,
    ) -> None:
        """Move the opportunity along the ladder to the stage it has reached by now."""
        rng = self.rng
        target = self.target(age)
        start = start or plan.times[0]
        if target == Stage.NEED and not opened_by_visit:
            if rng.random() < (0.15 if dispatched else 0.5):
                return  # nobody has been in touch yet (a dispatched one is then overdue)
            opened_by_visit = dispatched  # the first contact stops the due clock
        if target == Stage.WON:
            path = LADDER[1:3] + ([Stage.ORDERED] if rng.random() < 0.5 else [])
        elif target == Stage.LOST:
            path = LADDER[1 : 1 + rng.randint(0, 2)]
        else:
            path = LADDER[1 : LADDER.index(Stage(target)) + 1]
        contact = opened_by_visit or rng.random() < 0.35
        times = self.between(
            start, len(path) + int(contact) + int(target in (Stage.WON, Stage.LOST))
        )
        user = seller.user
        if contact:
            at = times.pop(0)
            self.visit(seller, plan.opp, at, opportunity=plan.opp)
            plan.opp.refresh_from_db(fields=["version", "first_contact_at"])
            plan.times.append(at)
            if not plan.values.get("first_contact_at"):
                plan.values["first_contact_at"] = at
        for stage in path:
            at = times.pop(0)
            plan.opp = services.opportunity_move(
                actor=user, opportunity=plan.opp, stage=stage, version=plan.opp.version
            )
            self.moved(plan, at)
        if target == Stage.LOST:
            at = times.pop(0)
            plan.opp = services.opportunity_lose(
                actor=user,
                opportunity=plan.opp,
                reason=_pick(rng, LOST_REASONS),
                version=plan.opp.version,
                note="",
            )
            self.moved(plan, at, closed=True)
        elif target == Stage.WON:
            at = times.pop(0)
            self.win(plan, at)

    def moved(self, plan: _Plan, at: dt.datetime, closed: bool = False) -> None:
        plan.times.append(at)
        plan.values["stage_since"] = at
        if not plan.values.get("first_contact_at"):
            plan.values["first_contact_at"] = at
        if closed:
            plan.values["closed_at"] = at

    def win(self, plan: _Plan, at: dt.datetime) -> None:
        opp = plan.opp
        tariffs = self.tariffs.get(opp.product_id or 0) or [
            t for ts in self.tariffs.values() for t in ts
        ]
        tariff = self.rng.choice(tariffs)
        order = services.opportunity_win(
            actor=opp.assignee.user if opp.assignee else SYSTEM,
            opportunity=opp,
            plan=tariff,
            version=opp.version,
        )
        self.moved(plan, at, closed=True)
        day = clock.local_date(at)
        Order.objects.filter(pk=order.pk).update(won_on=day, created_at=at)
        Subscription.objects.filter(pk=order.subscription_id).update(started_on=day)
        if opp.customer is not None and opp.kind == Opp.Kind.NEW and opp.customer.created_at > at:
            Customer.objects.filter(pk=opp.customer.pk).update(created_at=at)

    # --- visits --------------------------------------------------------------------

    def visit(
        self,
        staff: Staff,
        target: Opportunity | Customer | Site,
        at: dt.datetime,
        opportunity: Opportunity | None = None,
        follow_up_today: bool = False,
    ) -> Visit:
        rng = self.rng
        if isinstance(target, Opportunity):
            customer, site = target.customer, target.site
        elif isinstance(target, Customer):
            customer, site = target, target.site
        else:
            customer, site = None, target
        kind = Visit.Kind.DOOR if rng.random() < 0.65 else Visit.Kind.PHONE
        position: dict[str, Any] = {}
        fix_age = dt.timedelta(seconds=rng.uniform(5, 90))
        if kind == Visit.Kind.DOOR:
            how = _pick(rng, CHECKINS)
            if how != "none":
                metres = rng.uniform(900, 3000) if how == "far" else rng.uniform(5, 180)
                lat, lon = _offset(site.lat, site.lon, metres, rng.uniform(0, 2 * math.pi))
                position = {
                    "lat": lat,
                    "lon": lon,
                    "accuracy_m": rng.uniform(300, 800) if how == "blurry" else rng.uniform(8, 60),
                    "position_at": self.now - fix_age,
                }
                if how == "stale":
                    fix_age = dt.timedelta(minutes=rng.uniform(15, 90))
        if follow_up_today:
            kind, position, outcome = Visit.Kind.PHONE, {}, Visit.Outcome.FOLLOW_UP
        elif opportunity is not None:
            outcome = Visit.Outcome.INTERESTED
        else:
            outcome = _pick(
                rng,
                (
                    (Visit.Outcome.INTERESTED, 20),
                    (Visit.Outcome.FOLLOW_UP, 25),
                    (Visit.Outcome.NOT_INTERESTED, 20),
                    (Visit.Outcome.NOT_HOME, 20),
                    (Visit.Outcome.REFUSED, 5),
                    (Visit.Outcome.SERVED, 10),
                ),
            )
        visit = services.visit_record(
            actor=staff.user,
            kind=kind,
            outcome=outcome,
            customer=customer,
            site=None if customer else site,
            note=VISIT_NOTES[outcome],
            opportunity=opportunity,
            **position,
        )
        values: dict[str, Any] = {"at": at}
        if position:
            values["position_at"] = at - fix_age
        if outcome in (Visit.Outcome.INTERESTED, Visit.Outcome.FOLLOW_UP):
            # Follow-ups fall due over the coming days; recent ones are due today.
            days_ago = (self.today - clock.local_date(at)).days
            soon = follow_up_today or (days_ago <= 3 and rng.random() < 0.6)
            due = self.today if soon else None
            due = due or clock.local_date(at) + dt.timedelta(days=rng.randint(2, 10))
            values.update(
                next_on=due, next_step="再次上门" if kind == Visit.Kind.DOOR else "电话回访"
            )
        Visit.objects.filter(pk=visit.pk).update(**values)
        self.counts["visits"] += 1
        return visit

    def cold_visits(self, t: _Team) -> None:
        """The month's cold visits without an opportunity (yet), and one flagged door
        visit yesterday or today in every grid, so managers have check-ins to review."""
        rng = self.rng
        for person in t.sellers + t.agents:
            if person.role == Role.AGENT:
                own = t.agent_customers.get(person.pk) or []
                if not own:
                    continue
                n, targets = self.sized(VISITS_PER_AGENT), own
            else:
                n = self.sized(VISITS_PER_SELLER)
                targets = t.competitors + t.existing[:50] + t.sites  # type: ignore[operator]
            for _ in range(n):
                self.visit(person, rng.choice(targets), self.ago(0.05, DAYS))
        if self.scale < EXTRAS_SCALE:
            return
        for person in t.sellers:
            # Everyone has a call to return today ("today's follow-ups" on the home page).
            target: Customer | Site = rng.choice(t.existing) if t.existing else rng.choice(t.sites)
            self.visit(person, target, self.ago(0.6, 1.5), follow_up_today=True)
        seller = t.sellers[0]
        site = rng.choice(t.sites)
        visit = services.visit_record(
            actor=seller.user,
            kind=Visit.Kind.DOOR,
            outcome=Visit.Outcome.NOT_HOME,
            site=site,
            note=VISIT_NOTES[Visit.Outcome.NOT_HOME],
            lat=site.lat + 0.02,
            lon=site.lon,
            accuracy_m=25.0,
            position_at=self.now - dt.timedelta(seconds=40),
        )
        at = self.ago(0.02, 0.5)
        Visit.objects.filter(pk=visit.pk).update(at=at, position_at=at - dt.timedelta(seconds=40))
        self.counts["visits"] += 1

    # --- team sales and material ---------------------------------------------------

    def campaign(self, t: _Team, n: int) -> None:
        rng = self.rng
        roadshow = n % 2 == 0
        site = rng.choice(t.estates)
        members = [t.manager, *t.sellers]
        campaign = services.campaign_create(
            actor=t.manager.user,
            members=members,
            name=f"{site.name}小区路演" if roadshow else f"{t.grid.name}节日促销·宽带升级特惠",
            kind=Campaign.Kind.ROADSHOW if roadshow else Campaign.Kind.HOLIDAY,
            grid=t.grid,
            site=site if roadshow else None,
            starts_on=self.today - dt.timedelta(days=rng.randint(8, 14)),
            ends_on=self.today + dt.timedelta(days=rng.randint(3, 10)),
            target_count=rng.randint(10, 30),
            note="周末在小区门口摆台，现场办理宽带升级。"
            if roadshow
            else "老用户升级 300M 送三个月高清。",
        )
        self.counts["campaigns"] += 1
        started = clock.start_of_day(campaign.starts_on) + dt.timedelta(hours=9)
        for _ in range(self.sized((4, 8))):
            seller = rng.choice(t.sellers)
            fields = self.what(t)
            if roadshow and "site" in fields:
                fields["site"] = site
            plan = self.create(
                seller.user,
                self.between(started, 1)[0],
                source=Opp.Source.CAMPAIGN,
                campaign=campaign,
                **fields,
            )
            age = (self.now - plan.times[0]).total_seconds() / 86400
            self.work(plan, seller, age, opened_by_visit=True)

    def material(self, t: _Team, qr_leads: int) -> None:
        rng = self.rng
        crew = t.sellers + t.technicians
        kinds = list(PromoPiece.Kind.values)
        pieces = []
        for i in range(max(1, self.sized((2, 4)))):
            site = rng.choice(t.estates)
            who = rng.choice(crew)
            piece = services.piece_create(
                actor=who.user,
                site=site,
                kind=kinds[i % len(kinds)] if i else PromoPiece.Kind.POSTER,
                building=f"{rng.randint(1, 12)}栋{rng.choice(('大堂', '单元门', '电梯口'))}",
                title=rng.choice(("千兆宽带 限时特惠", "高清电视 全家福", "扫码预约上门")),
            )
            put_up = self.today - dt.timedelta(days=rng.randint(12, DAYS))
            PromoPiece.objects.filter(pk=piece.pk).update(put_up_on=put_up)
            day = put_up
            for _ in range(rng.randint(1, 2)):
                day = min(day + dt.timedelta(days=rng.randint(5, 10)), self.today)
                finding = _pick(
                    rng,
                    (
                        (PromoInspection.Finding.PRESENT, 65),
                        (PromoInspection.Finding.DAMAGED, 25),
                        (PromoInspection.Finding.REPLACED, 10),
                    ),
                )
                inspection = services.piece_inspect(
                    actor=rng.choice(crew).user,
                    piece=piece,
                    finding=finding,
                    note="被雨水泡坏了一角" if finding == PromoInspection.Finding.DAMAGED else "",
                )
                PromoInspection.objects.filter(pk=inspection.pk).update(on=day)
                PromoPiece.objects.filter(pk=piece.pk).update(last_inspected_on=day)
                self.counts["promo_inspections"] += 1
            pieces.append(piece)
        self.counts["promo_pieces"] += len(pieces)
        poster = pieces[0]
        for _ in range(qr_leads):
            lead = services.lead_submit(
                piece=poster,
                name=rng.choice(_SURNAMES) + rng.choice(("先生", "女士")),
                phone=f"13{rng.randint(0, 999_999_999):09d}",
                need="扫了楼下海报，想了解千兆宽带。",
            )
            at = self.ago(0.1, 2)
            self.plans.append(_Plan(lead, [at], {"created_at": at}))

    # --- back-dating ---------------------------------------------------------------

    def backdate(self) -> None:
        """Put every opportunity's history on its scripted timeline."""
        by_opp: dict[int, list[OpportunityStep]] = {}
        ids = [p.opp.pk for p in self.plans]
        steps = OpportunityStep.objects.filter(opportunity_id__in=ids).order_by(
            "opportunity_id", "id"
        )
        for step in steps:
            by_opp.setdefault(step.opportunity_id, []).append(step)
        changed = []
        for plan in self.plans:
            mine = by_opp.get(plan.opp.pk, [])
            if len(mine) != len(plan.times):
                raise RuntimeError(
                    f"{plan.opp.code}: {len(mine)} steps written, {len(plan.times)} times scripted"
                )
            for i, (step, at) in enumerate(zip(mine, plan.times, strict=True)):
                step.at = at
                step.due = plan.dues.get(i, step.due)
                changed.append(step)
            values = dict(plan.values)
            values.setdefault("stage_since", plan.times[0])
            Opportunity.objects.filter(pk=plan.opp.pk).update(**values)
        OpportunityStep.objects.bulk_update(changed, ["at", "due"], batch_size=1000)
        # The funnel's kept figures were worked out at today's instants: again, on the
        # scripted ones.
        funnel_keep(ids)

    def escalate(self) -> int:
        """What the scheduler's escalation job would have stamped by now."""
        escalated = services.escalate_overdue()
        overdue = Opportunity.objects.filter(escalated_at__isnull=False, escalated_at__gte=self.now)
        for opp in overdue.only("pk", "contact_due"):
            at = min(opp.contact_due + dt.timedelta(hours=1), self.now)
            Opportunity.objects.filter(pk=opp.pk).update(escalated_at=at)
            OpportunityStep.objects.filter(
                opportunity_id=opp.pk, kind=OpportunityStep.Kind.ESCALATE
            ).update(at=at)
        return escalated


def _offset(lat: float, lon: float, metres: float, bearing: float) -> tuple[float, float]:
    """A point `metres` away from (lat, lon) towards `bearing` (flat earth: a few km)."""
    dlat = metres * math.cos(bearing) / 111_320
    dlon = metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def reset_sales() -> None:
    """Delete every growth record, children first (before `reset_crm`, whose customers
    and subscriptions these point at)."""
    with connection.cursor() as cursor:
        for model in (
            DayPlanStop,
            DayPlan,
            Visit,
            Order,
            OpportunityStep,
            Opportunity,
            PromoInspection,
            PromoPiece,
            Campaign.members.through,
            Campaign,
        ):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


@transaction.atomic
def load_sales(seed: int, *, scale: float = 1.0) -> dict[str, int]:
    """Write the month's growth work for every staffed grid; returns counts by kind.

    Every record goes through the services (rights, validation, audit: a few milliseconds
    each), so at scale 1 (about 750 opportunities, 850 visits) this takes tens of seconds;
    `scale` shrinks the volumes (the command's `--sales-scale`, by default its `--crm-scale`);
    below `EXTRAS_SCALE` no campaign, material or guaranteed follow-up is written.
    """
    loader = _Loader(seed, scale)
    grids = list(Grid.objects.order_by("code"))
    teams = [t for g in grids if (t := loader.team(g)) is not None]
    extras = loader.scale >= EXTRAS_SCALE
    for i, t in enumerate(teams):
        loader.opportunities(t, busy=i < BUSY_GRIDS)
        loader.cold_visits(t)
        if extras:
            loader.fresh(t)
        if extras and i % 5 == 0:
            loader.campaign(t, i // 5)
        if extras:
            loader.material(t, qr_leads=2 if i == 0 else 0)
    loader.backdate()
    escalated = loader.escalate() if teams else 0
    return {
        "opportunities": len(loader.plans),
        "escalated": escalated,
        **loader.counts,
    }
