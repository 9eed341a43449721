"""Domain events: delivered once per committed write, never for one that rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.crm.world import CrmWorld
from wangge.core import events
from wangge.core.access import SYSTEM
from wangge.crm import services
from wangge.crm.events import CustomerCreated, SubscriptionCreated

heard: list[Any] = []


def remember(event: Any) -> None:
    """A module-level handler, so the task worker can import it by path."""
    heard.append(("background", event))


@pytest.fixture
def listener() -> Iterator[list[Any]]:
    got: list[Any] = []
    events.subscribe(CustomerCreated, got.append)
    heard.clear()
    yield got
    events.unsubscribe(CustomerCreated, got.append)
    events.unsubscribe(SubscriptionCreated, remember)


def _create(crm: CrmWorld, name: str) -> Any:
    return services.customer_create(
        actor=SYSTEM,
        site=crm.t.sites_a[0],
        name=name,
        owner=crm.world.staff["account_a"],
        relationship="potential",
    )


@pytest.mark.django_db(transaction=True)
def test_an_event_is_heard_once_after_its_write_commits(crm: CrmWorld, listener: list[Any]) -> None:
    with transaction.atomic():
        customer = _create(crm, "事件户")
        assert listener == []  # not before the commit
    assert listener == [
        CustomerCreated(
            customer_id=customer.pk,
            site_id=customer.site_id,
            owner_id=customer.owner_id,
            kind="household",
        )
    ]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_announces_nothing(crm: CrmWorld, listener: list[Any]) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        _create(crm, "回滚户")
        raise RuntimeError("the request failed after the write")
    assert listener == []
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            _create(crm, "保存点回滚户")
            raise RuntimeError("an inner step failed; the outer transaction goes on")
        kept = _create(crm, "保留户")
    assert len(listener) == 1 and listener[0].customer_id == kept.pk


@pytest.mark.django_db(transaction=True)
def test_background_handlers_run_in_the_task_queue_with_the_same_event(crm: CrmWorld) -> None:
    # Tests run the queue immediately (WANGGE_TASKS=immediate): the task rebuilds the event
    # from its JSON payload and calls the handler by its import path.
    events.subscribe(SubscriptionCreated, remember, background=True)
    heard.clear()
    try:
        sub = services.subscription_create(
            actor=SYSTEM,
            customer=crm.customers["b_home"],
            plan=crm.plan_bb,
            started_on=crm.subscriptions["b_home"].started_on,
        )
    finally:
        events.unsubscribe(SubscriptionCreated, remember)
    assert heard == [
        (
            "background",
            SubscriptionCreated(
                subscription_id=sub.pk, customer_id=sub.customer_id, plan_id=crm.plan_bb.pk
            ),
        )
    ]


def test_a_background_handler_must_be_importable() -> None:
    with pytest.raises(ValueError):
        events.subscribe(CustomerCreated, lambda e: None, background=True)


@pytest.mark.django_db(transaction=True)
def test_a_failing_inline_handler_does_not_undo_the_write(crm: CrmWorld) -> None:
    def broken(event: Any) -> None:
        raise RuntimeError("listener bug")

    events.subscribe(CustomerCreated, broken)
    try:
        customer = _create(crm, "照常保存")
    finally:
        events.unsubscribe(CustomerCreated, broken)
    customer.refresh_from_db()
    assert customer.name == "照常保存"
