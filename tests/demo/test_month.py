"""The demo county's living month, every app's share of it, from ONE load of the county.

A load of the whole county is the slowest thing in the suite (every app's loader runs), so
the read-only checks share a module-scoped load inside a transaction that is rolled back at
the end; each test runs in its own savepoint on top of it. The module is one xdist group
(`--dist loadgroup`), so one worker pays for the load. Events delivered on commit (a defect
found opens its repair) are run as the load ends, as they would be after `make demo`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, TestCase

from wangge.core import clock, extensions
from wangge.crm.models import Subscription
from wangge.org.models import User
from wangge.sales import selectors
from wangge.sales.models import (
    Campaign,
    Opportunity,
    OpportunityStep,
    Order,
    PromoInspection,
    PromoPiece,
    Stage,
    Visit,
)
from wangge.service.models import (
    Asset,
    Inspection,
    InspectionSchedule,
    OrderState,
    SlaDay,
    WorkOrder,
    WorkOrderStep,
)
from wangge.service.services.inspections import inspections_generate
from wangge.service.services.sla_days import sla_days_rebuild
from wangge.territory.models import Site
from wangge.worklog.models import (
    ActionItem,
    Leave,
    LogReview,
    Meeting,
    Problem,
    RotationPlan,
    TrainingAttendance,
    WorkLog,
)

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-month")]

ARGS = ("--grids", "3", "--crm-scale", "0.02", "--sales-scale", "0.5")


def _load(*extra: str) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("demo", *ARGS, *extra, stdout=StringIO())


@pytest.fixture(scope="module")
def month(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        _load()
        yield
        transaction.set_rollback(True)


def test_a_living_month_of_growth_work(month: None) -> None:
    now = clock.now()
    opps = Opportunity.objects.all()
    assert set(opps.values_list("stage", flat=True)) == set(Stage.values)
    assert set(opps.values_list("kind", flat=True)) == set(Opportunity.Kind.values)
    assert len(set(opps.values_list("source", flat=True))) >= 5
    assert not opps.filter(stage=Stage.LOST, lost_reason="").exists()
    winbacks = opps.filter(kind=Opportunity.Kind.WINBACK)
    assert not winbacks.filter(competitor__isnull=True).exists()
    # Won ones are orders with their subscription in crm.
    assert Order.objects.count() == opps.filter(stage=Stage.WON).count() > 0
    # The history is on the month's timeline, in order, and none of it in the future.
    steps = OpportunityStep.objects.all()
    assert not steps.filter(at__gt=now).exists()
    assert steps.filter(at__lt=now - dt.timedelta(days=14)).exists()
    for opp in opps.filter(stage=Stage.WON)[:20]:
        times = list(opp.steps.order_by("id").values_list("at", flat=True))
        assert times == sorted(times), opp.code
        assert times[0] == opp.created_at
    dispatch = Counter(opps.values_list("dispatch", flat=True))
    for state in ("pending", "accepted", "returned"):
        assert dispatch[state] > 0, state
    assert opps.filter(selectors.overdue_q(now)).exists()
    assert steps.filter(kind="return").exclude(note="").exists()
    assert steps.filter(kind="dispatch_grid").exists()
    # A hand-over's due time is the one given then: hours to two days after it, as the
    # record's own contact_due says (not a month later, from when the demo was loaded).
    for step in steps.filter(kind__in=("dispatch", "dispatch_grid"))[:50]:
        assert step.due is not None and step.at < step.due <= step.at + dt.timedelta(days=2)

    doors = Visit.objects.filter(kind=Visit.Kind.DOOR)
    assert doors.filter(verified=True).exists()
    flags = Counter(f for fs in doors.values_list("flags", flat=True) for f in fs)
    assert flags[Visit.Flag.TOO_FAR] and flags[Visit.Flag.NO_POSITION], flags
    assert Visit.objects.filter(kind=Visit.Kind.PHONE).exists()
    assert Visit.objects.filter(opportunity__isnull=False).exists()
    assert Visit.objects.filter(next_on=clock.today()).exists()
    assert not Visit.objects.filter(at__gt=now).exists()

    campaign = Campaign.objects.first()
    assert campaign is not None and campaign.members.count() >= 2
    assert campaign.opportunities.exists()
    assert PromoPiece.objects.count() >= 3
    assert PromoInspection.objects.filter(finding="damaged").exists()
    leads = opps.filter(source=Opportunity.Source.PROMOTION_QR)
    assert leads.count() >= 2 and not leads.filter(assignee__isnull=False).exists()
    assert leads.values("piece").distinct().count() == 1
    # The month shows where the demo logins land: their today view.
    _assert_logins_have_growth_work_today()


def _assert_logins_have_growth_work_today() -> None:
    for username, wanted in (("manager", "待派单的商机"), ("account", "今天要跟进的拜访")):
        client = Client()
        client.force_login(User.objects.get(username=username))
        page = client.get("/").content.decode()
        assert "增量营销" in page, username
        assert wanted in page, username


def _shape() -> dict[str, Any]:
    opps = Opportunity.objects.all()
    return {
        "stages": Counter(opps.values_list("stage", flat=True)),
        "kinds": Counter(opps.values_list("kind", flat=True)),
        "dispatch": Counter(opps.values_list("dispatch", flat=True)),
        "steps": Counter(OpportunityStep.objects.values_list("kind", flat=True)),
        "verified": Counter(Visit.objects.values_list("verified", flat=True)),
        "orders": Order.objects.count(),
        "pieces": PromoPiece.objects.count(),
        "inspections": Counter(PromoInspection.objects.values_list("finding", flat=True)),
        "campaigns": Campaign.objects.count(),
    }


def test_a_month_of_work_orders(month: None) -> None:
    now = clock.now()
    orders = WorkOrder.objects.all()
    assert set(orders.values_list("state", flat=True)) == set(OrderState.values)
    # The dispatch queue: calls of the last hours nobody holds yet.
    queued = orders.filter(state="new")
    assert not queued.filter(assignee__isnull=False).exists()
    assert not queued.filter(created_at__lt=now - dt.timedelta(hours=4)).exists()
    # The SLA summary the dashboard reads equals a recount from the orders.
    kept = set(SlaDay.objects.values_list("day", "grid_id", "kind", "met", "on_time"))
    assert kept and sla_days_rebuild() == len(kept)
    assert set(SlaDay.objects.values_list("day", "grid_id", "kind", "met", "on_time")) == kept
    assert orders.overdue(now).exists()
    assert orders.filter(on_time=False).exists() and orders.filter(on_time=True).exists()
    # Every won sale has its install; the finished ones made the subscription live.
    sales = Order.objects.count()
    installs = orders.filter(kind="install", source="sale")
    assert installs.count() == sales > 0
    done = installs.filter(state__in=("done", "closed"))
    assert done.exists()
    for o in done:
        sub = Subscription.objects.get(pk=o.subscription_id)
        assert sub.status == "active" and sub.started_on == clock.local_date(o.done_at)
    assert installs.filter(state__in=WorkOrder.OPEN_STATES).exists()
    # Nothing in the future; each order's history in order.
    assert not WorkOrderStep.objects.filter(at__gt=now).exists()
    assert not orders.filter(created_at__gt=now).exists()
    for o in orders[:40]:
        times = list(o.steps.order_by("id").values_list("at", flat=True))
        assert times == sorted(times), o.code


def test_the_demo_county_has_a_maintained_network(month: None) -> None:
    estates = Site.objects.filter(kind="estate", grid__isnull=False)
    assert estates.exists()
    assert not estates.exclude(pk__in=Asset.objects.values("site_id")).exists()
    assert set(Asset.objects.values_list("kind", flat=True)) >= {
        "duct", "optical_receiver", "building_switch", "splitter",
    }  # fmt: skip
    assert InspectionSchedule.objects.count() == len(Asset.Kind.values)
    today = clock.today()
    done = Inspection.objects.filter(done_on__isnull=False)
    assert done.exists() and not done.filter(done_on__gt=today).exists()
    assert Inspection.objects.filter(done_on__isnull=True, due_on__lt=today).exists()
    defects = done.filter(finding="defect")
    assert defects.exists()
    # Each defect was announced and heard (on commit): the service app opened its repair.
    repairs = WorkOrder.objects.filter(source_ref__startswith="inspection:")
    assert set(repairs.values_list("source_ref", flat=True)) == {
        f"inspection:{pk}" for pk in defects.values_list("pk", flat=True)
    }
    assert Asset.objects.filter(state="faulty").exists()
    # Every site with a working subscriber port shows its free ports.
    with_ports = Site.objects.filter(free_ports__gt=0)
    assert with_ports.exists()
    # The day's job has already run: running it again makes nothing new.
    assert inspections_generate() == 0


def test_a_month_of_logs_reviews_meetings_and_training(month: None) -> None:
    logs = WorkLog.objects.all()
    assert logs.count() > 100
    assert logs.filter(late=True).exists()
    assert logs.filter(status=WorkLog.Status.RETURNED).exists()
    assert logs.filter(status=WorkLog.Status.SUBMITTED).exists()  # waiting for review
    assert logs.filter(status=WorkLog.Status.APPROVED, score__isnull=False).exists()
    assert not logs.filter(day__gte=clock.today()).exists()
    assert logs.exclude(activity=[]).exists()  # the loaded visits pre-filled some logs
    revised = LogReview.objects.filter(decision="return").values("log_id")
    assert logs.filter(pk__in=revised, status=WorkLog.Status.APPROVED).exists()
    assert Leave.objects.exists()
    assert Meeting.objects.filter(kind=Meeting.Kind.WEEKLY).count() == 3
    assert ActionItem.objects.count() >= 3
    assert Problem.objects.filter(meeting__isnull=False).exists()
    assert TrainingAttendance.objects.filter(score__isnull=False).exists()
    assert RotationPlan.objects.filter(status="planned").count() == 1

    manager = User.objects.get(username="manager")
    sections = {s.key: items for s, items in extensions.today_for(manager, clock.today())}
    assert any(str(i.label) == "待审阅的日志" for i in sections["worklog"])
    c = Client()
    c.force_login(manager)
    assert c.get("/worklog/review/").status_code == 200
    assert c.get("/worklog/kpi/").status_code == 200


def _month_shape() -> dict[str, Any]:
    return {
        **_shape(),
        "logs": sorted(WorkLog.objects.values_list("author__employee_no", "day", "status", "late")),
        "work_orders": Counter(WorkOrder.objects.values_list("kind", "state")),
        "inspections_done": Inspection.objects.filter(done_on__isnull=False).count(),
    }


def test_a_month_of_figure_snapshots(month: None) -> None:
    from wangge.insights import figures
    from wangge.insights.models import Snapshot

    county = Snapshot.objects.filter(level="county")
    days = set(county.values_list("day", flat=True))
    assert len(days) == 30 and max(days) == clock.today()
    reach = county.filter(measure=figures.REACHED.key, day=clock.today()).get()
    assert 0 < reach.numerator < reach.denominator  # the month's contacts reach some, not all
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    page = admin.get("/insights/")
    assert page.status_code == 200 and "客户全触及" in page.content.decode()


def test_the_information_base_has_surveys_assignments_and_potential(month: None) -> None:
    from wangge.demo.load_infobase import OVERDUE_DAYS
    from wangge.territory.freshness import resurvey_cutoff
    from wangge.territory.models import SurveyAssignment

    now = clock.now()
    surveyed = Site.objects.filter(kind=Site.Kind.ESTATE).exclude(pc_owners=None)
    assert surveyed.exists() and not surveyed.filter(verified_at=None).exists()
    assert not surveyed.filter(verified_at__gt=now).exists()
    cutoff = resurvey_cutoff()
    assert surveyed.filter(verified_at__gte=cutoff).exists()  # fresh
    assert surveyed.filter(verified_at__lt=cutoff).exists()  # 待复核
    open_ = SurveyAssignment.objects.filter(site__verified_at=None)
    overdue = open_.filter(assigned_at__lt=now - dt.timedelta(days=OVERDUE_DAYS))
    assert open_.count() > overdue.count() > 0
    assert not SurveyAssignment.objects.filter(assigned_at__gt=now).exists()
    # The market potential model learns from the survey (computers go with broadband in the
    # demo, as the seed's teams say): the demo stores one run of the nightly job, the
    # manager's page ranks their grid's sites from it, and their people hold shares.
    from wangge.insights import selectors_potential
    from wangge.insights.models import PersonPotential

    run = selectors_potential.latest_run()
    assert run is not None and run.model["pc_share"]["coefficient"] > 0
    assert PersonPotential.objects.filter(run=run, basis="survey").exists()
    manager = Client()
    manager.force_login(User.objects.get(username="manager"))
    page = manager.get("/insights/potential/").content.decode()
    assert 'data-testid="site-row"' in page and 'data-testid="potential-computed"' in page


def test_pay_and_awards_have_months_to_show(month: None) -> None:
    from wangge.performance import selectors_sales
    from wangge.performance.models import Award, SalesRecord, Settlement, Target
    from wangge.performance.periods import previous_month

    last = previous_month(clock.today())
    before_last = previous_month(last.start)
    # Sales in each of the last months (so last month can always be settled), with a
    # claw-back in last month; won sales are recorded too.
    for period in (last, before_last):
        assert SalesRecord.objects.filter(sold_on__range=(period.start, period.end)).exists()
    assert selectors_sales.clawbacks(last.code).exists()
    assert SalesRecord.objects.filter(source="opportunity").exists()
    settled = Settlement.objects.get(period=before_last.code)
    assert settled.status in ("approved", "locked") and settled.statements.exists()
    assert Target.objects.filter(year=clock.today().year).exists()
    assert Award.objects.exists()


def test_the_same_seed_gives_the_same_month(month: None) -> None:
    # The reset deletes every app's records before what they point at (work orders and
    # logs before the organisation), then the same seed loads the same month.
    first = _month_shape()
    assert first["orders"] > 0 and first["logs"]
    _load("--reset")
    assert _month_shape() == first


def test_the_demo_has_a_plan_frontier_to_choose_from(month: None) -> None:
    from wangge.demo.load_frontier import NAME
    from wangge.territory import frontier
    from wangge.territory.models import GridPlan

    plan = GridPlan.objects.get(name=NAME)
    assert plan.status == "draft" and not plan.running and not plan.failed
    points = frontier.frontier_points(plan)
    assert 1 <= len(points) <= 3
    assert all(p["disconnected"] == [] and not p["dominated"] for p in points)
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    page = admin.get(f"/territory/plans/{plan.pk}/").content.decode()
    assert 'data-testid="frontier"' in page and page.count('name="point"') == len(points)


def test_newly_activated_group_customers_show_the_first_month_rule(month: None) -> None:
    """The retention loader's new group customers: the first-month rule has care due and
    overdue now, and kept and missed contacts over the month."""
    from wangge.core.access import SYSTEM_SCOPE
    from wangge.retention import compliance
    from wangge.retention.models import CareDue, CareRule

    rule = CareRule.objects.get(mode=CareRule.Mode.WINDOW, customer_kind="group")
    items = CareDue.objects.filter(rule=rule)
    assert items.filter(overdue_days__gt=0).exists()
    assert items.filter(overdue_days=0).exists()
    others = CareRule.objects.exclude(pk=rule.pk).filter(is_active=True)
    others.update(is_active=False)
    today = clock.today()
    rates = compliance.compliance(
        scope=SYSTEM_SCOPE, start=today - dt.timedelta(days=29), end=today, by="grid"
    )
    due = sum(d for d, _k in rates.values())
    kept = sum(k for _d, k in rates.values())
    assert 0 < kept < due
