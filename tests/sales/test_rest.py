"""Issue 9's QA leftovers on the pages: each test names what was wrong."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.extensions import today_for
from wangge.crm import selectors as crm_selectors
from wangge.crm.models import scopes
from wangge.sales import services
from wangge.sales.models import Opportunity, Visit
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db


def _raise(crm: CrmWorld, persona: str = "account_a", **extra: Any) -> Opportunity:
    return services.opportunity_create(
        actor=crm.world.user(persona),
        source=Opportunity.Source.VISIT,
        customer=extra.pop("customer", crm.customers["a_home"]),
        **extra,
    )


def _flagged(crm: CrmWorld, persona: str, at: dt.datetime, kind: str = "door") -> Visit:
    """A door (or supervision) visit with no position: flagged, made at `at`."""
    site = crm.customers["a_home"].site
    extra: dict[str, Any] = {"agent": crm.world.staff["agent_a"]} if kind == "supervision" else {}
    return Visit.objects.create(
        kind=kind,
        staff=crm.world.staff[persona],
        site=site,
        grid=site.grid,
        at=at,
        outcome="not_home",
        verified=False,
        flags=["no_position"],
        **extra,
    )


def test_the_today_count_of_doubtful_check_ins_is_the_list_it_links_to(crm: CrmWorld) -> None:
    """It counted others' visits of yesterday and today and linked to all flagged ones,
    the manager's own and last week's included."""
    now = clock.now()
    counted = [
        _flagged(crm, "account_a", now),
        _flagged(crm, "agent_a", now - dt.timedelta(days=1)),
    ]
    _flagged(crm, "account_a", now - dt.timedelta(days=5))  # too old for today's review
    _flagged(crm, "manager_a", now, kind="supervision")  # the manager's own
    manager = crm.world.user("manager_a")
    items = [i for _s, section in today_for(manager, clock.today()) for i in section]
    item = next(i for i in items if "签到存疑" in str(i.label))
    listed = crm.world.client("manager_a").get(item.url)
    assert listed.status_code == 200
    rows = [v.pk for v in listed.context["visits"]]
    assert item.count == len(rows) == 2 and set(rows) == {v.pk for v in counted}
    # The list's own tab still shows every flagged check-in.
    every = crm.world.client("manager_a").get(reverse("sales:visit_list") + "?flagged=1")
    assert every.context["paginator"].count == 4


def test_a_grid_managers_default_list_is_their_grids_opportunities(crm: CrmWorld) -> None:
    """It was "my opportunities", empty for a manager, who raises and holds none."""
    theirs = _raise(crm)  # an account marketer's, in grid A
    waiting = _raise(crm, "tech_a", customer=crm.customers["a_org"])  # on grid A's board
    _raise(crm, "sales_b", customer=crm.customers["b_home"])  # grid B: not the manager's
    page = crm.world.client("manager_a").get(reverse("sales:opportunity_list"))
    assert page.status_code == 200 and page.context["filters"]["managed"]
    assert {o.pk for o in page.context["opportunities"]} == {theirs.pk, waiting.pk}
    assert "我的网格的商机" in page.content.decode()
    # "Mine" is still a tab away, and a marketer's default is still their own.
    mine = crm.world.client("manager_a").get(reverse("sales:opportunity_list") + "?mine=1")
    assert list(mine.context["opportunities"]) == []
    seller = crm.world.client("account_a").get(reverse("sales:opportunity_list"))
    assert seller.context["filters"]["mine"] and not seller.context["filters"]["managed"]
    assert [o.pk for o in seller.context["opportunities"]] == [theirs.pk]


def _building(crm: CrmWorld, estate: Site, name: str, code: str) -> Site:
    return Site.objects.create(
        code=code,
        kind=Site.Kind.BUILDING,
        name=name,
        lon=estate.lon,
        lat=estate.lat,
        grid=estate.grid,
        estate=estate,
    )


def test_pickers_tell_two_sites_of_the_same_name_apart(crm: CrmWorld) -> None:
    """Two estates' 3栋 were both listed as "3栋（楼宇）"."""
    one, two = crm.t.sites_a[0], crm.t.sites_a[1]
    Site.objects.filter(pk=one.pk).update(kind=Site.Kind.ESTATE, name="阳光小区")
    Site.objects.filter(pk=two.pk).update(kind=Site.Kind.ESTATE, name="幸福小区")
    one.refresh_from_db()
    two.refresh_from_db()
    a = _building(crm, one, "3栋", "QA-3A")
    b = _building(crm, two, "3栋", "QA-3B")
    pages = {
        "visit": ("account_a", reverse("sales:visit_create"), "site"),
        "opportunity": ("account_a", reverse("sales:opportunity_create"), "site"),
        "day plan": ("account_a", reverse("sales:day_plan"), "sites"),
        "material": ("account_a", reverse("sales:promo_create"), "site"),
        "campaign": ("manager_a", reverse("sales:campaign_create"), "site"),
    }
    for what, (persona, url, field) in pages.items():
        page = crm.world.client(persona).get(url)
        assert page.status_code == 200, what
        labels = dict(page.context["form"].fields[field].choices)
        assert labels[a.pk] == "3栋 · 阳光小区 · QA-3A", what
        assert labels[b.pk] == "3栋 · 幸福小区 · QA-3B", what


