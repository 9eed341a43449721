"""The care engine: due dates from rules and contacts, set-based, kept fresh by contacts."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Count, Q

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.crm import services as crm_services
from wangge.crm.models import Customer
from wangge.retention import engine, selectors, services
from wangge.retention.models import CareCount, CareDue, CareRule
from wangge.sales import services as sales_services
from wangge.sales.models import Visit

pytestmark = pytest.mark.django_db

GOLD = "金牌客户半月上门"
NEW_GROUP = "新集团客户首月每周联系"


def _due(customer: Customer, rule: str) -> CareDue | None:
    return CareDue.objects.filter(customer=customer, rule__name=rule).first()


def _later(days: int) -> Any:
    return time_machine.travel(clock.now() + dt.timedelta(days=days), tick=False)


def test_the_seed_rules_are_there() -> None:
    gold = CareRule.objects.get(name=GOLD)
    assert (gold.tier, gold.mode, gold.period_days, gold.contact_kinds) == (
        "gold",
        "every",
        15,
        ["door"],
    )
    group = CareRule.objects.get(name=NEW_GROUP)
    assert (group.customer_kind, group.mode, group.period_days, group.min_contacts) == (
        "group",
        "window",
        30,
        4,
    )


def test_a_gold_customer_never_visited_falls_due_fifteen_days_after_its_record(
    crm: CrmWorld,
) -> None:
    gold = crm.customers["a_org"]
    created = clock.local_date(gold.created_at)
    with _later(20):
        engine.refresh()
        item = _due(gold, GOLD)
        assert item is not None
        assert item.due_on == created + dt.timedelta(days=15)
        assert item.overdue_days == (clock.today() - item.due_on).days == 5
        assert item.owner_id == gold.owner_id
        assert item.grid_id == gold.site.grid_id
    # Only the gold customer is under the gold rule; households are under none.
    assert set(CareDue.objects.values_list("customer_id", flat=True)) == {gold.pk}


def test_calls_do_not_count_for_a_door_visit_rule(
    crm: CrmWorld, django_capture_on_commit_callbacks: Any
) -> None:
    gold = crm.customers["a_org"]
    manager = crm.world.user("manager_a")
    with _later(20):
        engine.refresh()
        assert _due(gold, GOLD).overdue_days == 5  # type: ignore[union-attr]
        services.contact_record(actor=manager, customer=gold, kind="phone")
        with django_capture_on_commit_callbacks(execute=True):
            sales_services.visit_record(
                actor=manager, kind=Visit.Kind.PHONE, outcome="served", customer=gold
            )
        assert _due(gold, GOLD).overdue_days == 5  # type: ignore[union-attr]


def test_a_recorded_door_visit_moves_the_due_date(
    crm: CrmWorld, django_capture_on_commit_callbacks: Any
) -> None:
    gold = crm.customers["a_org"]
    manager = crm.world.user("manager_a")
    with _later(20):
        engine.refresh()
        with django_capture_on_commit_callbacks(execute=True):
            sales_services.visit_record(
                actor=manager,
                kind=Visit.Kind.DOOR,
                outcome="served",
                customer=gold,
                lat=gold.site.lat,
                lon=gold.site.lon,
                accuracy_m=10,
                position_at=clock.now(),
            )
        item = _due(gold, GOLD)
        assert item is not None
        assert item.last_contact_on == clock.today()
        assert item.due_on == clock.today() + dt.timedelta(days=15)
        assert item.overdue_days == 0


def _new_group(crm: CrmWorld, started: dt.date) -> Customer:
    org = crm_services.organization_create(
        actor=SYSTEM,
        site=crm.t.sites_a[1],
        name="新开集团",
        owner=crm.world.staff["account_a"],
        relationship=Customer.Relationship.NEW,
    )
    crm_services.subscription_create(
        actor=SYSTEM, customer=org.customer, plan=crm.plan_bb, started_on=started
    )
    return org.customer


def test_a_new_group_customer_is_due_weekly_in_its_first_month(crm: CrmWorld) -> None:
    today = clock.today()
    customer = _new_group(crm, today)
    account = crm.world.user("account_a")
    engine.refresh()
    assert _due(customer, NEW_GROUP).due_on == today + dt.timedelta(days=8)  # type: ignore[union-attr]
    services.contact_record(actor=account, customer=customer, kind="message")
    assert _due(customer, NEW_GROUP).due_on == today + dt.timedelta(days=15)  # type: ignore[union-attr]
    for _n in range(3):
        services.contact_record(actor=account, customer=customer, kind="phone")
    # Four contacts in the first month: the rule is met, nothing more is due.
    assert _due(customer, NEW_GROUP) is None
    with _later(31):
        engine.refresh()
        assert _due(customer, NEW_GROUP) is None  # past its first month


def test_a_new_group_customer_left_alone_is_overdue(crm: CrmWorld) -> None:
    customer = _new_group(crm, clock.today() - dt.timedelta(days=10))
    engine.refresh()
    item = _due(customer, NEW_GROUP)
    assert item is not None
    assert item.overdue_days == 2  # due on day 8


@pytest.mark.parametrize("period", [0, -3])
def test_a_rule_with_no_period_is_refused_clearly(period: int) -> None:
    with pytest.raises(ValidationError) as exc:
        services.rule_create(
            actor=SYSTEM, name="坏规则", mode="every", period_days=period, contact_kinds=["door"]
        )
    assert "period_days" in exc.value.message_dict
    assert not CareRule.objects.filter(name="坏规则").exists()


def test_a_rule_counting_nothing_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        services.rule_create(
            actor=SYSTEM, name="空规则", mode="every", period_days=7, contact_kinds=[]
        )
    assert "contact_kinds" in exc.value.message_dict


def test_a_rule_by_grid_and_relationship(crm: CrmWorld) -> None:
    services.rule_create(
        actor=SYSTEM,
        name="A 网格存量电话",
        mode="every",
        period_days=30,
        contact_kinds=["phone"],
        relationship=Customer.Relationship.EXISTING,
        grid=crm.world.grid_a,
        starts_on=clock.today() + dt.timedelta(days=3),
    )
    engine.refresh()
    items = CareDue.objects.filter(rule__name="A 网格存量电话")
    assert {i.customer_id for i in items} == crm.ids("a_home", "a_org")
    # Never contacted: 30 days after the rule starts (later than their records).
    assert {i.due_on for i in items} == {clock.today() + dt.timedelta(days=33)}


def test_the_cli_prints_what_is_due_as_of_a_day(crm: CrmWorld) -> None:
    gold = crm.customers["a_org"]
    created = clock.local_date(gold.created_at)
    on = created + dt.timedelta(days=18)
    out = StringIO()
    call_command("care", "due", "--on", on.isoformat(), "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert rows == [
        {
            "customer": gold.code,
            "rule": GOLD,
            "due_on": (created + dt.timedelta(days=15)).isoformat(),
            "overdue_days": 3,
            "owner": crm.world.staff["manager_a"].employee_no,
        }
    ]
    # Nothing stored was touched, and before the due day nothing is due.
    assert not CareDue.objects.exists()
    out = StringIO()
    call_command("care", "due", "--on", created.isoformat(), "--json", stdout=out)
    assert json.loads(out.getvalue()) == []
    out = StringIO()
    call_command(
        "care", "due", "--on", on.isoformat(), "--grid", crm.world.grid_b.code, "--json", stdout=out
    )
    assert json.loads(out.getvalue()) == []


def test_the_cli_refuses_a_bad_date() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("care", "due", "--on", "2026-02-30")


def _from_items(user: Any, by: str, today: dt.date) -> dict[Any, tuple[int, int]]:
    """The care figure read straight from the care items (as it was before the counts)."""
    key = "grid_id" if by == "grid" else "owner_id"
    rows = (
        CareDue.objects.visible_to(user)
        .order_by()
        .values(key)
        .annotate(total=Count("id"), done=Count("id", filter=Q(due_on__gte=today)))
    )
    return {r[key]: (r["total"], r["done"]) for r in rows}


def test_the_kept_care_counts_match_the_care_items(crm: CrmWorld) -> None:
    """`care_compliance` reads `CareCount`: after the nightly refresh, after contacts (which
    move counts) and on later days without a refresh, it says what the items say."""
    CareRule.objects.create(
        name="每十天联系", mode="every", period_days=10, contact_kinds=["phone", "message"]
    )
    _new_group(crm, clock.today() - dt.timedelta(days=10))
    account = crm.world.user("account_a")
    # The market department, a grid's manager, an owner with a customer in the other grid.
    users = [crm.world.user(p) for p in ("market_admin", "manager_a", "account_a")]

    def agree() -> None:
        for user in users:
            for by in ("grid", "person"):
                kept = selectors.care_compliance(user=user, by=by)
                assert {r.key: (r.total, r.done) for r in kept} == _from_items(
                    user, by, clock.today()
                ), (user.username, by)

    with _later(12):
        engine.refresh()
        assert CareDue.objects.filter(overdue_days__gt=0).exists()
        agree()
        # Overdue items are one row per grid and owner, whatever their due dates.
        assert (
            CareCount.objects.filter(due_on=None).count()
            <= CareDue.objects.values("grid_id", "owner_id").distinct().count()
        )
        for key in ("a_home", "b_owned"):
            services.contact_record(actor=account, customer=crm.customers[key], kind="phone")
        agree()
    with _later(20):  # days later, no refresh yet: items fell due meanwhile
        services.contact_record(actor=account, customer=crm.customers["a_home"], kind="message")
        agree()
        total = CareCount.objects.values_list("n", flat=True)
        assert sum(total) == CareDue.objects.count()
