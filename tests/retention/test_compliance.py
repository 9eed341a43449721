"""Care compliance over a period: the contacts that fell due in it, kept by their due date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.crm import services as crm_services
from wangge.crm.models import Customer
from wangge.retention import selectors, services
from wangge.retention.models import CareRule

pytestmark = pytest.mark.django_db

NEW_GROUP = "新集团客户首月每周联系"


def _at(start: dt.datetime, days: int) -> Any:
    return time_machine.travel(start + dt.timedelta(days=days), tick=False)


def _call(crm: CrmWorld, key: str, staff: str) -> None:
    services.contact_record(
        actor=SYSTEM, customer=crm.customers[key], kind="phone", staff=crm.world.staff[staff]
    )


def _rates(user: Any, start: dt.date, end: dt.date, by: str) -> dict[str, tuple[int, int]]:
    rows = selectors.care_compliance_period(user=user, start=start, end=end, by=by)
    return {r.name: (r.total, r.done) for r in rows}


@pytest.fixture
def every_ten_days(crm: CrmWorld) -> dt.datetime:
    """Only one rule: a call to every existing customer every 10 days. Returns the moment
    the customers came under care (their records)."""
    CareRule.objects.update(is_active=False)
    services.rule_create(
        actor=SYSTEM,
        name="存量每旬电话",
        mode="every",
        period_days=10,
        contact_kinds=["phone"],
        relationship=Customer.Relationship.EXISTING,
    )
    return crm.customers["a_home"].created_at


def test_compliance_counts_each_due_date_and_whether_it_was_kept(
    crm: CrmWorld, every_ten_days: dt.datetime
) -> None:
    start = every_ten_days
    day0 = clock.local_date(start)
    # a_home (account_a, grid A): on time for day 10, late for day 15 (called on day 20).
    # b_owned (account_a, grid B): called on day 10 (the due day itself) and day 18.
    # a_org (manager_a, grid A): never called, due on day 10.
    with _at(start, 5):
        _call(crm, "a_home", "account_a")
    with _at(start, 10):
        _call(crm, "b_owned", "account_a")
    with _at(start, 18):
        _call(crm, "b_owned", "account_a")
    with _at(start, 20):
        _call(crm, "a_home", "account_a")
    admin = crm.world.user("market_admin")
    grid_a, grid_b = crm.world.grid_a.name, crm.world.grid_b.name
    account, manager = crm.world.staff["account_a"].name, crm.world.staff["manager_a"].name
    with _at(start, 25):
        end = clock.today()
        assert _rates(admin, day0, end, "grid") == {grid_a: (3, 1), grid_b: (2, 2)}
        assert _rates(admin, day0, end, "owner") == {account: (4, 3), manager: (1, 0)}
        # The period bounds the due dates: days 11–25 hold a_home's day 15 and b_owned's 20.
        assert _rates(admin, day0 + dt.timedelta(days=11), end, "grid") == {
            grid_a: (1, 0),
            grid_b: (1, 1),
        }
        # Scoped like the care items: a marketer their customers, a manager their grid's.
        assert _rates(crm.world.user("account_a"), day0, end, "owner") == {account: (4, 3)}
        assert _rates(crm.world.user("manager_a"), day0, end, "grid") == {grid_a: (3, 1)}
        assert _rates(crm.world.user("agent_a"), day0, end, "grid") == {}
    # A due date that is today and still open is not judged yet; once past, it is missed.
    with _at(start, 15):
        today = clock.today()
        assert _rates(admin, today, today, "grid") == {}
    with _at(start, 16):
        assert _rates(admin, day0 + dt.timedelta(days=15), clock.today(), "grid") == {
            grid_a: (1, 0)
        }


def test_window_rule_judges_the_kth_contact_by_its_day(crm: CrmWorld) -> None:
    """New group customer, 4 contacts in 30 days: the k-th is due on day ceil(30k/4)."""
    CareRule.objects.exclude(name=NEW_GROUP).update(is_active=False)
    start = clock.now()
    org = crm_services.organization_create(
        actor=SYSTEM,
        site=crm.t.sites_a[1],
        name="新开集团",
        owner=crm.world.staff["account_a"],
        relationship=Customer.Relationship.NEW,
    )
    crm_services.subscription_create(
        actor=SYSTEM, customer=org.customer, plan=crm.plan_bb, started_on=clock.today()
    )
    crm.customers["new_group"] = org.customer
    day0 = clock.today()
    with _at(start, 3):
        _call(crm, "new_group", "account_a")
    with _at(start, 12):
        _call(crm, "new_group", "account_a")
    account = crm.world.staff["account_a"].name
    with _at(start, 25):
        # Days 8 and 15 kept (1 and 2 contacts by then), day 23 missed, day 30 still ahead.
        rows = _rates(crm.world.user("account_a"), day0, day0 + dt.timedelta(days=30), "owner")
        assert rows[account] == (3, 2)


def test_a_period_ending_before_it_starts_is_refused(crm: CrmWorld) -> None:
    today = clock.today()
    with pytest.raises(ValueError):
        selectors.care_compliance_period(
            user=crm.world.user("market_admin"), start=today, end=today - dt.timedelta(days=1)
        )
