"""The crm API's writes.

Who may write what (persona × endpoint, same rules as the pages: 404 for what one may not
see or change), that every write lands through the services (the row changes and an audit
entry names the actor), and that bad input is refused in the error shape with nothing
written: 422 for what the schema refuses, 400 for what the domain refuses.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.test import Client

from tests.crm.world import CrmWorld
from tests.personas import PERSONAS, assert_status_matrix
from tests.rights import without_action
from wangge.core.access import SYSTEM
from wangge.core.models import AuditEntry
from wangge.core.permissions import CoreAction
from wangge.crm import services
from wangge.crm.models import (
    Competitor,
    CompetitorIntel,
    CompetitorOffer,
    Contact,
    Customer,
    Note,
    Organization,
    Quality,
    Relationship,
    Subscription,
)
from wangge.org.roles import Role

pytestmark = pytest.mark.django_db

API = "/api/crm"
ERROR_KEYS = {"detail", "code", "errors"}

#: Who may change each world customer: the market department, its grid's manager, its owner.
EDITORS = {
    "a_home": ("market_admin", "manager_a", "account_a"),
    "a_agent": ("market_admin", "manager_a", "agent_a"),
    "a_org": ("market_admin", "manager_a"),
    "b_home": ("market_admin", "sales_b"),
    "b_owned": ("market_admin", "account_a"),
}
#: Who gathers competitor intelligence in a site of grid A / grid B.
SURVEY_A = ("market_admin", "manager_a", "account_a")
SURVEY_B = ("market_admin", "sales_b")


def _only(status: int, *personas: str) -> dict[str, int]:
    return {p: (status if p in personas else 404) for p in PERSONAS}


def _send(client: Client, method: str, url: str, data: Any = None, **extra: Any) -> Any:
    if data is None:
        return getattr(client, method)(url, **extra)
    body = data if isinstance(data, bytes) else json.dumps(data)
    return getattr(client, method)(url, data=body, content_type="application/json", **extra)


def _entries(obj: models.Model, action: str | None = None) -> list[AuditEntry]:
    qs = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    )
    if action is not None:
        qs = qs.filter(action=action)
    return list(qs)


def _assert_error(response: Any, status: int, *fields: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == ERROR_KEYS, body
    named = {e["loc"][-1] for e in body["errors"]}
    for field in fields:
        assert field in named, body
    return body


def _telecom() -> Competitor:
    return Competitor.objects.get(code="telecom")


# --- the endpoint table ----------------------------------------------------------------


def _customer_body(crm: CrmWorld) -> dict[str, Any]:
    return {
        "site_id": crm.t.sites_a[3].pk,
        "name": "新户",
        "owner_id": crm.world.staff["account_a"].pk,
        "relationship": "potential",
    }


def _org_body(crm: CrmWorld) -> dict[str, Any]:
    return {
        **_customer_body(crm),
        "name": "廉桥供电所",
        "contact_name": "刘所长",
        "contact_phone": "13700000001",
        "computers": 12,
        "current_network": "中国联通 50M 专线",
        "key_person_name": "刘所长",
        "key_person_phone": "13700000001",
    }


def _contact(crm: CrmWorld) -> Contact:
    return services.contact_create(
        actor=SYSTEM, customer=crm.customers["a_home"], name="张三", phone="13900000000"
    )


@dataclass(frozen=True)
class Endpoint:
    method: str
    url: Callable[[CrmWorld], str]
    #: None for an endpoint that takes no body.
    body: Callable[[CrmWorld], dict[str, Any]] | None
    expected: Mapping[str, int]
    #: A success changes what the next persona would meet (a unique row, a deletion):
    #: each persona then starts from the same world, the previous one's write undone.
    repeatable: bool = True


def _c(key: str) -> Callable[[CrmWorld], str]:
    return lambda crm: f"{API}/customers/{crm.customers[key].pk}"


def _sub(key: str) -> Callable[[CrmWorld], str]:
    return lambda crm: f"{API}/subscriptions/{crm.subscriptions[key].pk}"


ENDPOINTS: dict[str, Endpoint] = {
    # Creating is for staff with grids, at a site of their grids: sales_b's grid is B.
    "customer create": Endpoint(
        "post",
        lambda crm: f"{API}/customers",
        _customer_body,
        # Agents register customers, but only their own: naming account_a as owner is 400.
        {**_only(201, *SURVEY_A), "sales_b": 400, "agent_a": 400},
    ),
    "organization create": Endpoint(
        "post",
        lambda crm: f"{API}/organizations",
        _org_body,
        {**_only(201, *SURVEY_A), "sales_b": 400, "agent_a": 400},
    ),
    **{
        f"customer patch {key}": Endpoint(
            "patch", _c(key), lambda crm: {"tier": "key"}, _only(200, *editors)
        )
        for key, editors in EDITORS.items()
    },
    "customer verify": Endpoint(
        "post", lambda crm: _c("a_home")(crm) + "/verify", None, _only(200, *EDITORS["a_home"])
    ),
    "organization patch": Endpoint(
        "patch",
        lambda crm: f"{API}/organizations/{crm.org.pk}",
        lambda crm: {"computers": 150},
        _only(200, *EDITORS["a_org"]),
    ),
    "contact create": Endpoint(
        "post",
        lambda crm: _c("a_home")(crm) + "/contacts",
        lambda crm: {"name": "李四", "phone": "13900000001"},
        _only(201, *EDITORS["a_home"]),
    ),
    "contact patch": Endpoint(
        "patch",
        lambda crm: f"{API}/contacts/{_contact(crm).pk}",
        lambda crm: {"title": "户主"},
        _only(200, *EDITORS["a_home"]),
    ),
    "contact delete": Endpoint(
        "delete",
        lambda crm: f"{API}/contacts/{_contact(crm).pk}",
        None,
        _only(204, *EDITORS["a_home"]),
        repeatable=False,
    ),
    # Anyone who sees the customer may leave a note: the technician after an install too.
    "note a_home": Endpoint(
        "post",
        lambda crm: _c("a_home")(crm) + "/notes",
        lambda crm: {"text": "已上门"},
        _only(201, "market_admin", "manager_a", "account_a", "tech_a"),
    ),
    "note a_agent": Endpoint(
        "post",
        lambda crm: _c("a_agent")(crm) + "/notes",
        lambda crm: {"text": "已回访"},
        _only(201, "market_admin", "manager_a", "account_a", "tech_a", "agent_a"),
    ),
    "subscription create": Endpoint(
        "post",
        lambda crm: _c("a_home")(crm) + "/subscriptions",
        lambda crm: {"plan_id": crm.plan_hd.pk, "started_on": "2026-03-01"},
        _only(201, *EDITORS["a_home"]),
    ),
    **{
        f"subscription patch {key}": Endpoint(
            "patch",
            _sub(key),
            lambda crm: {"arrears": "12.50"},
            _only(200, *EDITORS[key]),
        )
        for key in ("a_home", "b_home")
    },
    # Agents see no sites, so they gather no intelligence.
    "intel create A": Endpoint(
        "post",
        lambda crm: f"{API}/sites/{crm.t.sites_a[1].pk}/intel",
        lambda crm: {"competitor_id": _telecom().pk},
        _only(201, *SURVEY_A),
        repeatable=False,
    ),
    "intel create B": Endpoint(
        "post",
        lambda crm: f"{API}/sites/{crm.t.sites_b[1].pk}/intel",
        lambda crm: {"competitor_id": _telecom().pk},
        _only(201, *SURVEY_B),
        repeatable=False,
    ),
    "intel patch A": Endpoint(
        "patch",
        lambda crm: f"{API}/intel/{crm.intel_a.pk}",
        lambda crm: {"note": "物业只认电信"},
        _only(200, *SURVEY_A),
    ),
    "intel patch B": Endpoint(
        "patch",
        lambda crm: f"{API}/intel/{crm.intel_b.pk}",
        lambda crm: {"install_quality": "poor"},
        _only(200, *SURVEY_B),
    ),
    "intel verify": Endpoint(
        "post",
        lambda crm: f"{API}/intel/{crm.intel_a.pk}/verify",
        None,
        _only(200, *SURVEY_A),
    ),
    "offer create": Endpoint(
        "post",
        lambda crm: f"{API}/intel/{crm.intel_a.pk}/offers",
        lambda crm: {"plan_name": "天翼千兆", "price": "129.00"},
        _only(201, *SURVEY_A),
    ),
    "offer patch A": Endpoint(
        "patch",
        lambda crm: f"{API}/competitor-offers/{crm.offer_a.pk}",
        lambda crm: {"promotion": "送路由器"},
        _only(200, *SURVEY_A),
    ),
    "offer patch B": Endpoint(
        "patch",
        lambda crm: f"{API}/competitor-offers/{crm.offer_b.pk}",
        lambda crm: {"ended_on": "2099-01-01"},
        _only(200, *SURVEY_B),
    ),
}


def _body(crm: CrmWorld, endpoint: Endpoint) -> dict[str, Any] | None:
    return endpoint.body(crm) if endpoint.body is not None else None


def _each_from_the_same_world(
    crm: CrmWorld, endpoint: Endpoint, url: str, body: dict[str, Any] | None
) -> None:
    """`assert_status_matrix`, with each persona's write rolled back before the next."""
    for persona in PERSONAS:
        crm.world.token(persona)  # issued outside the rolled-back block
    wrong = []
    for persona in PERSONAS:
        with transaction.atomic():
            status = _send(crm.world.api(persona), endpoint.method, url, body).status_code
            transaction.set_rollback(True)
        if status != endpoint.expected[persona]:
            wrong.append(f"{persona}: {status} != {endpoint.expected[persona]}")
    assert not wrong, f"{endpoint.method.upper()} {url}: " + "; ".join(wrong)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_who_may_write_what(crm: CrmWorld, name: str) -> None:
    endpoint = ENDPOINTS[name]
    url, body = endpoint.url(crm), _body(crm, endpoint)
    if endpoint.repeatable:
        data = json.dumps(body) if body is not None else None
        assert_status_matrix(
            crm.world, url, endpoint.expected, method=endpoint.method, data=data, api=True
        )
    else:
        _each_from_the_same_world(crm, endpoint, url, body)
    refused = [crm.world.user(p) for p, status in endpoint.expected.items() if status >= 400]
    assert not AuditEntry.objects.filter(actor__in=refused).exists()


