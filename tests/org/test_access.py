"""The permission matrix: every organisation page and endpoint, every persona."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tests.personas import World, assert_status_matrix, assert_visible_matrix

pytestmark = pytest.mark.django_db

ALL = dict.fromkeys(("market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a"), 200)
ADMIN_ONLY = {**dict.fromkeys(ALL, 404), "market_admin": 200}


def _in(*personas: str) -> dict[str, int]:
    return {p: (200 if p in personas else 404) for p in ALL}


def _grid_codes_on_page(world: World, persona: str) -> set[str]:
    html = world.client(persona).get(reverse("org:grid_list")).content.decode()
    return set(re.findall(r"<tr><td>([AB])</td>", html))


def _staff_nos_on_page(world: World, persona: str) -> set[str]:
    html = world.client(persona).get(reverse("org:staff_list")).content.decode()
    return set(re.findall(r"<tr><td>([A-Z_]+)</td>", html))


GRIDS_SEEN = {
    "market_admin": {"A", "B"},
    "manager_a": {"A"},
    "account_a": {"A"},
    "sales_b": {"B"},
    "tech_a": {"A"},
    "agent_a": {"A"},
}
TEAM_A = {"MANAGER_A", "ACCOUNT_A", "TECH_A", "AGENT_A"}
STAFF_SEEN = {
    "market_admin": {*TEAM_A, "SALES_B", "MANAGER_B", "MARKET_ADMIN"},
    "manager_a": TEAM_A,
    "account_a": TEAM_A,
    "sales_b": {"SALES_B", "MANAGER_B"},
    "tech_a": TEAM_A,
    "agent_a": {"AGENT_A"},
}


def test_grid_list_shows_each_persona_exactly_their_grids(world: World) -> None:
    assert_visible_matrix(world, lambda p: _grid_codes_on_page(world, p), GRIDS_SEEN)


def test_staff_list_shows_each_persona_exactly_their_team(world: World) -> None:
    assert_visible_matrix(world, lambda p: _staff_nos_on_page(world, p), STAFF_SEEN)


def test_grid_detail_pages_answer_404_outside_scope(world: World) -> None:
    a = reverse("org:grid_detail", args=[world.grid_a.pk])
    b = reverse("org:grid_detail", args=[world.grid_b.pk])
    assert_status_matrix(
        world, a, _in("market_admin", "manager_a", "account_a", "tech_a", "agent_a")
    )
    assert_status_matrix(world, b, _in("market_admin", "sales_b"))


def test_missing_grid_answers_the_same_404_as_a_forbidden_one(world: World) -> None:
    client = world.client("sales_b")
    missing_url = reverse("org:grid_detail", args=[999999])
    forbidden_url = reverse("org:grid_detail", args=[world.grid_a.pk])
    missing = client.get(missing_url)
    forbidden = client.get(forbidden_url)
    assert missing.status_code == forbidden.status_code == 404
    # Only the per-request token, the script nonce and the page's own address may differ.
    strip = re.compile(r'(X-CSRFToken": "|csrfmiddlewaretoken" value="|nonce=")[^"]+')
    a = strip.sub("", missing.content.decode()).replace(missing_url, "URL")
    b = strip.sub("", forbidden.content.decode()).replace(forbidden_url, "URL")
    assert a == b


def test_staff_detail_pages_follow_the_team_scope(world: World) -> None:
    for staff in world.staff.values():
        url = reverse("org:staff_detail", args=[staff.pk])
        staff_no = staff.employee_no
        expected = {p: 200 if staff_no in STAFF_SEEN[p] else 404 for p in ALL}
        assert_status_matrix(world, url, expected)


def test_edit_and_create_pages_are_for_the_market_department_only(world: World) -> None:
    for url in (
        reverse("org:grid_create"),
        reverse("org:grid_edit", args=[world.grid_a.pk]),
        reverse("org:staff_create"),
        reverse("org:staff_edit", args=[world.staff["account_a"].pk]),
    ):
        assert_status_matrix(world, url, ADMIN_ONLY)


def test_edit_posts_from_other_roles_change_nothing(world: World) -> None:
    url = reverse("org:grid_edit", args=[world.grid_a.pk])
    for persona in ("manager_a", "account_a", "agent_a"):
        response = world.client(persona).post(url, {"code": "A", "name": "改名"})
        assert response.status_code == 404
    world.grid_a.refresh_from_db()
    assert world.grid_a.name == "网格甲"


def test_team_pages_are_scoped(world: World) -> None:
    assert_status_matrix(
        world,
        reverse("org:team_detail", args=[world.team_a.pk]),
        _in("market_admin", "manager_a", "account_a", "tech_a"),
    )
    assert_status_matrix(
        world, reverse("org:team_detail", args=[world.team_b.pk]), _in("market_admin", "sales_b")
    )
    # The virtual team is visible to its members from both grids, and to their grids' people.
    assert_status_matrix(
        world,
        reverse("org:team_detail", args=[world.virtual.pk]),
        _in("market_admin", "tech_a", "sales_b"),
    )


def test_audit_log_is_for_the_market_department_only(world: World) -> None:
    assert_status_matrix(world, reverse("core:audit_list"), ADMIN_ONLY)


def test_home_and_lists_answer_every_persona(world: World) -> None:
    for name in ("home", "org:grid_list", "org:staff_list", "org:team_list"):
        assert_status_matrix(world, reverse(name), ALL)


def test_anonymous_users_are_sent_to_login(world: World) -> None:
    client = world.client(None)
    for url in (
        reverse("home"),
        reverse("org:grid_list"),
        reverse("core:audit_list"),
        reverse("org:grid_detail", args=[world.grid_a.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- API: the same matrix through a bearer token --------------------------------------------


def _api_ids(world: World, persona: str, url: str) -> set[Any]:
    body = world.api(persona).get(url).json()
    items = body["items"] if isinstance(body, dict) else body
    return {item["id"] for item in items}


def test_api_grid_list_matches_the_page_scope(world: World) -> None:
    ids = {"A": world.grid_a.pk, "B": world.grid_b.pk}
    expected = {p: {ids[c] for c in codes} for p, codes in GRIDS_SEEN.items()}
    assert_visible_matrix(world, lambda p: _api_ids(world, p, "/api/org/grids"), expected)


def test_api_staff_list_matches_the_page_scope(world: World) -> None:
    by_no = {s.employee_no: s.pk for s in world.staff.values()}
    expected = {p: {by_no[n] for n in nos} for p, nos in STAFF_SEEN.items()}
    assert_visible_matrix(world, lambda p: _api_ids(world, p, "/api/org/staff"), expected)


def test_api_detail_endpoints_answer_404_outside_scope(world: World) -> None:
    assert_status_matrix(
        world, f"/api/org/grids/{world.grid_b.pk}", _in("market_admin", "sales_b"), api=True
    )
    assert_status_matrix(
        world,
        f"/api/org/staff/{world.staff['manager_b'].pk}",
        _in("market_admin", "sales_b"),
        api=True,
    )


def test_api_writes_are_for_the_market_department_only(world: World) -> None:
    expected = ADMIN_ONLY
    assert_status_matrix(
        world,
        f"/api/org/grids/{world.grid_a.pk}",
        expected,
        method="patch",
        data={"note": "巡检"},
        api=True,
    )


def test_api_team_list_is_scoped(world: World) -> None:
    expected = {
        "market_admin": {world.team_a.pk, world.team_b.pk, world.virtual.pk},
        "manager_a": {world.team_a.pk},
        "account_a": {world.team_a.pk},
        "sales_b": {world.team_b.pk, world.virtual.pk},
        "tech_a": {world.team_a.pk, world.virtual.pk},
        "agent_a": set(),
    }
    assert_visible_matrix(world, lambda p: _api_ids(world, p, "/api/org/teams"), expected)


def test_grid_form_offers_only_visible_regions(world: World) -> None:
    from wangge.org.forms import GridForm

    form = GridForm(user=world.user("market_admin"))
    assert set(form.fields["region"].queryset) == {world.region_a, world.region_b}  # type: ignore[attr-defined]
    form = GridForm(user=world.user("sales_b"))
    assert set(form.fields["region"].queryset) == {world.region_b}  # type: ignore[attr-defined]
