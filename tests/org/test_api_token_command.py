from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tests.personas import World
from wangge.org.models import ApiToken

pytestmark = pytest.mark.django_db


def test_api_token_command_prints_a_working_key_and_stores_only_its_hash(world: World) -> None:
    out = io.StringIO()
    call_command("api_token", "manager_a", "billing sync", stdout=out, stderr=io.StringIO())
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(name="billing sync")
    assert raw not in {token.key_hash, token.prefix}
    assert ApiToken.objects.authenticate(raw) == token
    response = world.client(None).get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["username"] == "manager_a"


def test_api_token_command_refuses_unknown_users(world: World) -> None:
    with pytest.raises(CommandError):
        call_command("api_token", "nobody", "x", stdout=io.StringIO())