@pytest.mark.parametrize("name", ENDPOINTS)
def test_writes_need_a_login(crm: CrmWorld, name: str) -> None:
    endpoint = ENDPOINTS[name]
    response = _send(Client(), endpoint.method, endpoint.url(crm), _body(crm, endpoint))
    _assert_error(response, 401)
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("name", [n for n, e in ENDPOINTS.items() if e.body is not None])
@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b"null", b"\xff\xfe"])
def test_malformed_bodies_are_refused_in_the_error_shape(
    crm: CrmWorld, name: str, raw: bytes
) -> None:
    endpoint = ENDPOINTS[name]
    url = endpoint.url(crm)
    client = crm.world.api("market_admin")
    entries = AuditEntry.objects.count()
    response = _send(client, endpoint.method, url, raw)
    assert response.status_code in (400, 422), response.content
    _assert_error(response, response.status_code)
    assert AuditEntry.objects.count() == entries


# --- customers -------------------------------------------------------------------------


def test_a_marketer_creates_a_household_with_the_operators_number(crm: CrmWorld) -> None:
    body = {**_customer_body(crm), "code": "0739001", "phone": "13800009999", "tier": "gold"}
    response = _send(crm.world.api("account_a"), "post", f"{API}/customers", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["code"], out["kind"], out["tier"]) == ("0739001", "household", "gold")
    assert out["phone"] == "13800009999"  # their own customer, and a field role
    customer = Customer.objects.get(pk=out["id"])
    assert (customer.code, customer.name, customer.site) == ("0739001", "新户", crm.t.sites_a[3])
    assert customer.verified_by == crm.world.staff["account_a"]
    [entry] = _entries(customer, "create")
    assert entry.after is not None
    assert entry.actor == crm.world.user("account_a") and entry.after["code"] == "0739001"


