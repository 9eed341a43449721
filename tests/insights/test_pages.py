"""The dashboards, the map and the API show the snapshots' numbers, scoped."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

import pytest
from django.urls import reverse

from tests.insights.world import InsightsWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.insights import figures, services
from wangge.insights.models import Snapshot

pytestmark = pytest.mark.django_db

#: A dashboard's first paint: the session, the target, the snapshots (figures, trend,
#: ranking), the sites' counters for the shares, the navigation lists. No other app's
#: selector runs (their panels load afterwards), so this does not grow with the county.
QUERIES_PER_PAGE = 16


@pytest.fixture
def taken(county: InsightsWorld) -> InsightsWorld:
    services.snapshot_take(actor=SYSTEM, on=clock.today())
    return county


def _kpis(client, **params):  # type: ignore[no-untyped-def]
    r = client.get("/api/insights/kpis", params)
    assert r.status_code == 200, r.content
    data = r.json()
    return data, {m["key"]: m for f in data["figures"] for m in f["measures"]}


def test_the_api_answers_the_snapshot_of_the_grid_and_the_county(taken: InsightsWorld) -> None:
    w = taken.world
    results = figures.compute(clock.today())
    data, county = _kpis(w.api("market_admin"))
    assert data["level"] == "county" and data["source"] == "snapshot"
    for key in figures.MEASURES:
        r = results.county(key)
        assert (county[key]["numerator"], county[key]["denominator"]) == (
            r.numerator,
            r.denominator,
        )
    data, mine = _kpis(w.api("account_a"))  # no grid given: their own grid's
    assert data["grid"] == w.grid_a.pk
    assert (mine["reach.customers"]["numerator"], mine["reach.customers"]["denominator"]) == (2, 3)
    data, person = _kpis(w.api("manager_a"), person=w.staff["account_a"].pk)
    assert set(person) == set(figures.MEASURES)  # reach, and the estates to survey
    data, person = _kpis(w.api("manager_a"), person=w.staff["manager_a"].pk)
    assert list(person) == ["reach.customers"]  # nothing assigned to survey


def test_a_day_without_a_snapshot_is_computed_live(county: InsightsWorld) -> None:
    data, grid = _kpis(county.world.api("manager_a"), grid=county.world.grid_a.pk)
    assert data["source"] == "live"
    assert (grid["reach.customers"]["numerator"], grid["reach.customers"]["denominator"]) == (2, 3)


def test_nobody_reads_another_grid_or_the_county_without_the_right(taken: InsightsWorld) -> None:
    w = taken.world
    api = w.api("sales_b")
    assert api.get("/api/insights/kpis", {"grid": w.grid_a.pk}).status_code == 404
    assert api.get("/api/insights/kpis", {"region": w.region_a.pk}).status_code == 404
    assert api.get("/api/insights/kpis", {"person": w.staff["account_a"].pk}).status_code == 404
    assert api.get("/api/insights/ranking", {"region": w.region_a.pk}).status_code == 404
    ranking = api.get("/api/insights/ranking").json()
    assert [r["code"] for r in ranking["rows"]] == ["B"]  # only their grid's row
    assert w.api("market_admin").get("/api/insights/kpis", {"on": "2026-02-30"}).status_code == 422


def test_the_ranking_and_trend_read_the_snapshots(taken: InsightsWorld) -> None:
    w = taken.world
    api = w.api("market_admin")
    ranking = api.get("/api/insights/ranking", {"measure": "reach.customers"}).json()
    assert [(r["code"], r["numerator"], r["denominator"]) for r in ranking["rows"]] == [
        ("A", 2, 3),
        ("B", 1, 2),
    ]
    people = w.api("manager_a").get("/api/insights/ranking", {"grid": w.grid_a.pk}).json()
    assert people["level"] == "person"
    # The owners of customers whose primary grid is A (the agent is a channel of A).
    assert {r["code"] for r in people["rows"]} == {"ACCOUNT_A", "AGENT_A", "MANAGER_A"}
    query = {"measure": "reach.customers", "grid": str(w.grid_a.pk)}
    trend = api.get("/api/insights/trend", query).json()
    assert trend["series"][0]["points"] == [
        {"day": clock.today().isoformat(), "numerator": 2, "denominator": 3, "value": 0.6667}
    ]


def test_the_dashboards_show_figures_definitions_and_rankings(taken: InsightsWorld) -> None:
    w = taken.world
    page = w.client("market_admin").get(reverse("insights:dashboard")).content.decode()
    assert "客户全触及" in page and "60.0%" in page and "在册客户" in page
    assert 'data-testid="ranking-row"' in page
    assert "没有历史记录的按今天的计" in page  # what a past day's figure cannot know
    manager = w.client("manager_a")
    assert manager.get(reverse("insights:dashboard"))["Location"] == reverse(
        "insights:grid", args=[w.grid_a.pk]
    )
    grid = manager.get(reverse("insights:grid", args=[w.grid_a.pk])).content.decode()
    assert "网格甲" in grid and "66.7%" in grid
    assert 'data-testid="team-person"' in grid
    person = manager.get(
        reverse("insights:person", args=[w.staff["account_a"].pk])
    ).content.decode()
    assert 'data-testid="measure-reach.customers"' in person
    assert 'data-testid="measure-coverage.surveyed"' in person  # estates to survey
    assert 'data-testid="person-note"' in person
    own = manager.get(reverse("insights:person", args=[w.staff["manager_a"].pk])).content.decode()
    assert 'data-testid="figure-coverage"' not in own  # nothing assigned: reach only


def _split(page: str) -> dict[str, str]:
    """The team split's rows: person name → the row's HTML."""
    body = page[page.index('data-testid="team-split"') :]
    body = body[: body.index("</table>")]
    rows = body.split('data-testid="split-row"')[1:]
    return {r.split("</a>")[0].rsplit(">", 1)[1]: r for r in rows}


def test_the_grid_dashboard_splits_every_figure_per_team_member(taken: InsightsWorld) -> None:
    w = taken.world
    url = reverse("insights:grid", args=[w.grid_a.pk])
    rows = _split(w.client("manager_a").get(url).content.decode())
    names = {p: w.staff[p].name for p in ("account_a", "tech_a", "manager_a", "agent_a")}
    assert set(names.values()) <= set(rows)
    account = rows[names["account_a"]]
    # Two estates to survey, one verified two days ago; one of two customers reached.
    assert 'data-testid="split-coverage.surveyed">50.0% <small class="muted">1/2' in account
    assert 'data-testid="split-reach.customers">50.0% <small class="muted">1/2' in account
    tech = rows[names["tech_a"]]
    assert 'data-testid="split-coverage.surveyed">0.0%' in tech
    assert 'data-testid="split-reach.customers"><span class="muted">—' in tech  # owns none
    # A marketer sees their own row only; the Excel has every person's measures.
    mine = _split(w.client("account_a").get(url).content.decode())
    assert list(mine) == [names["account_a"]]
    r = w.client("manager_a").get(url, {"export": "team"})
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and sheet.count("<row") >= 1 + len(rows)


def test_the_people_api_answers_the_split_scoped(taken: InsightsWorld) -> None:
    w = taken.world
    account = w.staff["account_a"].pk

    def people(persona: str, **params: int) -> dict[int, dict[str, tuple[int, int]]]:
        r = w.api(persona).get("/api/insights/people", params)
        assert r.status_code == 200, r.content
        data = r.json()
        assert len(data["measures"]) == len(figures.MEASURES)
        return {
            p["id"]: {m["key"]: (m["numerator"], m["denominator"]) for m in p["measures"]}
            for p in data["people"]
        }

    team = people("manager_a", grid=w.grid_a.pk)
    assert team[account]["coverage.surveyed"] == (1, 2)
    assert team[account]["reach.customers"] == (1, 2)
    assert "reach.customers" not in team[w.staff["tech_a"].pk]
    assert people("account_a") == {account: team[account]}  # their grid: themselves only
    county = people("market_admin")
    assert team.items() <= county.items() and w.staff["sales_b"].pk in county
    # A day without a snapshot is computed live, to the same numbers.
    yesterday = (clock.today() - dt.timedelta(days=1)).isoformat()
    grid = str(w.grid_a.pk)
    r = w.api("manager_a").get("/api/insights/people", {"grid": grid, "on": yesterday})
    assert r.json()["source"] == "live"
    live = w.api("manager_a").get(
        "/api/insights/people", {"grid": grid, "on": clock.today().isoformat()}
    )
    assert live.json()["source"] == "snapshot"
    Snapshot.objects.all().delete()
    again = people("manager_a", grid=w.grid_a.pk)
    assert again == team
    # Another grid, an agent, bad input: refused, never a server error.
    api = w.api("sales_b")
    assert api.get("/api/insights/people", {"grid": w.grid_a.pk}).status_code == 404
    assert w.api("agent_a").get("/api/insights/people").status_code == 404
    for bad in ({"on": "2026-02-30"}, {"grid": "0"}, {"grid": "x"}, {"grid": str(2**64)}):
        assert w.api("market_admin").get("/api/insights/people", bad).status_code == 422, bad


@pytest.mark.parametrize("table", ["figures", "ranking", "shares", "headlines"])
def test_every_table_exports_values_without_formulas(taken: InsightsWorld, table: str) -> None:
    r = taken.world.client("market_admin").get(reverse("insights:dashboard"), {"export": table})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert sheet.count("<row") >= 2


def test_the_map_colours_grids_and_drills_into_a_grids_sites(taken: InsightsWorld) -> None:
    w = taken.world
    client = w.client("market_admin")
    page = client.get(reverse("insights:map"), {"measure": "reach.customers"})
    data = json.loads(_script(page.content.decode(), "map-data"))
    props = {f["properties"]["code"]: f["properties"] for f in data["grids"]["features"]}
    assert (props["A"]["n"], props["A"]["d"]) == (2, 3)
    query = {"measure": "reach.customers", "grid": str(w.grid_a.pk)}
    page = client.get(reverse("insights:map"), query)
    data = json.loads(_script(page.content.decode(), "map-data"))
    sites = {s["code"]: s for s in data["sites"]}
    assert set(sites) == {s.code for s in taken.crm.t.sites_a}
    home = taken.crm.customers["a_home"].site.code
    assert (sites[home]["n"], sites[home]["d"]) == (1, 1)
    assert set(data["layers"]) == {"assets", "orders", "visits"}
    assert len(data["layers"]["visits"]) == 1
    # Another grid's drill-down is refused like a missing page.
    other = w.client("sales_b").get(reverse("insights:map"), {"grid": w.grid_a.pk})
    assert other.status_code == 404


def _script(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    start = html.index(">", start) + 1
    return html[start : html.index("</script>", start)]


def test_the_home_page_shows_the_three_figures(taken: InsightsWorld) -> None:
    page = taken.world.client("manager_a").get("/").content.decode()
    assert 'data-testid="today-insights"' in page
    assert "客户全触及 66.7%（2/3）" in page


def test_the_dashboards_first_paint_reads_stored_figures_only(
    taken: InsightsWorld, django_assert_max_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wangge.insights import headlines

    def live(*args: Any, **kwargs: Any) -> list[headlines.Headline]:
        raise AssertionError("the page ran another app's selector")

    monkeypatch.setattr(
        headlines, "PANELS", tuple(headlines.Panel(p.key, p.shown, live) for p in headlines.PANELS)
    )
    w = taken.world
    admin, manager = w.client("market_admin"), w.client("manager_a")
    pages = [
        (admin, reverse("insights:dashboard")),
        (admin, reverse("insights:region", args=[w.region_a.pk])),
        (manager, reverse("insights:grid", args=[w.grid_a.pk])),
        (manager, reverse("insights:person", args=[w.staff["account_a"].pk])),
    ]
    for client, url in pages:
        client.get(url)  # the session and the permissions' first reads
        with django_assert_max_num_queries(QUERIES_PER_PAGE):
            page = client.get(url)
        assert page.status_code == 200, url
        assert 'hx-trigger="load"' in page.content.decode(), url


def test_each_apps_panel_loads_on_its_own_scoped(taken: InsightsWorld) -> None:
    w = taken.world
    grid = reverse("insights:grid", args=[w.grid_a.pk])
    manager = w.client("manager_a")
    page = manager.get(grid).content.decode()
    keys = [k for k in ("funnel", "sla", "care", "collections", "logs") if f"panel-{k}" in page]
    assert "care" in keys and "sla" in keys
    for key in keys:
        url = reverse("insights:headline_panel", args=[key])
        part = manager.get(url, {"grid": w.grid_a.pk})
        assert part.status_code == 200, key
        body = part.content.decode()
        assert body.startswith(f'<tbody data-testid="panel-{key}">'), body
        assert "<html" not in body
    care = manager.get(reverse("insights:headline_panel", args=["care"]), {"grid": w.grid_a.pk})
    assert 'data-testid="headline-care"' in care.content.decode()
    # Another grid's panel, a panel one may not see, an unknown one: all missing.
    other = w.client("sales_b")
    url = reverse("insights:headline_panel", args=["care"])
    assert other.get(url, {"grid": w.grid_a.pk}).status_code == 404
    assert other.get(url, {"person": w.staff["account_a"].pk}).status_code == 404
    assert manager.get(url, {"region": w.region_a.pk}).status_code == 404
    sla = reverse("insights:headline_panel", args=["sla"])
    assert manager.get(sla, {"person": w.staff["account_a"].pk}).status_code == 404
    nope = reverse("insights:headline_panel", args=["nope"])
    assert manager.get(nope, {"grid": w.grid_a.pk}).status_code == 404
