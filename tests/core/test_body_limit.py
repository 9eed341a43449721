"""A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413: the API in its error shape, pages with
a page. Never Django's 400 (or a traceback in DEBUG)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.personas import World

pytestmark = pytest.mark.django_db

LIMIT = 2000


@pytest.fixture(autouse=True)
def _small_limit(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT


def big_json() -> str:
    return json.dumps({"name": "客" * LIMIT})


def test_api_body_over_the_limit_answers_413_in_the_error_shape(world: World) -> None:
    response = world.api("market_admin").post(
        "/api/crm/customers", data=big_json(), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "Request body is too large.",
        "code": "too_large",
        "errors": [],
    }


def test_api_body_over_the_limit_answers_413_for_a_browser_session_too(world: World) -> None:
    response = world.client("market_admin").patch(
        "/api/crm/customers/1", data=big_json(), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_api_handler_answers_413_when_the_body_is_refused_while_read(
    world: World, settings: Any
) -> None:
    """Without the early check (a length only known once read) the API's handler answers."""
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "wangge.core.middleware.BodyLimitMiddleware"
    ]
    response = world.api("market_admin").post(
        "/api/crm/customers", data=big_json(), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_api_body_under_the_limit_is_served_as_usual(world: World) -> None:
    response = world.api("market_admin").post(
        "/api/crm/customers", data=json.dumps({}), content_type="application/json"
    )
    assert response.status_code == 422


def test_page_form_over_the_limit_answers_a_413_page(world: World) -> None:
    response = world.client("market_admin").post("/crm/customers/new/", {"name": "x" * LIMIT})
    assert response.status_code == 413
    assert "提交内容过大" in response.content.decode()


def test_page_multipart_fields_over_the_limit_answer_a_413_page(world: World) -> None:
    """Multipart bodies pass the early check (files do not count); their fields still do."""
    client = world.client("market_admin")
    response = client.post("/crm/customers/new/", {"name": "x" * LIMIT, "f": ""})
    assert response.status_code == 413


def test_form_refused_while_csrf_reads_it_answers_a_413_page(world: World) -> None:
    """With CSRF enforced the middleware parses the form first; the 400 handler maps it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("market_admin"))
    client.get("/crm/customers/new/")  # the CSRF cookie, so that CSRF goes on to read the form
    response = client.post("/crm/customers/new/", {"name": "x" * LIMIT})  # multipart
    assert response.status_code == 413
    assert "提交内容过大" in response.content.decode()