def test_without_a_number_the_customer_gets_ours(crm: CrmWorld) -> None:
    body = {**_customer_body(crm), "verified": False}
    out = _send(crm.world.api("manager_a"), "post", f"{API}/customers", body).json()
    customer = Customer.objects.get(pk=out["id"])
    assert out["code"] == customer.code == f"KH{customer.pk:08d}"
    assert customer.verified_at is None and out["resurvey_due"] is True


def test_a_taken_number_is_refused_naming_code(crm: CrmWorld) -> None:
    client = crm.world.api("market_admin")
    first = _send(client, "post", f"{API}/customers", {**_customer_body(crm), "code": "X1"})
    assert first.status_code == 201
    again = _send(client, "post", f"{API}/customers", {**_customer_body(crm), "code": "X1"})
    _assert_error(again, 400, "code")
    assert Customer.objects.filter(code="X1").count() == 1


def test_a_site_outside_ones_grids_is_refused_like_a_missing_one(crm: CrmWorld) -> None:
    """The answer does not tell an existing site of grid B from no site at all."""
    client = crm.world.api("manager_a")
    before = (Customer.objects.count(), AuditEntry.objects.count())
    outside = _send(
        client, "post", f"{API}/customers", {**_customer_body(crm), "site_id": crm.t.sites_b[3].pk}
    )
    missing = _send(client, "post", f"{API}/customers", {**_customer_body(crm), "site_id": 2**62})
    assert _assert_error(outside, 400, "site_id") == _assert_error(missing, 400, "site_id")
    assert [e["loc"] for e in outside.json()["errors"]] == [["body", "site_id"]]
    assert (Customer.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("owner_id", "sales_b"),  # someone grid A's manager does not see
        ("owner_id", 2**62),
        ("current_provider_id", 2**62),
    ],
)
def test_unknown_or_unseen_references_are_400_naming_the_field(
    crm: CrmWorld, field: str, value: Any
) -> None:
    if value == "sales_b":
        value = crm.world.staff["sales_b"].pk
    response = _send(
        crm.world.api("manager_a"),
        "post",
        f"{API}/customers",
        {**_customer_body(crm), field: value},
    )
    _assert_error(response, 400, field)
    assert not Customer.objects.filter(name="新户").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 101),
        ("name", "a\x00b"),
        ("relationship", "vip"),
        ("relationship", "key"),  # importance, not a relationship
        ("status", "vip"),
        ("tier", ""),
        ("phone", "call me"),
        ("site_id", "4"),  # strict: a string is not an id
        ("site_id", 0),
        ("verified", 1),
        ("code", ""),
    ],
)
def test_invalid_customer_fields_are_422_naming_the_field(
    crm: CrmWorld, field: str, value: Any
) -> None:
    response = _send(
        crm.world.api("market_admin"),
        "post",
        f"{API}/customers",
        {**_customer_body(crm), field: value},
    )
    body = _assert_error(response, 422, field)
    assert body["code"] == "invalid"
    assert not Customer.objects.filter(site=crm.t.sites_a[3]).exists()