def test_the_campaign_form_offers_only_what_the_organiser_sees(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its choices were the grid's rows, unscoped. Today a grid's manager sees all of
    their grid, so the test narrows the crm's customer rule (as a rule hiding, say, a
    customer under a confidentiality flag would) and expects the form to follow it."""
    hidden = crm.customers["a_org"]
    rule = scopes.customer_q

    def narrower(scope: Any, prefix: str = "") -> Q:
        return rule(scope, prefix) & ~Q(**{f"{prefix}pk": hidden.pk})

    page = crm.world.client("manager_a").get(reverse("sales:campaign_create"))
    assert hidden.pk in dict(page.context["form"].fields["customer"].choices)
    monkeypatch.setattr(scopes, "customer_q", narrower)
    page = crm.world.client("manager_a").get(reverse("sales:campaign_create"))
    offered = dict(page.context["form"].fields["customer"].choices)
    assert hidden.pk not in offered
    members = dict(page.context["form"].fields["members"].choices)
    assert crm.world.staff["account_a"].pk in members
    assert crm.world.staff["sales_b"].pk not in members  # grid B's


def test_the_visit_forms_customer_picker_offers_what_the_user_sees_and_searches(
    crm: CrmWorld,
) -> None:
    """It listed only the user's own accounts: a grid manager, who owns few, could not pick
    the grid's customers."""
    c = crm.customers
    client = crm.world.client("manager_a")
    page = client.get(reverse("sales:visit_create"))
    offered = dict(page.context["form"].fields["customer"].widget.choices)
    assert c["a_home"].pk in offered and c["a_org"].pk in offered  # the grid's, not only own
    assert c["b_home"].pk not in offered  # grid B's is not theirs to see
    found = client.get(reverse("sales:visit_create") + "?cq=a_home&opportunity=1")
    assert 'name="opportunity" value="1"' in found.content.decode()  # the search keeps it
    offered = dict(found.context["form"].fields["customer"].widget.choices)
    assert set(offered) - {""} == {c["a_home"].pk}
    hidden = client.get(reverse("sales:visit_create") + "?cq=b_home")
    assert set(dict(hidden.context["form"].fields["customer"].widget.choices)) == {""}
    # A visit to a customer found that way is saved.
    r = client.post(
        reverse("sales:visit_create") + "?cq=a_home",
        {"kind": "phone", "customer": c["a_home"].pk, "outcome": "interested"},
    )
    assert r.status_code == 302
    assert Visit.objects.get().customer == c["a_home"]


