"""The plan frontier: computed in the background, shown on the plan page, one point chosen."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.personas import World
from tests.territory_world import Territory, build_territory
from wangge.core.models import AuditEntry
from wangge.territory import frontier
from wangge.territory.models import GridPlan, Site

pytestmark = pytest.mark.django_db

PARAMS: dict[str, Any] = {
    "name": "前沿",
    "k": 3,
    "attributes": ["households", "customers"],
    "tolerance": 0.1,
    "secondary_tolerance": 0.1,
    "compactness": 0.5,
}


@pytest.fixture
def t(world: World, django_capture_on_commit_callbacks: Any) -> Territory:
    t = build_territory(world)
    t.commit = django_capture_on_commit_callbacks  # type: ignore[attr-defined]
    return t


def _frontier_plan(t: Territory, points: int = 3) -> GridPlan:
    # Tasks run inline in tests once the transaction commits: here, when the call returns.
    with t.commit(execute=True):  # type: ignore[attr-defined]
        plan = frontier.plan_frontier_create(
            actor=t.world.user("market_admin"), points=points, **PARAMS
        )
    plan.refresh_from_db()
    return plan


def test_the_worker_keeps_every_points_figures_and_no_grids_yet(t: Territory) -> None:
    plan = _frontier_plan(t)
    assert plan.progress == 1 and not plan.failed and not plan.running
    assert plan.params["frontier"] == 3
    assert not plan.grids.exists()
    points = frontier.frontier_points(plan)
    settings = [p["setting"] for p in points]
    assert 1 <= len(points) <= 3 and settings == sorted(settings, reverse=True)
    assert not any(p["dominated"] for p in points)
    n_units = Site.objects.filter(estate__isnull=True).count()
    for p in points:
        assert "assignment" not in p
        assert set(p["max_deviation"]) == {"households", "customers"}
        assert p["disconnected"] == [] and 0 < p["compactness_mean"] <= 1
    stored = plan.summary["frontier"]["points"]
    assert all(len(p["assignment"]) == n_units for p in stored)


def test_a_chosen_point_becomes_the_drafts_grids_once(t: Territory) -> None:
    plan = _frontier_plan(t)
    last = len(plan.summary["frontier"]["points"]) - 1
    chosen = plan.summary["frontier"]["points"][last]
    admin = t.world.user("market_admin")
    frontier.plan_frontier_pick(actor=admin, plan=plan, index=last)
    plan.refresh_from_db()
    assert plan.grids.count() == 3
    assert plan.summary["frontier"]["chosen"] == last
    assert "assignment" not in plan.summary["frontier"]["points"][last]
    assert plan.summary["outside_count"] == 0
    got = plan.summary["partition"]["max_deviation"]
    assert got == pytest.approx(chosen["max_deviation"])
    assert plan.summary["balance"]["households"]["max_deviation"] == pytest.approx(
        chosen["max_deviation"]["households"]
    )
    assert frontier.frontier_points(plan) == []
    assert AuditEntry.objects.filter(
        object_id=str(plan.pk), after__frontier_point=last + 1
    ).exists()
    with pytest.raises(ValidationError):
        frontier.plan_frontier_pick(actor=admin, plan=plan, index=0)


def test_bad_requests_are_refused_and_nothing_is_written(t: Territory) -> None:
    admin = t.world.user("market_admin")
    with pytest.raises(ValidationError):
        frontier.plan_frontier_create(
            actor=admin, points=3, **{**PARAMS, "attributes": ["households"]}
        )
    with pytest.raises(ValidationError):
        frontier.plan_frontier_create(actor=admin, points=11, **PARAMS)
    with pytest.raises(PermissionDenied):
        frontier.plan_frontier_create(actor=t.world.user("manager_a"), points=3, **PARAMS)
    plan = _frontier_plan(t)
    with pytest.raises(PermissionDenied):
        frontier.plan_frontier_pick(actor=t.world.user("manager_a"), plan=plan, index=0)
    with pytest.raises(ValidationError):
        frontier.plan_frontier_pick(actor=admin, plan=plan, index=10)
    Site.objects.filter(pk=t.sites_a[0].pk).delete()  # the units changed since
    with pytest.raises(ValidationError):
        frontier.plan_frontier_pick(actor=admin, plan=plan, index=0)
    plan.refresh_from_db()
    assert not plan.grids.exists() and plan.summary["frontier"].get("chosen") is None


def test_the_page_starts_shows_and_picks_the_frontier(t: Territory) -> None:
    client = t.world.client("market_admin")
    form = {
        "name": "页面前沿",
        "k": 3,
        "primary": "households",
        "secondary": ["customers"],
        "tolerance": "10",
        "secondary_tolerance": "10",
        "compactness": "50",
        "frontier": "1",
    }
    with t.commit(execute=True):  # type: ignore[attr-defined]
        response = client.post(reverse("territory:plan_auto"), form)
    plan = GridPlan.objects.get(name="页面前沿")
    assert response.status_code == 302 and plan.params["frontier"] == 5
    n = len(plan.summary["frontier"]["points"])
    page = client.get(reverse("territory:plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="frontier"' in page and page.count('name="point"') == n
    assert 'id="frontier-data"' in page and "plan-frontier.js" in page
    # Managers read plans but do not choose: no frontier, no buttons.
    other = t.world.client("manager_a").get(reverse("territory:plan_detail", args=[plan.pk]))
    assert 'name="point"' not in other.content.decode()
    url = reverse("territory:plan_frontier_pick", args=[plan.pk])
    assert t.world.client("manager_a").post(url, {"point": "0"}).status_code == 404
    assert client.post(url, {"point": str(n - 1)}).status_code == 302
    plan.refresh_from_db()
    assert plan.grids.count() == 3 and plan.summary["frontier"]["chosen"] == n - 1
    page = client.get(reverse("territory:plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="summary"' in page and 'name="point"' not in page
    # Without a secondary attribute the form says why.
    form["secondary"] = []
    response = client.post(reverse("territory:plan_auto"), form)
    assert (
        response.status_code == 200
        and "方案前沿需要至少一个其他均衡指标" in response.content.decode()
    )


def test_the_api_summary_leaves_the_assignments_out_and_gives_one_on_request(
    t: Territory,
) -> None:
    plan = _frontier_plan(t)
    api = t.world.api("market_admin")
    summary = api.get(f"/api/territory/plans/{plan.pk}").json()["summary"]
    stored = plan.summary["frontier"]["points"]
    assert "site_ids" not in summary["frontier"]
    assert summary["frontier"]["attributes"] == ["households", "customers"]
    assert [p["setting"] for p in summary["frontier"]["points"]] == [p["setting"] for p in stored]
    assert not any("assignment" in p for p in summary["frontier"]["points"])

    url = f"/api/territory/plans/{plan.pk}/frontier"
    body = api.get(url).json()
    assert body["point"] is None and body["chosen"] is None
    assert [p["index"] for p in body["points"]] == list(range(len(stored)))
    last = len(stored) - 1
    point = api.get(f"{url}?point={last}").json()["point"]
    units = list(Site.objects.filter(estate__isnull=True).values_list("id", flat=True))
    assert sorted(point["site_ids"]) == sorted(units)
    assert point["assignment"] == [g + 1 for g in stored[last]["assignment"]]
    assert set(point["assignment"]) == {1, 2, 3}
    assert api.get(f"{url}?point={last + 1}").status_code == 404
    assert api.get(f"{url}?point=-1").status_code == 422
    for persona in ("manager_a", "account_a", "agent_a"):
        assert t.world.api(persona).get(f"{url}?point=0").status_code == 404

    frontier.plan_frontier_pick(actor=t.world.user("market_admin"), plan=plan, index=last)
    body = api.get(url).json()
    assert body["chosen"] == last and len(body["points"]) == len(stored)
    assert api.get(f"{url}?point=0").status_code == 404  # the assignments are gone once chosen
