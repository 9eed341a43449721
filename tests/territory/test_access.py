"""Permission matrix for the grid-division pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.personas import PERSONAS, World, assert_status_matrix, assert_visible_matrix
from tests.territory_world import Territory, build_territory
from wangge.core.access import SYSTEM
from wangge.territory import services

pytestmark = pytest.mark.django_db

FIELD_A = ("manager_a", "account_a", "tech_a")


def _in(*personas: str) -> dict[str, int]:
    return {p: (200 if p in personas else 404) for p in PERSONAS}


@pytest.fixture
def t(world: World) -> Territory:
    return build_territory(world, per_grid=4)


def test_site_list_shows_each_persona_the_sites_of_their_grids(t: Territory) -> None:
    a = {s.code for s in t.sites_a}
    b = {s.code for s in t.sites_b}
    expected = {
        "market_admin": a | b,
        "manager_a": a,
        "account_a": a,
        "sales_b": b,
        "tech_a": a,
        "agent_a": set(),
    }

    def seen(persona: str) -> set[str]:
        html = t.world.client(persona).get(reverse("territory:site_list")).content.decode()
        names = set(re.findall(r">([AB])小区(\d+)</a>", html))
        return {f"{k}{int(i):03d}" for k, i in names}

    assert_visible_matrix(t.world, seen, expected)


def test_site_detail_answers_404_outside_scope(t: Territory) -> None:
    url = reverse("territory:site_detail", args=[t.sites_b[0].pk])
    assert_status_matrix(t.world, url, _in("market_admin", "sales_b"))


def test_map_geojson_holds_only_the_personas_grids(t: Territory) -> None:
    expected = {
        "market_admin": {"A", "B"},
        "manager_a": {"A"},
        "account_a": {"A"},
        "sales_b": {"B"},
        "tech_a": {"A"},
        "agent_a": {"A"},
    }

    def seen(persona: str) -> set[str]:
        fc = t.world.client(persona).get(reverse("territory:active_geojson")).json()
        return {f["properties"]["code"] for f in fc["features"]}

    assert_visible_matrix(t.world, seen, expected)


def test_drafts_are_for_the_market_department_only(t: Territory) -> None:
    draft = services.plan_snapshot_current(actor=SYSTEM, name="草稿")
    for name in ("plan_detail", "plan_geojson"):
        assert_status_matrix(
            t.world, reverse(f"territory:{name}", args=[draft.pk]), _in("market_admin")
        )


def test_the_active_plan_is_for_planners_and_grid_managers(t: Territory) -> None:
    # Plans are the market department's work; grid managers read their grids' part of them
    # (tests/territory/test_plan_scope.py). Marketers and technicians use the grid map.
    url = reverse("territory:plan_detail", args=[t.plan.pk])
    assert_status_matrix(t.world, url, _in("market_admin", "manager_a"))


def test_plan_editing_pages_are_for_the_market_department_only(t: Territory) -> None:
    draft = services.plan_snapshot_current(actor=SYSTEM, name="草稿")
    for url in (
        reverse("territory:plan_auto"),
        reverse("territory:plan_import"),
        reverse("territory:plan_compare", args=[draft.pk]),
        reverse("territory:plan_editor", args=[draft.pk]),
    ):
        assert_status_matrix(t.world, url, _in("market_admin"))


def test_posts_that_change_plans_refuse_everyone_else(t: Territory) -> None:
    draft = services.plan_snapshot_current(actor=SYSTEM, name="草稿")
    for persona in ("manager_a", "sales_b", "agent_a"):
        client = t.world.client(persona)
        assert (
            client.post(
                reverse("territory:plan_activate", args=[draft.pk]),
                {"effective_from": "2026-09-01"},
            ).status_code
            == 404
        )
        assert client.post(reverse("territory:plan_delete", args=[draft.pk])).status_code == 404
        assert client.post(reverse("territory:plan_snapshot")).status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_grid_manager_sees_only_their_grids_in_a_plans_geojson(t: Territory) -> None:
    fc = t.world.client("manager_a").get(reverse("territory:plan_geojson", args=[t.plan.pk])).json()
    assert [f["properties"]["code"] for f in fc["features"]] == ["A"]


def test_api_sites_are_scoped_like_the_pages(t: Territory) -> None:
    expected = {
        "market_admin": {s.pk for s in t.sites_a + t.sites_b},
        **{p: {s.pk for s in t.sites_a} for p in FIELD_A},
        "sales_b": {s.pk for s in t.sites_b},
        "agent_a": set(),
    }

    def seen(persona: str) -> set[int]:
        response = t.world.api(persona).get("/api/territory/sites")
        if response.status_code == 404:  # agents hold no right to the grid's sites at all
            return set()
        return {i["id"] for i in response.json()["items"]}

    assert_visible_matrix(t.world, seen, expected)
    assert t.world.api("agent_a").get("/api/territory/sites").status_code == 404
    assert_status_matrix(
        t.world, f"/api/territory/sites/{t.sites_b[0].pk}", _in("market_admin", "sales_b"), api=True
    )


def test_api_active_grids_geojson_is_scoped(t: Territory) -> None:
    def seen(persona: str) -> set[str]:
        fc = t.world.api(persona).get("/api/territory/grids.geojson").json()
        return {f["properties"]["code"] for f in fc["features"]}

    assert_visible_matrix(
        t.world,
        seen,
        {
            "market_admin": {"A", "B"},
            "manager_a": {"A"},
            "account_a": {"A"},
            "sales_b": {"B"},
            "tech_a": {"A"},
            "agent_a": {"A"},
        },
    )


def test_api_plan_writes_are_for_the_market_department_only(t: Territory) -> None:
    draft = services.plan_snapshot_current(actor=SYSTEM, name="草稿")
    assert_status_matrix(t.world, f"/api/territory/plans/{draft.pk}", _in("market_admin"), api=True)
    for persona in ("manager_a", "sales_b", "agent_a", "tech_a"):
        r = t.world.api(persona).post(
            f"/api/territory/plans/{draft.pk}/activate",
            data={"effective_from": "2026-09-01"},
            content_type="application/json",
        )
        assert r.status_code == 404
    r = t.world.api("market_admin").post(
        f"/api/territory/plans/{draft.pk}/activate",
        data={"effective_from": "2026-09-01"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "active"


def test_api_refuses_a_bad_activation_date_with_400(t: Territory) -> None:
    draft = services.plan_snapshot_current(actor=SYSTEM, name="草稿")
    r = t.world.api("market_admin").post(
        f"/api/territory/plans/{draft.pk}/activate",
        data={"effective_from": "2025-01-01"},
        content_type="application/json",
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["loc"] == ["body", "effective_from"]
