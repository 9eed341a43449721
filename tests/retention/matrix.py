"""The retention app's rows of the permission matrix (merged by tests/test_route_matrix.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.retention.models import CareRule, CollectionTask

ALL = frozenset({"market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a"})
#: Those who keep customers: everyone but the technician (who owns none).
KEEPERS = ALL - {"tech_a"}
#: account_a's task in grid A: its owner, grid A's manager, the market department.
TASK_A = frozenset({"market_admin", "manager_a", "account_a"})
ADMIN = frozenset({"market_admin"})
MANAGERS = frozenset({"market_admin", "manager_a"})


def ok(who: frozenset[str], status: int = 200) -> dict[str, int]:
    return {p: status if p in who else 404 for p in ALL}


def every(status: int) -> dict[str, int]:
    return dict.fromkeys(ALL, status)


PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "retention:care_list": (None, ok(KEEPERS)),
    "retention:contact_create": ("customer", every(405)),  # POST only
    "retention:rule_list": (None, ok(ADMIN)),
    "retention:rule_create": (None, ok(ADMIN)),
    "retention:rule_edit": ("care_rule", ok(ADMIN)),
    "retention:collection_list": (None, ok(KEEPERS)),
    "retention:collection_detail": ("collection_task", ok(TASK_A)),
    "retention:rates": (None, ok(MANAGERS)),
}

API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/retention/care-due": (None, ok(KEEPERS)),
    "/api/retention/care-compliance": (None, ok(MANAGERS)),
    "/api/retention/collections": (None, ok(KEEPERS)),
    "/api/retention/collections/{task_id}": ("collection_task", ok(TASK_A)),
}

_WRITES = "tests/retention/test_api.py::test_who_may_write_what"
WRITES: dict[str, str] = {
    "POST /api/retention/contacts": _WRITES,
    "PATCH /api/retention/collections/{task_id}": _WRITES,
}


def collection_task(crm: CrmWorld) -> CollectionTask:
    """An open renewal task of account_a's household in grid A."""
    sub = crm.subscriptions["a_home"]
    customer = crm.customers["a_home"]
    today = clock.today()
    return CollectionTask.objects.create(
        kind=CollectionTask.Kind.RENEWAL,
        subscription=sub,
        customer=customer,
        owner_id=customer.owner_id,
        grid_id=customer.site.grid_id,
        cycle=sub.expires_on or today,
        due_on=today + dt.timedelta(days=3),
        amount=sub.monthly_fee,
    )


def objects(crm: CrmWorld) -> dict[str, Any]:
    rule = CareRule.objects.order_by("pk").first()
    assert rule is not None  # the seed's rules
    return {"care_rule": rule.pk, "collection_task": collection_task(crm).pk}
