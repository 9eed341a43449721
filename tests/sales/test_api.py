"""The sales API's contract: who may write what, version checks, check-in verdicts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from tests.crm.world import CrmWorld
from tests.personas import PERSONAS
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.core.models import AuditEntry
from wangge.sales import services
from wangge.sales.models import Opportunity, Stage

SITE_MOVE = 0.0005  # about 55 m of latitude


def _send(client: Client, method: str, url: str, body: Any) -> Any:
    return getattr(client, method.lower())(
        url, data=json.dumps(body), content_type="application/json"
    )


def _opp(crm: CrmWorld, *, stage: str = Stage.NEED, pending: bool = False) -> Opportunity:
    opp = services.opportunity_create(
        actor=crm.world.user("account_a"),
        source=Opportunity.Source.VISIT,
        customer=crm.customers["a_home"],
        kind=Opportunity.Kind.UPLIFT,
        need="千兆升级",
    )
    if pending:
        opp = services.opportunity_dispatch(
            actor=SYSTEM,
            opportunity=opp,
            version=opp.version,
            assignee=crm.world.staff["account_a"],
            due=clock.now() + dt.timedelta(hours=4),
        )
    ladder = [Stage.NEED, Stage.PROPOSAL, Stage.CONFIRMED]
    for step in ladder[1 : ladder.index(Stage(stage)) + 1]:
        opp = services.opportunity_move(
            actor=SYSTEM, opportunity=opp, stage=step, version=opp.version
        )
    return opp


def _due() -> str:
    return (clock.now() + dt.timedelta(hours=6)).isoformat()


Case = tuple[str, Callable[[CrmWorld], tuple[str, dict[str, Any]]], dict[str, int]]

ALL_404 = dict.fromkeys(PERSONAS, 404)
CASES: dict[str, Case] = {
    "create": (
        "POST",
        lambda c: (
            "/api/sales/opportunities",
            {"customer_id": c.customers["a_home"].pk, "source": "phone", "need": "HD"},
        ),
        # The agent and grid B's marketer cannot name a customer they do not see (400).
        {**dict.fromkeys(PERSONAS, 201), "agent_a": 400, "sales_b": 400},
    ),
    "edit": (
        "PATCH",
        lambda c: (
            f"/api/sales/opportunities/{(o := _opp(c)).pk}",
            {"version": o.version, "need": "x"},
        ),
        {**ALL_404, "market_admin": 200, "manager_a": 200, "account_a": 200},
    ),
    "dispatch": (
        "POST",
        lambda c: (
            f"/api/sales/opportunities/{(o := _opp(c)).pk}/dispatch",
            {"assignee": c.world.staff["account_a"].pk, "due": _due(), "version": o.version},
        ),
        {**ALL_404, "market_admin": 200, "manager_a": 200},
    ),
    "accept": (
        "POST",
        lambda c: (
            f"/api/sales/opportunities/{(o := _opp(c, pending=True)).pk}/accept",
            {"version": o.version},
        ),
        {**ALL_404, "market_admin": 200, "account_a": 200},
    ),
    "return": (
        "POST",
        lambda c: (
            f"/api/sales/opportunities/{(o := _opp(c, pending=True)).pk}/return",
            {"version": o.version, "reason": "不在我的片区"},
        ),
        {**ALL_404, "market_admin": 200, "account_a": 200},
    ),
    "win": (
        "POST",
        lambda c: (
            f"/api/sales/opportunities/{(o := _opp(c, stage=Stage.CONFIRMED)).pk}/win",
            {"version": o.version, "plan_id": c.plan_hd.pk},
        ),
        {**ALL_404, "market_admin": 200, "manager_a": 200, "account_a": 200},
    ),
    "visit": (
        "POST",
        lambda c: (
            "/api/sales/visits",
            {"customer": c.customers["a_home"].pk, "kind": "phone", "outcome": "interested"},
        ),
        {**dict.fromkeys(PERSONAS, 201), "tech_a": 404, "agent_a": 400, "sales_b": 400},
    ),
}


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


def test_a_stale_dispatch_answers_409_and_changes_nothing(crm: CrmWorld) -> None:
    opp = _opp(crm)
    seen = opp.version
    admin, manager = crm.world.api("market_admin"), crm.world.api("manager_a")
    url = f"/api/sales/opportunities/{opp.pk}/dispatch"
    body = {"assignee": crm.world.staff["account_a"].pk, "due": _due(), "version": seen}
    first = _send(manager, "POST", url, body)
    assert first.status_code == 200
    assert first.json()["assignee_id"] == crm.world.staff["account_a"].pk
    second = _send(admin, "POST", url, {**body, "assignee": crm.world.staff["manager_a"].pk})
    assert second.status_code == 409
    assert second.json()["code"] == "stale_version"
    opp.refresh_from_db()
    assert opp.assignee == crm.world.staff["account_a"]
    assert opp.steps.filter(kind="dispatch").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due": "2020-01-01T08:00:00+08:00"}, "due"),
        ({"assignee_key": "sales_b"}, "assignee"),  # grid B's marketer: outside the grid
        ({"assignee_key": "tech_a"}, "assignee"),  # technicians do not take sales
    ],
)
def test_bad_dispatches_are_refused_naming_the_field(
    crm: CrmWorld, body: dict[str, Any], field: str
) -> None:
    opp = _opp(crm)
    key = body.pop("assignee_key", "account_a")
    payload = {"assignee": crm.world.staff[key].pk, "due": _due(), "version": opp.version, **body}
    response = _send(
        crm.world.api("market_admin"),
        "POST",
        f"/api/sales/opportunities/{opp.pk}/dispatch",
        payload,
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["loc"] == ["body", field]
    opp.refresh_from_db()
    assert opp.dispatch == Opportunity.Dispatch.ACCEPTED and opp.version == payload["version"]


def test_a_stage_jump_is_refused_and_a_step_is_kept(crm: CrmWorld) -> None:
    opp = _opp(crm)
    client = crm.world.api("account_a")
    url = f"/api/sales/opportunities/{opp.pk}"
    jump = _send(client, "PATCH", url, {"version": opp.version, "stage": "ordered"})
    assert jump.status_code == 400
    assert jump.json()["errors"][0]["loc"] == ["body", "stage"]
    step = _send(client, "PATCH", url, {"version": opp.version, "stage": "proposal"})
    assert step.status_code == 200
    data = step.json()
    assert data["stage"] == "proposal" and data["version"] == opp.version + 1
    assert [h["kind"] for h in data["history"]] == ["created", "stage"]
    assert data["allowed_stages"] == ["need", "confirmed"]


def test_winning_creates_the_subscription_and_the_order(crm: CrmWorld) -> None:
    opp = _opp(crm, stage=Stage.CONFIRMED)
    response = _send(
        crm.world.api("account_a"),
        "POST",
        f"/api/sales/opportunities/{opp.pk}/win",
        {"version": opp.version, "plan_id": crm.plan_hd.pk, "monthly_fee": "25.50"},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    sub = crm.customers["a_home"].subscriptions.get(pk=data["subscription_id"])
    assert sub.plan == crm.plan_hd and str(sub.monthly_fee) == "25.50"
    assert data["opportunity"]["stage"] == "won"


def test_a_door_visit_answers_its_check_in_verdict(crm: CrmWorld) -> None:
    site = crm.customers["a_home"].site
    client = crm.world.api("account_a")
    now = clock.now()
    near = {
        "customer": crm.customers["a_home"].pk,
        "kind": "door",
        "outcome": "interested",
        "lat": site.lat + SITE_MOVE,
        "lon": site.lon,
        "accuracy_m": 20,
        "position_at": now.isoformat(),
    }
    good = _send(client, "POST", "/api/sales/visits", near).json()
    assert good["verified"] is True and good["flags"] == []
    assert 50 < good["distance_m"] < 60
    far = {
        **near,
        "lat": site.lat + 0.01,
        "position_at": (now - dt.timedelta(minutes=10)).isoformat(),
    }
    bad = _send(client, "POST", "/api/sales/visits", far).json()
    assert bad["verified"] is False
    assert bad["flags"] == ["too_far", "stale_fix"]
    assert bad["distance_m"] > 1000
    bare = {k: v for k, v in near.items() if k not in {"lat", "lon", "accuracy_m", "position_at"}}
    none = _send(client, "POST", "/api/sales/visits", bare).json()
    assert none["verified"] is False and none["flags"] == ["no_position"]


@pytest.mark.parametrize("lat", [91, -90.5])
def test_coordinates_out_of_range_are_refused(crm: CrmWorld, lat: float) -> None:
    body = {
        "customer": crm.customers["a_home"].pk,
        "kind": "door",
        "outcome": "served",
        "lat": lat,
        "lon": 111.0,
    }
    response = _send(crm.world.api("account_a"), "POST", "/api/sales/visits", body)
    assert response.status_code == 422
    assert not crm.customers["a_home"].visits.exists()


def test_agents_see_only_their_own_opportunities(crm: CrmWorld) -> None:
    mine = services.opportunity_create(
        actor=crm.world.user("agent_a"),
        source=Opportunity.Source.REFERRAL,
        customer=crm.customers["a_agent"],
    )
    _opp(crm)  # account_a's, on grid A's board
    listed = crm.world.api("agent_a").get("/api/sales/opportunities").json()
    assert [o["id"] for o in listed["items"]] == [mine.pk]
    team = crm.world.api("tech_a").get("/api/sales/opportunities").json()
    assert team["count"] == 2
