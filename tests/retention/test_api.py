"""The retention API: who may write what, outcomes with versions (409), care due lists."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from tests.crm.world import CrmWorld
from tests.personas import PERSONAS
from tests.retention.matrix import collection_task
from wangge.core import clock
from wangge.core.models import AuditEntry
from wangge.retention import engine
from wangge.retention.models import CollectionTask, Contact

pytestmark = pytest.mark.django_db


def _send(client: Client, method: str, url: str, body: Any) -> Any:
    return getattr(client, method.lower())(
        url, data=json.dumps(body), content_type="application/json"
    )


def _contact(crm: CrmWorld) -> tuple[str, dict[str, Any]]:
    return "/api/retention/contacts", {"customer": crm.customers["a_home"].pk, "kind": "phone"}


def _outcome(crm: CrmWorld) -> tuple[str, dict[str, Any]]:
    task = collection_task(crm)
    return f"/api/retention/collections/{task.pk}", {
        "version": task.version,
        "outcome": "refused",
        "reason": "嫌贵",
    }


OWNER_A = {"market_admin": 201, "manager_a": 201, "account_a": 201}
CASES: dict[str, tuple[str, Callable[[CrmWorld], Any], dict[str, int]]] = {
    # a_home is account_a's, in grid A: its owner, A's manager, the market department.
    "contact": ("POST", _contact, {p: OWNER_A.get(p, 400 if p in {"sales_b", "agent_a"}
                                                   else 404) for p in PERSONAS}),
    "outcome": ("PATCH", _outcome, {p: 200 if p in OWNER_A else 404 for p in PERSONAS}),
}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_who_may_write_what(crm: CrmWorld, name: str) -> None:
    method, make, expected = CASES[name]
    seen = {}
    clients = {p: crm.world.api(p) for p in PERSONAS}
    for persona in PERSONAS:
        sid = transaction.savepoint()
        try:
            url, body = make(crm)
            before = AuditEntry.objects.count()
            response = _send(clients[persona], method, url, body)
            seen[persona] = response.status_code
            if response.status_code >= 400:
                assert response.json()["code"], response.content
                assert AuditEntry.objects.count() == before, f"{persona} wrote on refusal"
        finally:
            transaction.savepoint_rollback(sid)
    assert seen == expected


def test_a_stale_outcome_answers_409_and_changes_nothing(crm: CrmWorld) -> None:
    task = collection_task(crm)
    url = f"/api/retention/collections/{task.pk}"
    api = crm.world.api("account_a")
    first = _send(api, "PATCH", url, {"version": task.version, "outcome": "unreachable"})
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "unreachable"
    again = _send(
        crm.world.api("manager_a"), "PATCH", url, {"version": task.version, "outcome": "paid"}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "stale_version"
    task.refresh_from_db()
    assert task.status == "unreachable"


def test_a_promise_makes_a_follow_up_on_that_day(crm: CrmWorld) -> None:
    task = collection_task(crm)
    on = clock.today() + dt.timedelta(days=5)
    response = _send(
        crm.world.api("account_a"),
        "PATCH",
        f"/api/retention/collections/{task.pk}",
        {"version": task.version, "outcome": "promised", "promised_on": on.isoformat()},
    )
    assert response.status_code == 200, response.content
    follow = CollectionTask.objects.get(parent=task)
    assert (follow.status, follow.due_on, follow.owner_id) == ("open", on, task.owner_id)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "promised"}, "promised_on"),
        ({"outcome": "promised", "promised_on": "2020-01-01"}, "promised_on"),
        ({"outcome": "refused"}, "reason"),
        ({"outcome": "paid", "promised_on": "2099-01-01"}, "promised_on"),
    ],
)
def test_bad_outcomes_are_refused_naming_the_field(
    crm: CrmWorld, body: dict[str, Any], field: str
) -> None:
    task = collection_task(crm)
    response = _send(
        crm.world.api("account_a"),
        "PATCH",
        f"/api/retention/collections/{task.pk}",
        {"version": task.version, **body},
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["loc"] == ["body", field]
    task.refresh_from_db()
    assert task.status == "open"


def test_care_due_lists_the_owners_items_with_codes(crm: CrmWorld) -> None:
    gold = crm.customers["a_org"]  # manager_a's gold customer
    with time_machine.travel(clock.now() + dt.timedelta(days=20), tick=False):
        engine.refresh()
        mine = crm.world.api("manager_a").get("/api/retention/care-due?state=overdue&mine=1")
    assert mine.status_code == 200
    (item,) = mine.json()["items"]
    assert item["overdue_days"] == 5
    assert item["customer"] == gold.code
    assert item["owner"] == crm.world.staff["manager_a"].employee_no
    assert crm.world.api("account_a").get("/api/retention/care-due").json()["items"] == []


def test_a_contact_through_the_api_is_recorded(crm: CrmWorld) -> None:
    url, body = _contact(crm)
    response = _send(crm.world.api("account_a"), "POST", url, {**body, "note": "问了网速"})
    assert response.status_code == 201, response.content
    assert Contact.objects.get(pk=response.json()["id"]).note == "问了网速"


def test_care_compliance_over_a_period(crm: CrmWorld) -> None:
    """The gold customer, never visited, was due 15 days after its record and missed it."""
    created = clock.local_date(crm.customers["a_org"].created_at)
    end = created + dt.timedelta(days=20)
    with time_machine.travel(clock.now() + dt.timedelta(days=20), tick=False):
        client = crm.world.api("manager_a")
        url = f"/api/retention/care-compliance?by=grid&start={created}&end={end}"
        body = client.get(url).json()
        assert body["start"] == created.isoformat()
        assert body["items"] == [
            {"id": crm.world.grid_a.pk, "name": crm.world.grid_a.name, "due": 1, "on_time": 0,
             "rate": 0.0}
        ]  # fmt: skip
        # The default period is the last 30 days, ending today.
        assert client.get("/api/retention/care-compliance").json()["end"] == (
            clock.today().isoformat()
        )
        bad = client.get(f"/api/retention/care-compliance?start={end}&end={created}")
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["loc"][-1] == "end"
        too_long = client.get(
            f"/api/retention/care-compliance?start={created - dt.timedelta(days=400)}&end={end}"
        )
        assert too_long.status_code == 400
        for query in ("start=2026-02-30", "by=team", "end=yesterday"):
            assert client.get(f"/api/retention/care-compliance?{query}").status_code == 422