def test_unknown_fields_are_ignored_but_never_written(crm: CrmWorld) -> None:
    """`kind` is not a body field: a household cannot be turned into a group by a PATCH."""
    c = crm.customers["a_home"]
    response = _send(crm.world.api("market_admin"), "patch", _c("a_home")(crm), {"kind": "group"})
    assert response.status_code == 200
    assert Customer.objects.get(pk=c.pk).kind == "household"


def test_patch_changes_only_what_it_names_and_is_audited(crm: CrmWorld) -> None:
    c = crm.customers["a_home"]
    verified_at = c.verified_at
    body = {"tier": "gold", "current_provider_id": _telecom().pk}
    response = _send(crm.world.api("manager_a"), "patch", _c("a_home")(crm), body)
    assert response.status_code == 200, response.content
    assert response.json()["current_provider_id"] == _telecom().pk
    fresh = Customer.objects.get(pk=c.pk)
    assert (fresh.tier, fresh.current_provider, fresh.name) == ("gold", _telecom(), c.name)
    assert fresh.verified_at == verified_at  # not said to be checked on the ground
    [entry] = _entries(c, "update")
    assert entry.actor == crm.world.user("manager_a")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["tier"], entry.after["tier"]) == ("standard", "gold")


def test_patch_may_clear_the_provider_but_not_null_a_required_field(crm: CrmWorld) -> None:
    client = crm.world.api("market_admin")
    Customer.objects.filter(pk=crm.customers["a_home"].pk).update(current_provider=_telecom())
    cleared = _send(client, "patch", _c("a_home")(crm), {"current_provider_id": None})
    assert cleared.status_code == 200
    assert Customer.objects.get(pk=crm.customers["a_home"].pk).current_provider is None
    for field in ("name", "relationship", "status", "site_id", "owner_id", "code", "phone"):
        _assert_error(_send(client, "patch", _c("a_home")(crm), {field: None}), 422, field)


def test_the_owner_keeps_a_customer_outside_their_grids(crm: CrmWorld) -> None:
    """名单制: account_a owns b_owned in grid B and may resend its site and owner unchanged."""
    c = crm.customers["b_owned"]
    body = {"site_id": c.site_id, "owner_id": c.owner_id, "relationship": "intended"}
    response = _send(crm.world.api("account_a"), "patch", _c("b_owned")(crm), body)
    assert response.status_code == 200, response.content
    assert Customer.objects.get(pk=c.pk).relationship == "intended"


def test_a_patch_with_verified_stamps_the_customer(crm: CrmWorld) -> None:
    Customer.objects.filter(pk=crm.customers["a_home"].pk).update(verified_at=None)
    body = {"address": "2栋1单元", "verified": True}
    out = _send(crm.world.api("account_a"), "patch", _c("a_home")(crm), body).json()
    fresh = Customer.objects.get(pk=crm.customers["a_home"].pk)
    assert fresh.address == "2栋1单元" and fresh.verified_by == crm.world.staff["account_a"]
    assert out["verified_by_id"] == crm.world.staff["account_a"].pk and not out["resurvey_due"]


def test_verify_stamps_a_group_customer_and_its_survey(crm: CrmWorld) -> None:
    Customer.objects.filter(pk=crm.org.pk).update(verified_at=None, verified_by=None)
    Organization.objects.filter(pk=crm.org.pk).update(verified_at=None, verified_by=None)
    response = _send(crm.world.api("manager_a"), "post", f"{API}/customers/{crm.org.pk}/verify")
    assert response.status_code == 200, response.content
    manager = crm.world.staff["manager_a"]
    assert Customer.objects.get(pk=crm.org.pk).verified_by == manager
    assert Organization.objects.get(pk=crm.org.pk).verified_by == manager
    [entry] = _entries(Customer.objects.get(pk=crm.org.pk), "update")
    assert entry.after is not None
    assert entry.actor == crm.world.user("manager_a") and entry.after["verified_by"] == manager.pk


