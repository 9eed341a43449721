"""The API's behaviour: authentication, the error shape, a write, and the documentation page."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.templatetags.static import static
from django.test import Client
from django.utils import timezone

from tests.personas import World
from wangge.core.models import AuditEntry
from wangge.org.models import ApiToken, Grid

pytestmark = pytest.mark.django_db

GRIDS = "/api/org/grids"
ERROR_KEYS = {"detail", "code", "errors"}


def _new_grid(world: World, code: str = "C") -> dict[str, Any]:
    return {"code": code, "name": "网格丙", "region_id": world.region_a.pk}


def _post(client: Client, url: str, data: Any, **extra: Any) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json", **extra)


def _patch(client: Client, url: str, data: Any) -> Any:
    return client.patch(url, data=json.dumps(data), content_type="application/json")


def _assert_error_shape(body: dict[str, Any]) -> None:
    assert set(body) == ERROR_KEYS, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    for error in body["errors"]:
        assert set(error) == {"loc", "msg"}, error


# --- authentication -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/api/me"), ("get", GRIDS), ("get", "/api/org/staff"), ("post", GRIDS)],
)
def test_no_credentials_is_401(world: World, method: str, url: str) -> None:
    response = getattr(Client(), method)(url)
    assert response.status_code == 401
    _assert_error_shape(response.json())
    assert response.json()["code"] == "unauthenticated"


def test_bearer_token_authenticates(world: World) -> None:
    response = world.api("manager_a").get("/api/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "manager_a"
    assert body["role"] == "grid_manager"
    assert body["grid_ids"] == [world.grid_a.pk]
    assert body["everything"] is False


def test_bearer_token_records_last_use(world: World) -> None:
    world.api("manager_a").get("/api/me")
    assert ApiToken.objects.get(user=world.user("manager_a")).last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer wg_not-a-real-token", "Token abc", "Bearer "])
def test_unknown_or_malformed_token_is_401(world: World, header: str) -> None:
    response = Client(HTTP_AUTHORIZATION=header).get("/api/me")
    assert response.status_code == 401
    _assert_error_shape(response.json())


def test_revoked_token_is_refused(world: World) -> None:
    client = world.api("manager_a")
    assert client.get("/api/me").status_code == 200
    ApiToken.objects.filter(user=world.user("manager_a")).update(revoked_at=timezone.now())
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_token_of_disabled_user_is_refused(world: World) -> None:
    client = world.api("manager_a")
    user = world.user("manager_a")
    user.is_active = False
    user.save()
    assert client.get("/api/me").status_code == 401


def test_session_authenticates(world: World) -> None:
    response = world.client("account_a").get("/api/me")
    assert response.status_code == 200
    assert response.json()["username"] == "account_a"


def test_bearer_write_needs_no_csrf_token(world: World) -> None:
    """Integrations send no cookie and no CSRF token; the browser's CSRF rule must not stop them."""
    token = world.token("market_admin")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")
    response = _post(client, GRIDS, _new_grid(world))
    assert response.status_code == 201, response.content


def test_session_write_needs_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("market_admin"))
    client.get("/accounts/login/")  # a page with a form sets the CSRF cookie

    refused = _post(client, GRIDS, _new_grid(world, "C1"))
    assert refused.status_code == 401
    _assert_error_shape(refused.json())
    assert refused.json()["code"] == "csrf_failed"
    assert not Grid.objects.filter(code="C1").exists()

    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = _post(client, GRIDS, _new_grid(world, "C2"), HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201, accepted.content


# --- error shape --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", [b"{not json", b'{"code": "C",', b"\xff\xfe", b"[1, 2]", b'"text"', b"null"]
)
def test_malformed_body_answers_in_the_error_shape(world: World, raw: bytes) -> None:
    client = world.api("market_admin")
    for response in (
        client.post(GRIDS, data=raw, content_type="application/json"),
        client.patch(f"{GRIDS}/{world.grid_a.pk}", data=raw, content_type="application/json"),
    ):
        assert response.status_code in (400, 422), response.content
        _assert_error_shape(response.json())
    world.grid_a.refresh_from_db()
    assert world.grid_a.name == "网格甲"


def test_invalid_field_names_the_field(world: World) -> None:
    response = _post(world.api("market_admin"), GRIDS, {**_new_grid(world), "is_active": 0})
    assert response.status_code == 422
    body = response.json()
    _assert_error_shape(body)
    assert body["code"] == "invalid"
    assert any(e["loc"][-1] == "is_active" for e in body["errors"]), body


@pytest.mark.parametrize("field", ["code", "name", "note"])
def test_nul_in_text_is_422_not_a_database_error(world: World, field: str) -> None:
    data = {**_new_grid(world), field: "a\x00b"}
    response = _post(world.api("market_admin"), GRIDS, data)
    assert response.status_code == 422
    assert any(e["loc"][-1] == field for e in response.json()["errors"])


@pytest.mark.parametrize("grid_id", ["0", "-1", str(2**63), "1e3", "abc"])
def test_out_of_range_ids_are_422(world: World, grid_id: str) -> None:
    response = world.api("market_admin").get(f"{GRIDS}/{grid_id}")
    assert response.status_code == 422
    _assert_error_shape(response.json())


