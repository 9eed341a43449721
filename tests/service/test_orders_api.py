"""The work-order API: idempotent create (201 then 200), transitions (400 for an illegal
move, 409 for a stale version, nothing changed), scoped lists and details, the one error
shape."""

from __future__ import annotations

from typing import Any

import pytest

from tests.crm.world import CrmWorld
from tests.personas import PERSONAS
from wangge.service.models import WorkOrder

pytestmark = pytest.mark.django_db

URL = "/api/service/work-orders"


def _post(crm: CrmWorld, persona: str, url: str, body: dict[str, Any], **headers: Any) -> Any:
    return crm.world.api(persona).post(url, data=body, content_type="application/json", **headers)


def _body(crm: CrmWorld, **extra: Any) -> dict[str, Any]:
    return {"kind": "repair", "customer_id": crm.customers["a_home"].pk, "description": "断网"} | (
        extra
    )


def test_create_is_idempotent_by_header_or_field(crm: CrmWorld) -> None:
    first = _post(crm, "manager_a", URL, _body(crm), HTTP_IDEMPOTENCY_KEY="crm-call-0001")
    assert first.status_code == 201, first.content
    again = _post(crm, "manager_a", URL, _body(crm), HTTP_IDEMPOTENCY_KEY="crm-call-0001")
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]
    by_field = _post(crm, "manager_a", URL, _body(crm, idempotency_key="billing-77"))
    assert by_field.status_code == 201
    assert _post(crm, "manager_a", URL, _body(crm, idempotency_key="billing-77")).status_code == 200
    assert WorkOrder.objects.count() == 2
    clash = _post(crm, "manager_a", URL, _body(crm, idempotency_key="a"), HTTP_IDEMPOTENCY_KEY="b")
    assert clash.status_code == 400 and clash.json()["code"]
    bad = _post(crm, "manager_a", URL, _body(crm), HTTP_IDEMPOTENCY_KEY="with space")
    assert bad.status_code == 400
    created = first.json()
    assert created["assignee_id"] == crm.world.staff["tech_a"].pk
    assert created["state"] == "assigned" and created["source"] == "api"


def test_who_may_write_what(crm: CrmWorld) -> None:
    # Create: the grid's staff (not agents, not another grid's).
    expected = {
        "market_admin": 201,
        "manager_a": 201,
        "account_a": 201,
        "tech_a": 201,
        "sales_b": 400,  # grid A's customer is not one they may name
        "agent_a": 404,
    }
    codes = {}
    for persona in PERSONAS:
        r = _post(crm, persona, URL, _body(crm))
        assert r.status_code == expected[persona], (persona, r.content)
        if r.status_code == 201:
            codes[persona] = r.json()["code"]
    code = codes["account_a"]
    order = WorkOrder.objects.get(code=code)
    url = f"{URL}/{code}/transition"
    # Accept: only the assignee (tech_a) or the grid's manager.
    for persona, status in (("account_a", 404), ("sales_b", 404), ("agent_a", 404)):
        r = _post(crm, persona, url, {"action": "accept", "version": order.version})
        assert r.status_code == status, (persona, r.content)
    r = _post(crm, "tech_a", url, {"action": "accept", "version": order.version})
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    version = r.json()["version"]
    # Cancel: the manager, not the technician.
    r = _post(crm, "tech_a", url, {"action": "cancel", "version": version, "reason": "x"})
    assert r.status_code == 404
    r = _post(crm, "manager_a", url, {"action": "cancel", "version": version, "reason": "重复"})
    assert r.status_code == 200 and r.json()["state"] == "cancelled"


def test_an_illegal_move_is_a_400_and_a_stale_version_a_409(crm: CrmWorld) -> None:
    code = _post(crm, "manager_a", URL, _body(crm)).json()["code"]
    url = f"{URL}/{code}/transition"
    r = _post(crm, "tech_a", url, {"action": "complete", "version": 1, "result": "好了"})
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"detail", "code", "errors"} and body["errors"][0]["loc"][-1] == "state"
    assert WorkOrder.objects.get(code=code).version == 1
    assert _post(crm, "tech_a", url, {"action": "accept", "version": 1}).status_code == 200
    r = _post(crm, "manager_a", url, {"action": "cancel", "version": 1, "reason": "重复"})
    assert r.status_code == 409
    assert WorkOrder.objects.get(code=code).state == "accepted"
    r = _post(crm, "tech_a", url, {"action": "fly", "version": 2})
    assert r.status_code == 422