def test_missing_and_out_of_range_customers(crm: CrmWorld) -> None:
    client = crm.world.api("market_admin")
    assert _send(client, "patch", f"{API}/customers/99999999", {"tier": "key"}).status_code == 404
    assert _send(client, "post", f"{API}/customers/99999999/verify").status_code == 404
    _assert_error(_send(client, "patch", f"{API}/customers/{2**63}", {"tier": "key"}), 422)


# --- organisations ---------------------------------------------------------------------


def test_a_group_customer_is_created_with_its_survey(crm: CrmWorld) -> None:
    response = _send(crm.world.api("market_admin"), "post", f"{API}/organizations", _org_body(crm))
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["name"] == "廉桥供电所" and out["computers"] == 12 and out["code"].startswith("KH")
    org = Organization.objects.select_related("customer").get(pk=out["customer_id"])
    assert org.customer.kind == "group" and org.customer.name == "廉桥供电所"
    assert org.key_person_phone == "13700000001"
    actor = crm.world.user("market_admin")
    assert [e.actor for e in _entries(org.customer, "create")] == [actor]
    assert [e.actor for e in _entries(org, "create")] == [actor]


def test_a_survey_with_a_bad_phone_leaves_no_customer(crm: CrmWorld) -> None:
    client = crm.world.api("market_admin")
    before = (Customer.objects.count(), AuditEntry.objects.count())
    for field, value in (("key_person_phone", "ask the office"), ("computers", -1)):
        body = {**_org_body(crm), field: value}
        _assert_error(_send(client, "post", f"{API}/organizations", body), 422, field)
    assert (Customer.objects.count(), AuditEntry.objects.count()) == before


def test_renaming_the_survey_renames_the_customer(crm: CrmWorld) -> None:
    url = f"{API}/organizations/{crm.org.pk}"
    response = _send(
        crm.world.api("manager_a"), "patch", url, {"name": "邵东一中", "computers": None}
    )
    assert response.status_code == 200, response.content
    assert response.json()["computers"] is None
    org = Organization.objects.select_related("customer").get(pk=crm.org.pk)
    assert (org.name, org.customer.name, org.computers) == ("邵东一中", "邵东一中", None)
    [entry] = _entries(org, "update")
    assert entry.before is not None and entry.after is not None
    assert entry.before["computers"] == 120 and entry.after["computers"] is None


def test_a_household_has_no_survey_to_patch(crm: CrmWorld) -> None:
    url = f"{API}/organizations/{crm.customers['a_home'].pk}"
    assert _send(crm.world.api("market_admin"), "patch", url, {"name": "x"}).status_code == 404


# --- contacts and notes ----------------------------------------------------------------


def test_contacts_are_added_edited_and_deleted_with_audit(crm: CrmWorld) -> None:
    client = crm.world.api("account_a")
    created = _send(
        client,
        "post",
        _c("a_home")(crm) + "/contacts",
        {"name": "王五", "phone": "13900000002", "title": "户主"},
    )
    assert created.status_code == 201, created.content
    contact = Contact.objects.get(pk=created.json()["id"])
    assert (contact.customer, contact.phone) == (crm.customers["a_home"], "13900000002")

    edited = _send(client, "patch", f"{API}/contacts/{contact.pk}", {"note": "晚上在家"})
    assert edited.status_code == 200 and edited.json()["title"] == "户主"
    assert Contact.objects.get(pk=contact.pk).note == "晚上在家"

    deleted = _send(client, "delete", f"{API}/contacts/{contact.pk}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert not Contact.objects.filter(pk=contact.pk).exists()
    actions = sorted(e.action for e in _entries(contact))
    assert actions == ["create", "delete", "update"]
    assert all(e.actor == crm.world.user("account_a") for e in _entries(contact))
    assert _send(client, "delete", f"{API}/contacts/{contact.pk}").status_code == 404


@pytest.mark.parametrize(("field", "value"), [("name", ""), ("phone", "13x"), ("note", "x" * 201)])
def test_invalid_contacts_are_422(crm: CrmWorld, field: str, value: str) -> None:
    body = {"name": "王五", field: value}
    response = _send(crm.world.api("account_a"), "post", _c("a_home")(crm) + "/contacts", body)
    _assert_error(response, 422, field)
    assert not Contact.objects.exists()


def test_a_technician_leaves_a_note(crm: CrmWorld) -> None:
    response = _send(
        crm.world.api("tech_a"), "post", _c("a_home")(crm) + "/notes", {"text": " 已上门装机 "}
    )
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["text"], out["author_name"]) == ("已上门装机", "装维甲")
    note = Note.objects.get(pk=out["id"])
    assert note.customer == crm.customers["a_home"] and note.author == crm.world.staff["tech_a"]
    [entry] = _entries(note, "create")
    assert entry.actor == crm.world.user("tech_a")


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_a_blank_or_overlong_note_is_422(crm: CrmWorld, text: str) -> None:
    response = _send(crm.world.api("tech_a"), "post", _c("a_home")(crm) + "/notes", {"text": text})
    _assert_error(response, 422, "text")
    assert not Note.objects.exists()


