"""Grid plans are the market department's: planners see every plan with the county's figures,
grid managers read plans with only their own grids' figures, everyone else gets 404. Pages
and the API read through the same selectors, so they agree."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.personas import PERSONAS, World, assert_status_matrix
from tests.territory_world import Territory, build_territory

pytestmark = pytest.mark.django_db

READERS = ("market_admin", "manager_a")


@pytest.fixture
def t(world: World) -> Territory:
    return build_territory(world, per_grid=4)


def readers_only() -> dict[str, int]:
    return {p: 200 if p in READERS else 404 for p in PERSONAS}


def test_plan_pages_are_for_planners_and_grid_managers_only(t: Territory) -> None:
    pk = t.plan.pk
    for url in (
        reverse("territory:plan_list"),
        reverse("territory:plan_detail", args=[pk]),
        reverse("territory:plan_geojson", args=[pk]),
    ):
        assert_status_matrix(t.world, url, readers_only())


def test_plan_api_is_for_planners_and_grid_managers_only(t: Territory) -> None:
    pk = t.plan.pk
    for url in (
        "/api/territory/plans",
        f"/api/territory/plans/{pk}",
        f"/api/territory/plans/{pk}/geojson",
    ):
        assert_status_matrix(t.world, url, readers_only(), api=True)


def test_a_grid_manager_reads_only_their_grids_figures_on_the_plan_page(t: Territory) -> None:
    url = reverse("territory:plan_detail", args=[t.plan.pk])
    manager = t.world.client("manager_a").get(url)
    assert [g.code for g in manager.context["grids"]] == ["A"]
    assert 'data-testid="summary"' not in manager.content.decode()

    planner = t.world.client("market_admin").get(url)
    assert [g.code for g in planner.context["grids"]] == ["A", "B"]
    assert 'data-testid="summary"' in planner.content.decode()


def test_plan_list_shows_county_figures_to_planners_only(t: Territory) -> None:
    url = reverse("territory:plan_list")
    assert t.world.client("manager_a").get(url).context["figures"] is False
    assert t.world.client("market_admin").get(url).context["figures"] is True


def test_api_plan_detail_gives_county_figures_to_planners_only(t: Territory) -> None:
    url = f"/api/territory/plans/{t.plan.pk}"
    assert t.world.api("market_admin").get(url).json()["summary"]["grids"] == 2
    assert t.world.api("manager_a").get(url).json()["summary"] == {}
    listed = t.world.api("manager_a").get("/api/territory/plans").json()
    assert [p["summary"] for p in listed] == [{}]


def test_page_and_api_geojson_agree_for_each_reader(t: Territory) -> None:
    pk = t.plan.pk
    for persona, codes in (("market_admin", ["A", "B"]), ("manager_a", ["A"])):
        page = t.world.client(persona).get(reverse("territory:plan_geojson", args=[pk])).json()
        api = t.world.api(persona).get(f"/api/territory/plans/{pk}/geojson").json()
        assert [f["properties"]["code"] for f in page["features"]] == codes
        assert [f["properties"]["code"] for f in api["features"]] == codes