def test_the_whole_path_through_the_api(crm: CrmWorld) -> None:
    code = _post(crm, "account_a", URL, _body(crm)).json()["code"]
    url = f"{URL}/{code}/transition"
    site = crm.customers["a_home"].site
    steps: list[tuple[str, dict[str, Any]]] = [
        ("tech_a", {"action": "accept"}),
        ("tech_a", {"action": "check_in", "lat": site.lat, "lon": site.lon, "accuracy_m": 10}),
        ("tech_a", {"action": "complete", "result": "更换分支器", "customer_confirmed": True}),
        ("account_a", {"action": "close", "follow_up": "满意", "satisfied": True}),
    ]
    version = 1
    for persona, body in steps:
        r = _post(crm, persona, url, {**body, "version": version})
        assert r.status_code == 200, (body, r.content)
        version = r.json()["version"]
    detail = crm.world.api("manager_a").get(f"{URL}/{code}").json()
    assert detail["state"] == "closed" and detail["on_time"] is True
    assert [h["to_state"] for h in detail["history"]] == [
        "new",
        "assigned",
        "accepted",
        "on_site",
        "done",
        "closed",
    ]
    # A check-in without position_at is a stale fix: kept, flagged.
    assert detail["checkin_verified"] is False and "stale_fix" in detail["checkin_flags"]


def test_lists_are_scoped_and_filter(crm: CrmWorld) -> None:
    code = _post(crm, "manager_a", URL, _body(crm)).json()["code"]
    _post(crm, "market_admin", URL, _body(crm, customer_id=crm.customers["b_home"].pk))
    seen = {
        p: {o["code"] for o in crm.world.api(p).get(URL).json()["items"]}
        for p in ("tech_a", "sales_b", "market_admin")
    }
    assert code in seen["tech_a"] and code not in seen["sales_b"]
    assert len(seen["market_admin"]) == 2 and len(seen["tech_a"]) == 1
    assert crm.world.api("agent_a").get(URL).status_code == 404
    mine = crm.world.api("tech_a").get(URL + "?mine=true&state=assigned").json()
    assert mine["count"] == 1
    assert crm.world.api("sales_b").get(f"{URL}/{code}").status_code == 404
    assert crm.world.api("tech_a").get(f"{URL}/GD99999999").status_code == 404
    assert crm.world.api("tech_a").get(f"{URL}/not-a-code").status_code == 422


def test_a_photo_through_the_api_is_checked_stored_and_scoped(crm: CrmWorld) -> None:
    import base64

    from wangge.core.access import SYSTEM
    from wangge.service.services import orders as svc

    order, _ = svc.work_order_create(
        actor=SYSTEM, kind="repair", source="call", customer=crm.customers["a_home"]
    )
    url = f"{URL}/{order.code}/photos"
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()
    # Before the technician accepts, no photo; then a PNG lands, a text file does not.
    assert _post(crm, "tech_a", url, {"photo": png}).status_code == 400
    svc.work_order_accept(actor=crm.world.user("tech_a"), order=order, version=order.version)
    made = _post(crm, "tech_a", url, {"photo": png})
    assert made.status_code == 201 and made.json()["content_type"] == "image/png"
    text = base64.b64encode(b"hello").decode()
    refused = _post(crm, "tech_a", url, {"photo": text})
    assert refused.status_code == 400 and refused.json()["errors"][0]["loc"][-1] == "photo"
    assert _post(crm, "tech_a", url, {"photo": "not base64!"}).status_code == 400
    # Another grid's people are told the order is not there.
    assert _post(crm, "sales_b", url, {"photo": png}).status_code == 404
    detail = crm.world.api("tech_a").get(f"{URL}/{order.code}").json()
    assert detail["photo_ids"] == [made.json()["id"]]
