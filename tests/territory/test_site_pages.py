"""Estates, buildings and premises are created and edited on pages (scoped: a grid manager
keeps their grids' sites), verified like customers, and the list shows their freshness."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.personas import World
from tests.territory_world import Territory, build_territory
from wangge.core import clock
from wangge.core.models import AuditEntry
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def t(world: World) -> Territory:
    return build_territory(world, per_grid=2)


def test_a_manager_creates_premises_in_their_grid_and_is_refused_outside(t: Territory) -> None:
    client = t.world.client("manager_a")
    form = {"code": "DW1", "name": "第一中学", "premises_kind": "school", "lon": "111.705",
            "lat": "27.205", "covered_households": "0", "free_ports": "0", "pc_owners": "120",
            "verified": "on"}  # fmt: skip
    response = client.post("/territory/sites/new/premises/", form)
    assert response.status_code == 302
    school = Site.objects.get(code="DW1")
    assert (school.kind, school.premises_kind) == ("premises", "school")
    assert school.grid == t.world.grid_a
    assert school.verified_by == t.world.staff["manager_a"] and not school.needs_resurvey
    assert AuditEntry.objects.filter(object_id=str(school.pk)).exists()

    east = {**form, "code": "DW2", "lon": "111.735"}  # grid B
    page = client.post("/territory/sites/new/premises/", east).content.decode()
    assert "不在您负责的网格内" in page and not Site.objects.filter(code="DW2").exists()
    no_kind = {**form, "code": "DW3", "premises_kind": ""}
    assert client.post("/territory/sites/new/premises/", no_kind).status_code == 200
    assert not Site.objects.filter(code="DW3").exists()


def test_a_building_takes_its_estates_point_and_grid(t: Territory) -> None:
    estate = t.sites_a[0]
    client = t.world.client("manager_a")
    response = client.post(
        "/territory/sites/new/building/",
        {"code": "B-1", "name": "1 栋", "estate": estate.pk, "households": "40",
         "covered_households": "40", "free_ports": "2"},
    )  # fmt: skip
    assert response.status_code == 302
    b = Site.objects.get(code="B-1")
    assert (b.estate, b.lon, b.lat, b.grid) == (estate, estate.lon, estate.lat, estate.grid)


def test_editing_an_estate_survey_and_a_stale_form_is_refused(t: Territory) -> None:
    estate = t.sites_a[0]
    client = t.world.client("manager_a")
    url = f"/territory/sites/{estate.pk}/edit/"
    page = client.get(url).content.decode()
    assert "拥有电脑人数" in page and "业主35岁以下占比" in page
    form = {"code": estate.code, "name": "新名", "lon": estate.lon, "lat": estate.lat,
            "households": estate.households, "covered_households": estate.covered_households,
            "free_ports": 0, "pc_owners": 80, "owners_young_share": "0.3",
            "owners_middle_share": "0.5", "owners_senior_share": "0.2", "tenant_share": "0.1",
            "version": estate.version}  # fmt: skip
    assert client.post(url, form).status_code == 302
    estate.refresh_from_db()
    assert (estate.name, estate.pc_owners, estate.version) == ("新名", 80, 2)
    assert estate.verified_at is None  # edited from the office, not checked on the ground

    stale = client.post(url, {**form, "name": "旧表单"}).content.decode()  # version 1 again
    assert "已被他人修改" in stale
    too_many = client.post(url, {**form, "owners_senior_share": "0.5", "version": 2})
    assert "不能超过 100%" in too_many.content.decode()
    estate.refresh_from_db()
    assert estate.name == "新名"


def test_verify_stamps_who_and_when_and_the_list_shows_freshness(t: Territory) -> None:
    estate = t.sites_a[0]
    client = t.world.client("manager_a")
    listing = client.get("/territory/sites/?kind=estate").content.decode()
    assert listing.count('data-testid="resurvey"') == 2  # never verified
    assert client.post(f"/territory/sites/{estate.pk}/verify/").status_code == 302
    estate.refresh_from_db()
    assert estate.verified_by == t.world.staff["manager_a"]
    detail = client.get(f"/territory/sites/{estate.pk}/").content.decode()
    assert "经理甲" in detail and 'data-testid="resurvey"' not in detail
    listing = client.get("/territory/sites/?kind=estate").content.decode()
    assert listing.count('data-testid="resurvey"') == 1
    long_ago = clock.now() - dt.timedelta(days=181)  # past the default 180-day period
    Site.objects.filter(pk=estate.pk).update(verified_at=long_ago)
    detail = client.get(f"/territory/sites/{estate.pk}/").content.decode()
    assert 'data-testid="resurvey"' in detail


def test_people_who_may_not_edit_sites_get_404(t: Territory) -> None:
    estate = t.sites_a[0]
    for persona in ("account_a", "tech_a", "sales_b", "agent_a"):
        client = t.world.client(persona)
        assert client.get(f"/territory/sites/{estate.pk}/edit/").status_code == 404, persona
        assert client.post(f"/territory/sites/{estate.pk}/verify/").status_code == 404, persona
        assert client.get("/territory/sites/new/estate/").status_code == 404, persona
    b_site = t.sites_b[0]
    manager = t.world.client("manager_a")
    assert manager.get(f"/territory/sites/{b_site.pk}/edit/").status_code == 404
    assert manager.get("/territory/sites/new/nonsense/").status_code == 404


def test_the_manager_splits_the_grids_sites_and_each_person_sees_their_list(t: Territory) -> None:
    a0, a1 = t.sites_a
    manager = t.world.client("manager_a")
    board = manager.get("/territory/surveys/").content.decode()
    assert 'data-testid="survey-assign"' in board and a0.name in board
    account = t.world.staff["account_a"]
    response = manager.post(
        f"/territory/surveys/?grid={t.world.grid_a.pk}",
        {"sites": [a0.pk], "assignee": account.pk},
    )
    assert response.status_code == 302
    mine = t.world.client("account_a").get("/territory/surveys/").content.decode()
    assert 'data-testid="survey-mine"' in mine and a0.name in mine
    assert 'data-testid="survey-assign"' not in mine  # a marketer reads, does not split
    assert "客户经理甲" in mine  # the progress per person
    refused = t.world.client("account_a").post(
        f"/territory/surveys/?grid={t.world.grid_a.pk}", {"sites": [a1.pk], "assignee": account.pk}
    )
    assert refused.status_code == 404
    assert t.world.client("agent_a").get("/territory/surveys/").status_code == 404
