"""Login throttling (django-axes): ten wrong passwords for one username from one address lock
that pair for the cool-off, the login page says so in plain words, and an admin can unlock.

The test settings switch axes off (it wants a request in every `authenticate()`); these tests
switch it on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client

from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _axes_on(settings: Any) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=30)


def attempt(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def fail(client: Client, username: str, times: int, **extra: Any) -> Any:
    response = None
    for _ in range(times):
        response = attempt(client, username, "wrong-password", **extra)
    return response


def test_nine_wrong_passwords_still_let_the_right_one_in(world: World) -> None:
    client = Client()
    assert fail(client, "account_a", 9).status_code == 200
    assert attempt(client, "account_a", PASSWORD).status_code == 302


def test_tenth_wrong_password_locks_the_login_with_a_clear_message(world: World) -> None:
    client = Client()
    response = fail(client, "account_a", 10)
    assert response.status_code == 429
    page = response.content.decode()
    assert "该账号已暂时锁定" in page and "30 分钟后再试" in page
    assert 'name="username"' in page  # the login page itself, not a bare error page

    right = attempt(client, "account_a", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(world: World) -> None:
    fail(Client(), "account_a", 10)
    assert attempt(Client(), "manager_a", PASSWORD).status_code == 302
    other_address = attempt(Client(), "account_a", PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert other_address.status_code == 302


def test_a_forwarded_for_header_does_not_dodge_the_lockout(world: World) -> None:
    fail(Client(), "account_a", 10, HTTP_X_FORWARDED_FOR="10.9.9.1")
    response = attempt(Client(), "account_a", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.2")
    assert response.status_code == 429


def test_lockout_ends_after_the_cool_off(world: World) -> None:
    start = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        fail(Client(), "account_a", 10)
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert attempt(Client(), "account_a", PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        assert attempt(Client(), "account_a", PASSWORD).status_code == 302


def test_an_admin_unlocks_by_deleting_the_attempt(world: World) -> None:
    fail(Client(), "account_a", 10)
    [locked] = AccessAttempt.objects.filter(username="account_a")
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456")
    admin = Client()
    admin.force_login(root)
    assert admin.get("/admin/axes/accessattempt/").status_code == 200
    response = admin.post(f"/admin/axes/accessattempt/{locked.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert attempt(Client(), "account_a", PASSWORD).status_code == 302


def test_bearer_tokens_and_sessions_work_with_throttling_on(world: World) -> None:
    assert world.api("account_a").get("/api/me").status_code == 200
    assert world.client("account_a").get("/").status_code == 200
    fail(Client(), "account_a", 10)
    # A locked login blocks new password logins only: tokens are a separate credential.
    assert world.api("account_a").get("/api/me").status_code == 200