# --- subscriptions ---------------------------------------------------------------------


def test_a_subscription_is_added_with_an_exact_fee(crm: CrmWorld) -> None:
    body = {
        "plan_id": crm.plan_bb.pk,
        "started_on": "2026-03-01",
        "expires_on": "2027-02-28",
        "monthly_fee": "54.4",
        "account_no": "BB0001",
    }
    response = _send(crm.world.api("account_a"), "post", _c("a_home")(crm) + "/subscriptions", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["monthly_fee"], out["arrears"], out["product_id"]) == (
        "54.40",
        "0.00",
        crm.broadband.pk,
    )
    sub = Subscription.objects.get(pk=out["id"])
    assert sub.monthly_fee == Decimal("54.40") and sub.expires_on == dt.date(2027, 2, 28)
    [entry] = _entries(sub, "create")
    assert entry.actor == crm.world.user("account_a")


def test_without_a_fee_the_plans_price_applies(crm: CrmWorld) -> None:
    body = {"plan_id": crm.plan_hd.pk, "started_on": "2026-03-01"}
    out = _send(
        crm.world.api("manager_a"), "post", _c("a_home")(crm) + "/subscriptions", body
    ).json()
    assert out["monthly_fee"] == "28.00" and out["expires_on"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("monthly_fee", "-1.00"),
        ("monthly_fee", "1.005"),
        ("monthly_fee", 54.4),  # a float: the fen may already be gone
        ("monthly_fee", "1e3"),
        ("arrears", "-0.01"),
        ("arrears", "123456789.00"),
        ("started_on", "2026-02-30"),
        ("started_on", "2026/03/01"),
        ("started_on", 1767225600),
        ("status", "paused"),
        ("plan_id", None),
    ],
)
def test_invalid_subscription_fields_are_422(crm: CrmWorld, field: str, value: Any) -> None:
    body = {"plan_id": crm.plan_bb.pk, "started_on": "2026-03-01", field: value}
    response = _send(
        crm.world.api("market_admin"), "post", _c("a_home")(crm) + "/subscriptions", body
    )
    _assert_error(response, 422, field)
    assert crm.customers["a_home"].subscriptions.count() == 1


def test_an_expiry_before_the_start_is_refused_by_the_domain(crm: CrmWorld) -> None:
    """The schema holds each field, not how two relate: the model's rule answers, with 400."""
    body = {"plan_id": crm.plan_bb.pk, "started_on": "2026-05-01", "expires_on": "2026-04-01"}
    client = crm.world.api("market_admin")
    before = (Subscription.objects.count(), AuditEntry.objects.count())
    response = _send(client, "post", _c("a_home")(crm) + "/subscriptions", body)
    assert _assert_error(response, 400, "expires_on")["code"] == "rejected"
    assert response.json()["errors"][0]["msg"] == "到期日期不能早于开通日期。"
    assert (Subscription.objects.count(), AuditEntry.objects.count()) == before


def test_a_withdrawn_or_unknown_plan_is_400(crm: CrmWorld) -> None:
    crm.plan_hd.is_active = False
    crm.plan_hd.save()
    client = crm.world.api("market_admin")
    for plan_id in (crm.plan_hd.pk, 2**62):
        body = {"plan_id": plan_id, "started_on": "2026-03-01"}
        _assert_error(
            _send(client, "post", _c("a_home")(crm) + "/subscriptions", body), 400, "plan_id"
        )
    # The plan a subscription already has stays valid after it is withdrawn.
    sub = services.subscription_create(
        actor=SYSTEM,
        customer=crm.customers["a_home"],
        plan=crm.plan_hd,
        started_on=dt.date(2026, 1, 1),
    )
    kept = _send(
        client,
        "patch",
        f"{API}/subscriptions/{sub.pk}",
        {"plan_id": crm.plan_hd.pk, "status": "suspended"},
    )
    assert kept.status_code == 200, kept.content


