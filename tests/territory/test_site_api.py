"""Sites are written through the API with the pages' services and rights: estates,
buildings and premises created, patched with `version`, verified; survey assignment."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.personas import PERSONAS, World
from tests.territory_world import Territory, build_territory
from wangge.core.models import AuditEntry
from wangge.territory.models import Site, SurveyAssignment

pytestmark = pytest.mark.django_db

EDITORS = {"market_admin", "manager_a"}


@pytest.fixture
def t(world: World) -> Territory:
    return build_territory(world, per_grid=2)


def _send(client: Any, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def test_who_may_write_sites_through_the_api(t: Territory) -> None:
    estate = t.sites_a[0]
    for persona in PERSONAS:
        api = t.world.api(persona)
        expected = 200 if persona in EDITORS else 404
        created = _send(api, "post", "/api/territory/sites", {
            "code": f"DW-{persona}", "kind": "premises", "premises_kind": "enterprise",
            "name": f"{persona} 的厂", "lon": 111.705, "lat": 27.205})  # fmt: skip
        assert created.status_code == (201 if persona in EDITORS else 404), persona
        patched = _send(api, "patch", f"/api/territory/sites/{estate.pk}", {"pc_owners": 7})
        assert patched.status_code == expected, persona
        verified = api.post(f"/api/territory/sites/{estate.pk}/verify")
        assert verified.status_code == expected, persona
        assigned = _send(api, "post", "/api/territory/surveys", {
            "site_ids": [estate.pk], "assignee_id": t.world.staff["account_a"].pk})  # fmt: skip
        assert assigned.status_code == expected, persona
        if persona not in EDITORS:
            assert not AuditEntry.objects.filter(actor=t.world.user(persona)).exists()
    assert set(Site.objects.filter(code__startswith="DW-").values_list("code", flat=True)) == {
        "DW-market_admin",
        "DW-manager_a",
    }


def test_the_survey_fields_round_trip_and_a_stale_version_is_409(t: Territory) -> None:
    api = t.world.api("manager_a")
    estate = t.sites_a[0]
    url = f"/api/territory/sites/{estate.pk}"
    body = {"pc_owners": 120, "owners_young_share": 0.3, "owners_middle_share": 0.5,
            "owners_senior_share": 0.2, "tenant_share": 0.15, "residents_note": "教师家庭",
            "verified": True, "version": 1}  # fmt: skip
    answer = _send(api, "patch", url, body)
    assert answer.status_code == 200, answer.content
    got = answer.json()
    assert (got["pc_owners"], got["owners_young_share"], got["tenant_share"]) == (120, 0.3, 0.15)
    assert got["version"] == 2 and got["verified_at"] and got["resurvey_due"] is False
    assert got["verified_by_id"] == t.world.staff["manager_a"].pk
    stale = _send(api, "patch", url, {"name": "旧", "version": 1})
    assert stale.status_code == 409
    too_many = _send(api, "patch", url, {"owners_senior_share": 0.9})
    assert too_many.status_code == 400
    assert "100%" in too_many.json()["errors"][0]["msg"]
    outside = _send(api, "patch", url, {"lon": 111.735})  # grid B's side
    assert outside.status_code == 400 and outside.json()["errors"][0]["loc"][-1] == "lon"
    assert Site.objects.get(pk=estate.pk).name == estate.name


def test_a_building_without_a_point_takes_its_estates(t: Territory) -> None:
    estate = t.sites_a[0]
    api = t.world.api("manager_a")
    answer = _send(api, "post", "/api/territory/sites", {
        "code": "B-9", "kind": "building", "name": "9 栋", "estate_id": estate.pk,
        "households": 30})  # fmt: skip
    assert answer.status_code == 201, answer.content
    assert (answer.json()["lon"], answer.json()["estate_id"]) == (estate.lon, estate.pk)
    no_point = _send(api, "post", "/api/territory/sites", {
        "code": "E-9", "kind": "estate", "name": "无坐标"})  # fmt: skip
    assert no_point.status_code == 400
    b_estate = t.sites_b[0]  # not the manager's to see
    hidden = _send(api, "post", "/api/territory/sites", {
        "code": "B-10", "kind": "building", "name": "10 栋", "estate_id": b_estate.pk})  # fmt: skip
    assert hidden.status_code == 400 and hidden.json()["errors"][0]["loc"][-1] == "estate_id"


def test_survey_progress_counts_assigned_and_surveyed_per_grid_and_person(t: Territory) -> None:
    manager = t.world.api("manager_a")
    a0, a1 = t.sites_a
    account = t.world.staff["account_a"]
    answer = _send(manager, "post", "/api/territory/surveys",
                   {"site_ids": [a0.pk, a1.pk], "assignee_id": account.pk})  # fmt: skip
    assert answer.json() == {"changed": 2}
    _send(manager, "patch", f"/api/territory/sites/{a0.pk}", {"verified": True})
    progress = t.world.api("account_a").get("/api/territory/surveys").json()
    assert [(g["assigned"], g["surveyed"], g["unassigned"]) for g in progress["grids"]] == [
        (2, 1, 0)
    ]
    assert [(p["id"], p["assigned"], p["surveyed"]) for p in progress["people"]] == [
        (account.pk, 2, 1)
    ]
    # sales_b's grid B: nothing assigned, both of its estates waiting
    theirs = t.world.api("sales_b").get("/api/territory/surveys").json()
    assert [(g["assigned"], g["unassigned"]) for g in theirs["grids"]] == [(0, 2)]
    # someone outside the grid cannot be given its sites
    refused = _send(manager, "post", "/api/territory/surveys",
                    {"site_ids": [a0.pk], "assignee_id": t.world.staff["sales_b"].pk})  # fmt: skip
    assert refused.status_code == 400
    taken_back = _send(manager, "post", "/api/territory/surveys",
                       {"site_ids": [a1.pk], "assignee_id": None})  # fmt: skip
    assert taken_back.json() == {"changed": 1}
    assert list(SurveyAssignment.objects.values_list("site_id", flat=True)) == [a0.pk]
