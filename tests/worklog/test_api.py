"""The worklog API: who may write what, the one error shape, 409 on a stale version."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from tests.personas import PERSONAS, World
from wangge.core.models import AuditEntry
from wangge.worklog import services
from wangge.worklog.models import WorkLog


def _send(client: Client, method: str, url: str, body: Any) -> Any:
    return getattr(client, method.lower())(
        url, data=json.dumps(body), content_type="application/json"
    )


def _log(world: World, day: dt.date, *, submit: bool = False) -> WorkLog:
    user = world.user("account_a")
    log = services.log_create(actor=user, day=day, findings="走访三户", plan="明天继续")
    if submit:
        log = services.log_submit(actor=user, log=log, version=log.version)
    return log


Make = Callable[[World, dt.date], tuple[str, dict[str, Any]]]


def _create(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    return "/api/worklog/logs", {"day": day.isoformat(), "findings": "走访", "plan": "明天"}


def _patch(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    log = _log(world, day)
    return f"/api/worklog/logs/{log.pk}", {"plan": "改", "version": log.version}


def _submit(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    log = _log(world, day)
    return f"/api/worklog/logs/{log.pk}/submit", {"version": log.version}


def _review(world: World, day: dt.date) -> tuple[str, dict[str, Any]]:
    log = _log(world, day, submit=True)
    body = {"decision": "approve", "score": 4, "version": log.version}
    return f"/api/worklog/logs/{log.pk}/review", body


def ok(who: set[str], status: int = 200) -> dict[str, int]:
    return {p: status if p in who else 404 for p in PERSONAS}


#: A log is written by its author only (account_a's here); the market department, holding
#: every right, may start its own; grid A's manager and the market department review.
CASES: dict[str, tuple[str, Make, dict[str, int]]] = {
    "create": (
        "POST",
        _create,
        {**ok({"market_admin", "account_a", "sales_b", "tech_a"}, 201)},
    ),
    "patch": ("PATCH", _patch, ok({"account_a"})),
    "submit": ("POST", _submit, ok({"account_a"})),
    "review": ("POST", _review, ok({"market_admin", "manager_a"})),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_who_may_write_what(world: World, workday: dt.date, name: str) -> None:
    method, make, expected = CASES[name]
    seen = {}
    clients = {p: world.api(p) for p in PERSONAS}
    for persona in PERSONAS:
        sid = transaction.savepoint()
        try:
            url, body = make(world, workday)
            before = AuditEntry.objects.count()
            response = _send(clients[persona], method, url, body)
            seen[persona] = response.status_code
            if response.status_code >= 400:
                assert response.json()["code"], response.content
                assert AuditEntry.objects.count() == before, f"{persona} wrote on refusal"
        finally:
            transaction.savepoint_rollback(sid)
    assert seen == expected


def test_a_second_log_and_a_future_day_answer_400(world: World, workday: dt.date) -> None:
    api = world.api("account_a")
    first = _send(api, "POST", "/api/worklog/logs", {"day": workday.isoformat(), "plan": "x"})
    assert first.status_code == 201
    assert first.json()["status"] == "draft"
    again = _send(api, "POST", "/api/worklog/logs", {"day": workday.isoformat(), "plan": "y"})
    assert again.status_code == 400
    assert again.json()["code"] == "rejected"
    assert again.json()["errors"][0]["loc"] == ["body", "day"]
    tomorrow = (workday + dt.timedelta(days=1)).isoformat()
    future = _send(api, "POST", "/api/worklog/logs", {"day": tomorrow, "plan": "z"})
    assert future.status_code == 400
    assert WorkLog.objects.count() == 1


def test_malformed_bodies_answer_422(world: World, workday: dt.date) -> None:
    api = world.api("account_a")
    bodies: list[Any] = [{"day": "tomorrow"}, {"day": workday.isoformat(), "plan": 5}, []]
    for body in bodies:
        response = _send(api, "POST", "/api/worklog/logs", body)
        assert response.status_code == 422, body
        assert response.json()["code"] == "invalid"
    log = _log(world, workday, submit=True)
    bad = {"decision": "approve", "score": 9, "version": log.version}
    response = _send(world.api("manager_a"), "POST", f"/api/worklog/logs/{log.pk}/review", bad)
    assert response.status_code == 422


def test_write_submit_return_revise_approve(world: World, workday: dt.date) -> None:
    author, manager = world.api("account_a"), world.api("manager_a")
    made = _send(author, "POST", "/api/worklog/logs", {"day": workday.isoformat()}).json()
    url = f"/api/worklog/logs/{made['id']}"
    early = _send(author, "POST", url + "/submit", {"version": made["version"]})
    assert early.status_code == 400  # nothing done and no plan
    assert {tuple(e["loc"]) for e in early.json()["errors"]} == {
        ("body", "plan"),
        ("body", "findings"),
    }
    edited = _send(author, "PATCH", url, {"findings": "两户有意向", "plan": "回访", "version": 1})
    assert edited.status_code == 200
    sent = _send(author, "POST", url + "/submit", {"version": edited.json()["version"]}).json()
    assert sent["status"] == "submitted"
    back = _send(
        manager,
        "POST",
        url + "/review",
        {"decision": "return", "comment": "写客户名", "version": sent["version"]},
    ).json()
    assert (back["status"], back["return_comment"]) == ("returned", "写客户名")
    stale = _send(author, "PATCH", url, {"findings": "x", "version": sent["version"]})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    fixed = _send(author, "PATCH", url, {"findings": "王家、李家", "version": back["version"]})
    again = _send(author, "POST", url + "/submit", {"version": fixed.json()["version"]}).json()
    done = _send(
        manager,
        "POST",
        url + "/review",
        {"decision": "approve", "score": 5, "version": again["version"]},
    ).json()
    assert (done["status"], done["score"]) == ("approved", 5)
    assert [r["decision"] for r in done["reviews"]] == ["return", "approve"]
    listed = world.api("manager_a").get("/api/worklog/logs?status=approved").json()
    assert [i["id"] for i in listed["items"]] == [made["id"]]
    assert world.api("manager_b").get(url).status_code == 404
