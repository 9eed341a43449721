"""Bulk imports announce the records they create, as the one-at-a-time services do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import DatabaseError

from tests.crm.test_import_customers import HH, hh
from tests.crm.test_import_subscriptions import HEADER, numbered, row
from tests.crm.world import CrmWorld
from tests.imports.sheets import xlsx
from wangge.core import events
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.crm import services
from wangge.crm.events import CustomerCreated, SubscriptionCreated
from wangge.crm.models import Customer, Subscription

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


@pytest.fixture
def heard() -> Iterator[list[Any]]:
    got: list[Any] = []
    events.subscribe(CustomerCreated, got.append)
    events.subscribe(SubscriptionCreated, got.append)
    yield got
    events.unsubscribe(CustomerCreated, got.append)
    events.unsubscribe(SubscriptionCreated, got.append)


def _households(crm: CrmWorld) -> bytes:
    """Two new households and one update of an existing one."""
    existing = crm.customers["a_home"].code
    return xlsx([HH, hh(1), hh(2), hh(3, 客户编号=existing, 客户名称="改名户")])


def test_a_committed_customer_import_announces_each_created_customer_once(
    crm: CrmWorld, heard: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    admin = crm.world.user("market_admin")
    with django_capture_on_commit_callbacks(execute=True):
        report = run_import(get_spec("households"), admin, _households(crm), commit=True)
        assert heard == []  # on commit, not before
    assert (report.created, report.updated, report.committed) == (2, 1, True)
    new = Customer.objects.filter(name__in=["住户1", "住户2"]).order_by("pk")
    assert heard == [
        CustomerCreated(customer_id=c.pk, site_id=c.site_id, owner_id=c.owner_id, kind="household")
        for c in new
    ]


def test_a_new_group_customer_from_the_survey_sheet_is_announced(
    crm: CrmWorld, heard: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    sheet = xlsx([["集团单位名称", "所属单元", "客户分类", "负责人"],
                  ["事件测试中学", "A000", "潜在客户", "ACCOUNT_A"]])  # fmt: skip
    admin = crm.world.user("market_admin")
    with django_capture_on_commit_callbacks(execute=True):
        report = run_import(get_spec("organizations"), admin, sheet, commit=True)
    assert report.created == 1
    school = Customer.objects.get(name="事件测试中学")
    assert [(e.customer_id, e.kind) for e in heard] == [(school.pk, "group")]


def test_a_dry_run_announces_nothing(
    crm: CrmWorld, heard: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    admin = crm.world.user("market_admin")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = run_import(get_spec("households"), admin, _households(crm))
    assert report.created == 2 and not report.committed
    assert heard == [] and callbacks == []


def test_a_committed_subscription_import_announces_each_created_subscription_once(
    crm: CrmWorld, heard: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    numbered(crm)
    home = crm.customers["a_home"].code
    sheet = xlsx([HEADER, row("SD-NEW-1", home), row("SD-NEW-2", home),
                  row("SD-a_home", home, **{"欠费金额（元）": 12})])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        dry = run_import(get_spec("subscriptions"), crm.world.user("market_admin"), sheet)
    assert dry.created == 2 and heard == []
    with django_capture_on_commit_callbacks(execute=True):
        report = run_import(
            get_spec("subscriptions"), crm.world.user("market_admin"), sheet, commit=True
        )
    assert (report.created, report.updated, report.committed) == (2, 1, True)
    new = Subscription.objects.filter(account_no__startswith="SD-NEW-").order_by("account_no")
    assert heard == [
        SubscriptionCreated(subscription_id=s.pk, customer_id=s.customer_id, plan_id=s.plan_id)
        for s in new
    ]


def test_an_import_refused_after_the_customers_were_written_announces_nothing(
    crm: CrmWorld,
    heard: list[Any],
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The last step of the write fails: everything rolls back, the announcements too."""

    def refused(**kwargs: Any) -> int:
        raise DatabaseError("disk full")

    monkeypatch.setattr(services, "site_counts_refresh", refused)
    admin = crm.world.user("market_admin")
    with django_capture_on_commit_callbacks(execute=True):
        report = run_import(get_spec("households"), admin, _households(crm), commit=True)
    assert not report.committed and report.failed
    assert heard == [] and not Customer.objects.filter(name="住户1").exists()