def test_largest_id_is_a_plain_404(world: World) -> None:
    response = world.api("market_admin").get(f"{GRIDS}/{2**63 - 1}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- writes -------------------------------------------------------------------------------


def test_market_admin_creates_a_grid_and_it_is_audited(world: World) -> None:
    response = _post(world.api("market_admin"), GRIDS, _new_grid(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "C"
    assert body["region_id"] == world.region_a.pk
    grid = Grid.objects.get(pk=body["id"])
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Grid), object_id=str(grid.pk)
    )
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.actor == world.user("market_admin")
    assert entry.after is not None and entry.after["code"] == "C"


def test_grid_manager_cannot_create_a_grid(world: World) -> None:
    client = world.api("manager_a")  # issuing the token is itself audited
    audited = AuditEntry.objects.count()
    response = _post(client, GRIDS, _new_grid(world))
    assert response.status_code == 404
    _assert_error_shape(response.json())
    assert not Grid.objects.filter(code="C").exists()
    assert AuditEntry.objects.count() == audited


def test_unknown_region_is_400_naming_the_field(world: World) -> None:
    response = _post(world.api("market_admin"), GRIDS, {**_new_grid(world), "region_id": 2**62})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"loc": ["body", "region_id"], "msg": "No such region."}]


def test_patch_changes_only_what_it_names(world: World) -> None:
    response = _patch(world.api("market_admin"), f"{GRIDS}/{world.grid_a.pk}", {"note": "备注"})
    assert response.status_code == 200, response.content
    world.grid_a.refresh_from_db()
    assert (world.grid_a.note, world.grid_a.name) == ("备注", "网格甲")


@pytest.mark.parametrize("field", ["code", "name", "region_id", "is_active", "note"])
def test_patch_cannot_null_a_required_field(world: World, field: str) -> None:
    response = _patch(world.api("market_admin"), f"{GRIDS}/{world.grid_a.pk}", {field: None})
    assert response.status_code == 422, response.content
    assert [e["loc"][-1] for e in response.json()["errors"]] == [field]


def test_patch_may_clear_the_service_point(world: World) -> None:
    url = f"{GRIDS}/{world.grid_a.pk}"
    response = _patch(world.api("market_admin"), url, {"service_point_id": None})
    assert response.status_code == 200, response.content
    world.grid_a.refresh_from_db()
    assert world.grid_a.service_point is None


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[111.0, 27.0], [111.1, 27.0], [111.1, 27.1], [111.0, 27.1], [111.0, 27.0]]],
}


@pytest.mark.parametrize(
    "boundary",
    [
        {"type": "Point", "coordinates": [111.0, 27.0]},
        {"type": "Polygon"},
        {"type": "Polygon", "coordinates": "nope"},
        {"type": "Polygon", "coordinates": [[[1, 2], [3]]]},
        {"coordinates": SQUARE["coordinates"]},
        {"type": "Polygon", "coordinates": [[[500, 27], [501, 27], [501, 28], [500, 27]]]},
        # A bow tie: parses, but crosses itself.
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
    ],
)
def test_patch_with_invalid_boundary_is_400_naming_boundary(
    world: World, boundary: dict[str, Any]
) -> None:
    response = _patch(
        world.api("market_admin"), f"{GRIDS}/{world.grid_a.pk}", {"boundary": boundary}
    )
    assert response.status_code == 400, response.content
    body = response.json()
    _assert_error_shape(body)
    assert body["code"] == "rejected"
    assert [e["loc"] for e in body["errors"]] == [["body", "boundary"]]
    world.grid_a.refresh_from_db()
    assert world.grid_a.boundary is None


def test_patch_with_valid_boundary_stores_it(world: World) -> None:
    url = f"{GRIDS}/{world.grid_a.pk}"
    response = _patch(world.api("market_admin"), url, {"boundary": {**SQUARE, "stray": 1}})
    assert response.status_code == 200, response.content
    world.grid_a.refresh_from_db()
    assert world.grid_a.boundary is not None
    assert world.grid_a.boundary["type"] == "Polygon"
    assert "stray" not in world.grid_a.boundary


# --- schema and docs ----------------------------------------------------------------------


def test_openapi_declares_the_error_answers_for_every_operation(world: World) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    operations = [
        (method, path, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) >= 8
    error_ref = "#/components/schemas/ErrorOut"
    for method, path, op in operations:
        for status in ("400", "401", "404", "422"):
            assert status in op["responses"], f"{method.upper()} {path} lacks {status}"
            content = op["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": error_ref}, (method, path, status)
        assert op.get("security"), f"{method.upper()} {path} is not marked as authenticated"
    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == ERROR_KEYS


def test_docs_page_renders_from_local_static_files(world: World) -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    external = re.findall(r'(?:src|href)="((?:https?:)?//[^"]+)"', html)
    assert external == [], external
    assert static("ninja/swagger-ui-bundle.js") in html
    assert static("ninja/swagger-ui.css") in html
