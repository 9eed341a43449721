"""Every page carries a Content-Security-Policy: scripts only from our files or from inline
blocks with the request's nonce, no eval, no inline event handlers."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.personas import World
from tests.territory_world import build_territory

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def directives(response: object) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def nonce_of(response: object) -> str:
    [source] = [s for s in directives(response)["script-src"] if s.startswith("'nonce-")]
    return source[len("'nonce-") : -1]


def test_login_page_has_the_policy() -> None:
    response = Client().get("/accounts/login/")
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy["script-src"]


def test_each_request_gets_a_fresh_nonce() -> None:
    client = Client()
    assert nonce_of(client.get("/accounts/login/")) != nonce_of(client.get("/accounts/login/"))


def test_api_answers_carry_the_policy_too(world: World) -> None:
    response = world.api("market_admin").get("/api/org/grids")
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/accounts/login/",
        "/territory/map/",
        "/territory/plans/",
        "/territory/plans/{plan}/",
        "/territory/plans/{plan}/compare/",
        "/territory/plans/{plan}/editor/",
        "/crm/customers/",
        "/grids/",
    ],
)
def test_pages_have_no_inline_script_the_policy_would_block(world: World, url: str) -> None:
    t = build_territory(world, per_grid=2)
    response = world.client("market_admin").get(url.format(plan=t.plan.pk))
    assert response.status_code == 200
    html = response.content.decode()
    nonce = nonce_of(response)
    for attrs in SCRIPT_TAG.findall(html):
        runs_inline = "src=" not in attrs and "application/json" not in attrs
        if runs_inline:
            assert f'nonce="{nonce}"' in attrs, f"inline <script{attrs}> without the nonce"
    assert not HANDLER_ATTR.search(html), HANDLER_ATTR.search(html)