def test_a_subscription_patch_is_exact_and_audited(crm: CrmWorld) -> None:
    sub = crm.subscriptions["b_home"]
    url = f"{API}/subscriptions/{sub.pk}"
    response = _send(
        crm.world.api("sales_b"), "patch", url, {"arrears": "0", "expires_on": "2026-12-31"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["arrears"] == "0.00"
    fresh = Subscription.objects.get(pk=sub.pk)
    assert fresh.arrears == Decimal("0.00") and fresh.expires_on == dt.date(2026, 12, 31)
    [entry] = _entries(sub, "update")
    assert entry.actor == crm.world.user("sales_b")
    bad = _send(crm.world.api("sales_b"), "patch", url, {"expires_on": "2020-01-01"})
    _assert_error(bad, 400)
    _assert_error(
        _send(crm.world.api("sales_b"), "patch", url, {"monthly_fee": None}), 422, "monthly_fee"
    )
    assert Subscription.objects.get(pk=sub.pk).expires_on == dt.date(2026, 12, 31)


def test_a_taken_account_number_is_400(crm: CrmWorld) -> None:
    client = crm.world.api("market_admin")
    first, second = (
        _send(
            client,
            "patch",
            f"{API}/subscriptions/{crm.subscriptions[key].pk}",
            {"account_no": "ACC-1"},
        )
        for key in ("a_home", "b_home")
    )
    assert first.status_code == 200
    assert _assert_error(second, 400)["errors"][0]["msg"] == "业务账号已被另一条订购使用。"
    assert Subscription.objects.filter(account_no="ACC-1").count() == 1


# --- competitor intelligence -----------------------------------------------------------


def test_intel_is_created_for_a_site_and_audited(crm: CrmWorld) -> None:
    site = crm.t.sites_a[1]
    body = {
        "competitor_id": _telecom().pk,
        "launched_on": "2020-06-01",
        "customers_estimate": 35,
        "install_quality": "good",
        "property_relationship": "close",
        "note": "物业合作",
    }
    response = _send(crm.world.api("account_a"), "post", f"{API}/sites/{site.pk}/intel", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["site_id"], out["competitor"], out["offers"]) == (site.pk, "中国电信", [])
    intel = CompetitorIntel.objects.get(pk=out["id"])
    assert (
        intel.launched_on == dt.date(2020, 6, 1)
        and intel.verified_by == crm.world.staff["account_a"]
    )
    [entry] = _entries(intel, "create")
    assert entry.actor == crm.world.user("account_a")
    again = _send(crm.world.api("account_a"), "post", f"{API}/sites/{site.pk}/intel", body)
    _assert_error(again, 400)
    assert CompetitorIntel.objects.filter(site=site).count() == 1


def test_intel_for_a_missing_site_or_competitor(crm: CrmWorld) -> None:
    client = crm.world.api("market_admin")
    missing_site = _send(
        client, "post", f"{API}/sites/99999999/intel", {"competitor_id": _telecom().pk}
    )
    _assert_error(missing_site, 404)
    site = crm.t.sites_a[1].pk
    missing = _send(client, "post", f"{API}/sites/{site}/intel", {"competitor_id": 2**62})
    _assert_error(missing, 400, "competitor_id")
    bad = _send(
        client,
        "post",
        f"{API}/sites/{site}/intel",
        {"competitor_id": _telecom().pk, "install_quality": "great"},
    )
    _assert_error(bad, 422, "install_quality")


def test_intel_is_edited_and_verified(crm: CrmWorld) -> None:
    url = f"{API}/intel/{crm.intel_a.pk}"
    client = crm.world.api("manager_a")
    body = {"after_sales_quality": "poor", "customers_estimate": None}
    response = _send(client, "patch", url, body)
    assert response.status_code == 200, response.content
    assert [o["id"] for o in response.json()["offers"]] == [crm.offer_a.pk]
    fresh = CompetitorIntel.objects.get(pk=crm.intel_a.pk)
    assert (
        fresh.after_sales_quality == Quality.POOR
        and fresh.property_relationship == Relationship.CLOSE
    )
    CompetitorIntel.objects.filter(pk=crm.intel_a.pk).update(verified_at=None)
    verified = _send(client, "post", f"{url}/verify")
    assert verified.status_code == 200 and verified.json()["resurvey_due"] is False
    fresh = CompetitorIntel.objects.get(pk=crm.intel_a.pk)
    assert fresh.verified_by == crm.world.staff["manager_a"]
    manager = crm.world.user("manager_a")
    assert len([e for e in _entries(fresh, "update") if e.actor == manager]) == 2
    assert client.get(url).json()["verified_by_id"] == crm.world.staff["manager_a"].pk


def test_an_offer_is_recorded_and_ended(crm: CrmWorld) -> None:
    client = crm.world.api("account_a")
    body = {
        "plan_name": "天翼千兆",
        "price": "1200",
        "period": "year",
        "bandwidth_mbps": 1000,
        "seen_on": "2026-03-01",
    }
    response = _send(client, "post", f"{API}/intel/{crm.intel_a.pk}/offers", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["price"], out["monthly_equivalent"], out["intel_id"]) == (
        "1200.00",
        "100.00",
        crm.intel_a.pk,
    )
    offer = CompetitorOffer.objects.get(pk=out["id"])
    assert offer.price == Decimal("1200.00") and offer.seen_on == dt.date(2026, 3, 1)
    assert _entries(offer, "create")[0].actor == crm.world.user("account_a")

    ended = _send(
        client, "patch", f"{API}/competitor-offers/{offer.pk}", {"ended_on": "2026-04-01"}
    )
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2026-04-01"
    assert CompetitorOffer.objects.get(pk=offer.pk).ended_on == dt.date(2026, 4, 1)
    assert _entries(offer, "update")[0].actor == crm.world.user("account_a")
    early = _send(
        client, "patch", f"{API}/competitor-offers/{offer.pk}", {"ended_on": "2026-01-01"}
    )
    _assert_error(early, 400)
    negative = _send(client, "patch", f"{API}/competitor-offers/{offer.pk}", {"price": "-5"})
    _assert_error(negative, 422, "price")
    assert CompetitorOffer.objects.get(pk=offer.pk).price == Decimal("1200.00")


# --- authentication and masking --------------------------------------------------------


def test_a_bearer_token_writes_without_csrf(crm: CrmWorld) -> None:
    token = crm.world.token("account_a")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")
    response = _send(client, "post", f"{API}/customers", _customer_body(crm))
    assert response.status_code == 201, response.content
    response = _send(client, "patch", _c("a_home")(crm), {"tier": "gold"})
    assert response.status_code == 200, response.content


def test_a_session_writes_only_with_the_csrf_token(crm: CrmWorld) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(crm.world.user("account_a"))
    client.get("/accounts/login/")  # a page with a form sets the CSRF cookie
    refused = _send(client, "patch", _c("a_home")(crm), {"tier": "gold"})
    assert _assert_error(refused, 401)["code"] == "csrf_failed"
    assert Customer.objects.get(pk=crm.customers["a_home"].pk).tier == "standard"
    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = _send(client, "patch", _c("a_home")(crm), {"tier": "gold"}, HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 200, accepted.content


@pytest.fixture
def manager_without_phones(monkeypatch: pytest.MonkeyPatch) -> None:
    without_action(monkeypatch, Role.GRID_MANAGER, CoreAction.VIEW_PHONE)


@pytest.mark.usefixtures("manager_without_phones")
def test_write_answers_mask_phones_like_the_reads(crm: CrmWorld) -> None:
    body = {**_customer_body(crm), "phone": "13812345678"}
    out = _send(crm.world.api("manager_a"), "post", f"{API}/customers", body).json()
    assert out["phone"] == "138****5678"
    assert Customer.objects.get(pk=out["id"]).phone == "13812345678"
    org = _send(crm.world.api("manager_a"), "post", f"{API}/organizations", _org_body(crm)).json()
    assert org["contact_phone"] == org["key_person_phone"] == "137****0001"
    mine = _send(
        crm.world.api("account_a"), "patch", f"{API}/customers/{out['id']}", {"tier": "key"}
    )
    assert mine.json()["phone"] == "13812345678"  # the owner's own customer


# --- the schema ------------------------------------------------------------------------


def test_the_bodies_offer_exactly_the_models_choices(crm: CrmWorld) -> None:
    schemas = (
        crm.world.client("market_admin").get("/api/openapi.json").json()["components"]["schemas"]
    )

    def enum(schema: str, field: str) -> set[str]:
        return set(schemas[schema]["properties"][field]["enum"])

    assert enum("CustomerIn", "relationship") == set(Customer.Relationship.values)
    assert enum("CustomerIn", "status") == {*Customer.Relationship.values, "key"}
    assert enum("CustomerIn", "tier") == set(Customer.Tier.values)
    assert enum("SubscriptionIn", "status") == set(Subscription.Status.values)
    assert enum("IntelIn", "install_quality") == set(Quality.values)
    assert enum("IntelIn", "property_relationship") == set(Relationship.values)
    assert enum("OfferIn", "kind") == set(CompetitorOffer.Kind.values)
    assert enum("OfferIn", "period") == set(CompetitorOffer.Period.values)
    assert schemas["SubscriptionIn"]["properties"]["arrears"]["type"] == "string"
    assert "code" in schemas["CustomerOut"]["properties"]