def test_a_broad_picker_search_offers_the_first_found_in_name_order(
    crm: CrmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-character search at 1M customers matched 28,000: the picker sorted them all to
    offer 200."""
    monkeypatch.setattr("wangge.sales.forms.PICKER_MAX", 2)
    user = crm.world.user("market_admin")
    every = [c.pk for c in crm_selectors.customer_list(user=user, q="客户")]
    assert len(every) >= 3
    with CaptureQueriesContext(connection) as ctx:
        page = crm.world.client("market_admin").get(reverse("sales:visit_create") + "?cq=客户")
    offered = [pk for pk, _ in page.context["form"].fields["customer"].widget.choices if pk]
    assert len(offered) == 2 and offered == [pk for pk in every if pk in offered]
    searches = [q["sql"] for q in ctx.captured_queries if "LIKE" in q["sql"].upper()]
    assert searches and all("ORDER BY" not in sql for sql in searches)  # none sorts them all
    assert any("LIMIT 3" in sql for sql in searches)


def _lead(crm: CrmWorld) -> Opportunity:
    """On grid A's board, nobody's yet (a technician's lead)."""
    return _raise(crm, "tech_a", customer=crm.customers["a_org"])


def _due(hours: int = 6) -> str:
    return timezone.localtime(clock.now() + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def test_the_manager_dispatches_from_the_opportunitys_own_page(crm: CrmWorld) -> None:
    """The detail page had no dispatch form: only the board did."""
    lead = _lead(crm)
    url = reverse("sales:opportunity_detail", args=[lead.pk])
    client = crm.world.client("manager_a")
    page = client.get(url)
    form = page.context["dispatch_form"]
    assert form is not None and 'data-testid="dispatch"' in page.content.decode()
    assert form["assignee"].value() == crm.world.staff["account_a"].pk  # the suggestion
    body = {
        "from": "detail",
        "next": url,
        f"o{lead.pk}-version": lead.version,
        f"o{lead.pk}-assignee": crm.world.staff["tech_a"].pk,  # a technician: refused
        f"o{lead.pk}-due": _due(),
    }
    refused = client.post(reverse("sales:opportunity_dispatch", args=[lead.pk]), body)
    assert (
        refused.status_code == 400 and refused.templates[0].name == "sales/opportunity_detail.html"
    )
    assert refused.context["dispatch_form"].errors
    body[f"o{lead.pk}-assignee"] = crm.world.staff["account_a"].pk
    done = client.post(reverse("sales:opportunity_dispatch", args=[lead.pk]), body)
    assert done.status_code == 302 and done["Location"] == url
    lead.refresh_from_db()
    assert lead.assignee == crm.world.staff["account_a"]
    stale = client.post(reverse("sales:opportunity_dispatch", args=[lead.pk]), body)
    assert stale.status_code == 409 and "这条记录已被他人修改" in stale.content.decode()
    assert lead.steps.filter(kind="dispatch").count() == 1
    # The assignee sees no dispatch form (theirs to accept or return).
    mine = crm.world.client("account_a").get(url)
    assert mine.context["dispatch_form"] is None


def test_the_opportunitys_fields_are_edited_with_the_version_seen(crm: CrmWorld) -> None:
    """No page edited them (only the API did)."""
    opp = _raise(crm)
    client = crm.world.client("account_a")
    detail = client.get(reverse("sales:opportunity_detail", args=[opp.pk]))
    assert 'data-testid="edit"' in detail.content.decode()
    url = reverse("sales:opportunity_edit", args=[opp.pk])
    form = client.get(url).context["form"]
    assert form["version"].value() == opp.version and form["kind"].value() == opp.kind
    body = {
        "version": opp.version,
        "kind": "uplift",
        "need": "改为千兆＋高清",
        "expected_monthly": "99.00",
        "expected_close": (clock.today() + dt.timedelta(days=20)).isoformat(),
        "contact_name": "张先生",
        "contact_phone": "13912345678",
    }
    r = client.post(url, body)
    assert r.status_code == 302
    opp.refresh_from_db()
    assert (opp.kind, opp.need, str(opp.expected_monthly)) == ("uplift", "改为千兆＋高清", "99.00")
    assert opp.steps.filter(kind="edit").count() == 1
    # The same form sent again carries the old version: refused, nothing written.
    again = client.post(url, {**body, "need": "过时的修改"})
    assert again.status_code == 409 and "这条记录已被他人修改" in again.content.decode()
    opp.refresh_from_db()
    assert opp.need == "改为千兆＋高清"
    bad = client.post(url, {**body, "version": opp.version, "expected_monthly": "-1"})
    assert bad.status_code == 400
    # Someone who may not work it cannot open the form.
    assert crm.world.client("sales_b").get(url).status_code == 404
