"""The sales pages: my opportunities, the detail's actions (and their 409), the board's
dispatch, visits with the check-in verdict, the day plan and the panels."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.sales import services
from wangge.sales.models import DayPlan, Opportunity, Stage, Visit

pytestmark = pytest.mark.django_db


def _raise(crm: CrmWorld, persona: str = "account_a", **extra: Any) -> Opportunity:
    return services.opportunity_create(
        actor=crm.world.user(persona),
        source=Opportunity.Source.VISIT,
        customer=extra.pop("customer", crm.customers["a_home"]),
        need=extra.pop("need", "千兆升级"),
        **extra,
    )


def _lead(crm: CrmWorld, need: str = "门口扫码") -> Opportunity:
    """On grid A's board, nobody's yet (a technician's lead)."""
    return _raise(crm, "tech_a", customer=crm.customers["a_org"], need=need)


def _dispatch(crm: CrmWorld, opp: Opportunity, hours: int = 4) -> Opportunity:
    return services.opportunity_dispatch(
        actor=SYSTEM,
        opportunity=opp,
        version=opp.version,
        assignee=crm.world.staff["account_a"],
        due=clock.now() + dt.timedelta(hours=hours),
    )


def test_my_opportunities_put_overdue_first_and_offer_accept_and_return(
    crm: CrmWorld, time_machine: Any
) -> None:
    time_machine.move_to(clock.now(), tick=False)
    kept = _raise(crm, need="自己登记的")
    late = _dispatch(crm, _lead(crm, "派单超时"), hours=1)
    pending = _dispatch(crm, _lead(crm, "派单待接"), hours=30)
    _lead(crm, "还没派")  # on the board, not mine
    time_machine.shift(dt.timedelta(hours=2))

    page = crm.world.client("account_a").get(reverse("sales:opportunity_list"))
    assert page.status_code == 200
    rows = [o.pk for o in page.context["opportunities"]]
    assert rows[0] == late.pk
    assert set(rows) == {kept.pk, late.pk, pending.pk}
    html = page.content.decode()
    assert html.count('data-testid="pending"') == 2
    assert "接单" in html and "退回" in html

    only_pending = crm.world.client("account_a").get(
        reverse("sales:opportunity_list") + "?mine=1&dispatch=pending&overdue=1"
    )
    assert [o.pk for o in only_pending.context["opportunities"]] == [late.pk]


def test_the_manager_filters_the_unassigned(crm: CrmWorld) -> None:
    waiting = _lead(crm)
    _raise(crm)
    page = crm.world.client("manager_a").get(reverse("sales:opportunity_list") + "?unassigned=1")
    assert [o.pk for o in page.context["opportunities"]] == [waiting.pk]


def test_accept_and_return_from_the_list(crm: CrmWorld) -> None:
    one, two = _dispatch(crm, _lead(crm)), _dispatch(crm, _lead(crm))
    client = crm.world.client("account_a")
    back = reverse("sales:opportunity_list") + "?mine=1"
    r = client.post(
        reverse("sales:opportunity_accept", args=[one.pk]),
        {"version": one.version, "next": back},
    )
    assert r.status_code == 302 and r["Location"] == back
    r = client.post(
        reverse("sales:opportunity_return", args=[two.pk]),
        {"version": two.version, "reason": "不在我的片区"},
    )
    assert r.status_code == 302
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.dispatch == Opportunity.Dispatch.ACCEPTED
    assert two.dispatch == Opportunity.Dispatch.RETURNED and two.assignee is None
    assert two.steps.filter(kind="return", note="不在我的片区").exists()


def test_a_return_without_a_reason_is_refused_on_the_page(crm: CrmWorld) -> None:
    opp = _dispatch(crm, _lead(crm))
    r = crm.world.client("account_a").post(
        reverse("sales:opportunity_return", args=[opp.pk]), {"version": opp.version, "reason": ""}
    )
    assert r.status_code == 400
    opp.refresh_from_db()
    assert opp.dispatch == Opportunity.Dispatch.PENDING


def test_the_detail_shows_history_and_the_allowed_moves(crm: CrmWorld) -> None:
    opp = _raise(crm)
    page = crm.world.client("account_a").get(reverse("sales:opportunity_detail", args=[opp.pk]))
    html = page.content.decode()
    assert str(opp.code) in html and "千兆升级" in html
    assert 'data-stage="proposal"' in html and 'data-stage="ordered"' not in html
    assert 'data-testid="lose"' in html and 'data-testid="win"' not in html
    assert 'data-testid="history"' in html and "创建" in html


def test_a_move_posts_the_version_and_a_stale_one_answers_409(crm: CrmWorld) -> None:
    opp = _raise(crm)
    seen = opp.version
    client = crm.world.client("account_a")
    url = reverse("sales:opportunity_move", args=[opp.pk])
    r = client.post(url, {"version": seen, "stage": "proposal"})
    assert r.status_code == 302
    stale = client.post(url, {"version": seen, "stage": "confirmed"})
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "这条记录已被他人修改" in html and 'data-testid="stale"' in html
    assert reverse("sales:opportunity_detail", args=[opp.pk]) in html
    opp.refresh_from_db()
    assert opp.stage == Stage.PROPOSAL and opp.version == seen + 1


def test_a_stage_jump_is_refused_with_the_reason(crm: CrmWorld) -> None:
    opp = _raise(crm)
    r = crm.world.client("account_a").post(
        reverse("sales:opportunity_move", args=[opp.pk]), {"version": opp.version, "stage": "won"}
    )
    assert r.status_code == 400
    assert "不能从" in r.content.decode()
    opp.refresh_from_db()
    assert opp.stage == Stage.NEED


def test_lose_needs_a_reason_from_the_list(crm: CrmWorld) -> None:
    opp = _raise(crm)
    client = crm.world.client("account_a")
    url = reverse("sales:opportunity_lose", args=[opp.pk])
    assert client.post(url, {"version": opp.version, "reason": "bored"}).status_code == 400
    r = client.post(url, {"version": opp.version, "reason": "price", "note": "太贵"})
    assert r.status_code == 302
    opp.refresh_from_db()
    assert opp.stage == Stage.LOST and opp.lost_reason == "price"


def test_winning_on_the_page_creates_the_subscription(crm: CrmWorld) -> None:
    opp = _raise(crm)
    for stage in ("proposal", "confirmed"):
        opp = services.opportunity_move(
            actor=SYSTEM, opportunity=opp, stage=stage, version=opp.version
        )
    client = crm.world.client("account_a")
    page = client.get(reverse("sales:opportunity_detail", args=[opp.pk]))
    assert 'data-testid="win"' in page.content.decode()
    assert "customer_name" not in page.content.decode()  # the customer is on file
    r = client.post(
        reverse("sales:opportunity_win", args=[opp.pk]),
        {"version": opp.version, "plan": crm.plan_hd.pk, "monthly_fee": "25.50"},
    )
    assert r.status_code == 302, r.content.decode()
    opp.refresh_from_db()
    assert opp.stage == Stage.WON
    assert str(opp.order.subscription.monthly_fee) == "25.50"


def test_a_site_lead_is_won_with_a_new_customer(crm: CrmWorld) -> None:
    site = crm.t.sites_a[1]
    opp = services.opportunity_create(
        actor=crm.world.user("account_a"),
        source=Opportunity.Source.VISIT,
        site=site,
        contact_name="王先生",
    )
    for stage in ("proposal", "confirmed"):
        opp = services.opportunity_move(
            actor=SYSTEM, opportunity=opp, stage=stage, version=opp.version
        )
    r = crm.world.client("account_a").post(
        reverse("sales:opportunity_win", args=[opp.pk]),
        {
            "version": opp.version,
            "plan": crm.plan_bb.pk,
            "customer_name": "王建国",
            "customer_phone": "13912345678",
        },
    )
    assert r.status_code == 302, r.content.decode()
    opp.refresh_from_db()
    assert opp.customer is not None and opp.customer.name == "王建国"


def test_a_new_opportunity_from_the_form(crm: CrmWorld) -> None:
    client = crm.world.client("account_a")
    customer = crm.customers["a_home"]
    form = client.get(reverse("sales:opportunity_create") + f"?customer={customer.pk}")
    assert form.status_code == 200 and customer.name in form.content.decode()
    r = client.post(
        reverse("sales:opportunity_create"),
        {
            "customer": customer.pk,
            "kind": "uplift",
            "source": "phone",
            "product": crm.hd.pk,
            "need": "想看高清",
            "expected_monthly": "28.00",
            "expected_close": (clock.today() + dt.timedelta(days=10)).isoformat(),
        },
    )
    assert r.status_code == 302
    opp = Opportunity.objects.get(need="想看高清")
    assert opp.assignee == crm.world.staff["account_a"] and opp.product == crm.hd
    empty = client.post(
        reverse("sales:opportunity_create"),
        {"kind": "new", "source": "phone", "expected_monthly": "0"},
    )
    assert empty.status_code == 400 and "请选择客户或小区/楼宇" in empty.content.decode()


def test_a_customer_the_user_cannot_see_is_not_accepted(crm: CrmWorld) -> None:
    r = crm.world.client("sales_b").post(
        reverse("sales:opportunity_create"),
        {
            "customer": crm.customers["a_home"].pk,
            "kind": "new",
            "source": "phone",
            "expected_monthly": "0",
        },
    )
    assert r.status_code == 400
    assert not Opportunity.objects.exists()


def test_the_board_counts_and_dispatches_with_the_suggested_assignee(crm: CrmWorld) -> None:
    lead = _lead(crm)
    _raise(crm)
    client = crm.world.client("manager_a")
    page = client.get(reverse("sales:board"))
    assert page.status_code == 200
    assert [o.pk for o in page.context["unassigned"]] == [lead.pk]
    # The row's form is fetched on demand: a link without JavaScript, a fragment with htmx.
    url = reverse("sales:opportunity_dispatch", args=[lead.pk])
    html = page.content.decode()
    assert f'hx-get="{url}?next=' in html and 'name="o' not in html
    fragment = client.get(url, {"next": "/sales/board/?grid=1"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert 'name="next" value="/sales/board/?grid=1"' in fragment.content.decode()
    form = fragment.context["form"]
    # A group customer goes to a sales marketer by default; grid A has none, so the account one.
    assert form["assignee"].value() == crm.world.staff["account_a"].pk
    choices = " ".join(str(c[1]) for c in form.fields["assignee"].widget.choices)
    assert "装维甲" not in choices and "客户经理甲" in choices
    counts = {c.stage: c.count for c in page.context["board"].columns}
    assert counts["need"] == 2

    local = timezone.localtime(clock.now() + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")
    body = {
        f"o{lead.pk}-version": lead.version,
        f"o{lead.pk}-assignee": crm.world.staff["account_a"].pk,
        f"o{lead.pk}-due": local,
    }
    r = client.post(url, body)
    assert r.status_code == 302
    lead.refresh_from_db()
    assert lead.assignee == crm.world.staff["account_a"]
    assert lead.dispatch == Opportunity.Dispatch.PENDING

    # Stale, from the board: the board again with the notice; from the dispatch page (no
    # JavaScript): that page again, drawn from the opportunity as it is now.
    again = client.post(url, body)
    assert again.status_code == 409
    assert "这条记录已被他人修改" in again.content.decode()
    on_page = client.post(url, {**body, "from": "page"})
    assert on_page.status_code == 409 and on_page.context["form"]["version"].value() == lead.version
    assert lead.steps.filter(kind="dispatch").count() == 1


def test_the_dispatch_page_without_javascript(crm: CrmWorld) -> None:
    """The row's link opens a page of its own: the form, a refusal shown there, and back to
    the board once dispatched; a closed or foreign opportunity has no dispatch page."""
    lead = _lead(crm)
    client = crm.world.client("manager_a")
    url = reverse("sales:opportunity_dispatch", args=[lead.pk])
    page = client.get(url, {"next": "https://evil.example/"})
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert page.context["next"] == reverse("sales:board")
    body = {"from": "page", f"o{lead.pk}-version": lead.version, f"o{lead.pk}-due": "bad"}
    refused = client.post(url, body)
    assert refused.status_code == 400 and refused.context["form"].errors
    body[f"o{lead.pk}-due"] = "2099-01-01T09:00"
    body[f"o{lead.pk}-assignee"] = crm.world.staff["account_a"].pk
    done = client.post(url, body)
    assert done.status_code == 302 and done["Location"] == reverse("sales:board")
    b_lead = _raise(crm, "sales_b", customer=crm.customers["b_home"])
    assert client.get(reverse("sales:opportunity_dispatch", args=[b_lead.pk])).status_code == 404


def test_a_dispatch_to_a_technician_is_refused_on_the_board(crm: CrmWorld) -> None:
    lead = _lead(crm)
    r = crm.world.client("manager_a").post(
        reverse("sales:opportunity_dispatch", args=[lead.pk]),
        {
            f"o{lead.pk}-version": lead.version,
            f"o{lead.pk}-assignee": crm.world.staff["tech_a"].pk,
            f"o{lead.pk}-due": "2099-01-01T09:00",
        },
    )
    assert r.status_code == 400
    lead.refresh_from_db()
    assert lead.assignee is None


def test_the_market_department_dispatches_to_a_grid(crm: CrmWorld) -> None:
    lead = _lead(crm)
    r = crm.world.client("market_admin").post(
        reverse("sales:opportunity_dispatch", args=[lead.pk]),
        {
            f"o{lead.pk}-version": lead.version,
            f"o{lead.pk}-grid": crm.world.grid_a.pk,
            f"o{lead.pk}-due": "2099-01-01T09:00",
        },
    )
    assert r.status_code == 302
    lead.refresh_from_db()
    assert lead.dispatch == Opportunity.Dispatch.TO_GRID


def _visit_body(crm: CrmWorld, **extra: Any) -> dict[str, Any]:
    site = crm.customers["a_home"].site
    return {
        "kind": "door",
        "customer": crm.customers["a_home"].pk,
        "outcome": "interested",
        "note": "户主在家",
        "lat": site.lat + 0.0005,
        "lon": site.lon,
        "accuracy_m": 20,
        "position_at": clock.now().isoformat(),
        **extra,
    }


def test_a_door_visit_shows_the_servers_verdict(crm: CrmWorld) -> None:
    client = crm.world.client("account_a")
    form = client.get(reverse("sales:visit_create"))
    assert form.status_code == 200 and "data-checkin-button" in form.content.decode()
    r = client.post(reverse("sales:visit_create"), _visit_body(crm))
    assert r.status_code == 302
    visit = Visit.objects.get()
    page = client.get(r["Location"])
    html = page.content.decode()
    assert visit.verified and 'data-verified="true"' in html and "签到有效" in html


def test_a_far_check_in_is_saved_flagged_and_listed_for_the_manager(crm: CrmWorld) -> None:
    site = crm.customers["a_home"].site
    r = crm.world.client("account_a").post(
        reverse("sales:visit_create"), _visit_body(crm, lat=site.lat + 0.01)
    )
    page = crm.world.client("account_a").get(r["Location"])
    assert 'data-verified="false"' in page.content.decode() and "距离过远" in page.content.decode()
    flagged = crm.world.client("manager_a").get(reverse("sales:visit_list") + "?flagged=1")
    assert [v.pk for v in flagged.context["visits"]] == [Visit.objects.get().pk]


def test_a_phone_visit_with_a_next_step_is_listed_to_follow(crm: CrmWorld) -> None:
    client = crm.world.client("account_a")
    body = _visit_body(crm, kind="phone", next_step="再打电话", next_on=clock.today().isoformat())
    for key in ("lat", "lon", "accuracy_m", "position_at"):
        body.pop(key)
    assert client.post(reverse("sales:visit_create"), body).status_code == 302
    follow = client.get(reverse("sales:visit_list") + "?follow=1")
    assert len(follow.context["visits"]) == 1 and "再打电话" in follow.content.decode()


def test_a_visit_without_customer_or_site_is_refused(crm: CrmWorld) -> None:
    r = crm.world.client("account_a").post(
        reverse("sales:visit_create"), _visit_body(crm, customer="")
    )
    assert r.status_code == 400 and not Visit.objects.exists()


def test_the_day_plan_orders_the_sites_and_maps_them(crm: CrmWorld) -> None:
    client = crm.world.client("account_a")
    sites = crm.t.sites_a[:3]
    day = clock.today().isoformat()
    r = client.post(reverse("sales:day_plan"), {"day": day, "sites": [s.pk for s in sites]})
    assert r.status_code == 302
    plan = DayPlan.objects.get(staff=crm.world.staff["account_a"])
    assert plan.stops.count() == 3
    page = client.get(r["Location"])
    html = page.content.decode()
    assert 'id="dayplan-points"' in html and "leaflet" in html
    assert [p["n"] for p in page.context["points"]] == [1, 2, 3]
    past = client.post(
        reverse("sales:day_plan"),
        {"day": (clock.today() - dt.timedelta(days=1)).isoformat(), "sites": [sites[0].pk]},
    )
    assert past.status_code == 400


def test_the_panels_show_the_sales_work(crm: CrmWorld) -> None:
    opp = _raise(crm)
    client = crm.world.client("manager_a")
    customer = client.get(reverse("crm:customer_detail", args=[crm.customers["a_home"].pk]))
    assert str(opp.code) in customer.content.decode()
    grid = client.get(reverse("org:grid_detail", args=[crm.world.grid_a.pk]))
    assert 'data-testid="panel-sales-grid"' in grid.content.decode()
    assert reverse("sales:board") in grid.content.decode()
    staff = client.get(reverse("org:staff_detail", args=[crm.world.staff["account_a"].pk]))
    assert 'data-testid="panel-sales-staff"' in staff.content.decode()


def test_who_may_post_the_page_actions(crm: CrmWorld) -> None:
    """The actions' rights on the pages: a stage move by those who work it, a dispatch by
    the dispatchers; everyone else gets the same 404 as a missing record."""
    from tests.personas import PERSONAS

    seen: dict[str, tuple[int, int]] = {}
    for persona in PERSONAS:
        opp, lead = _raise(crm), _lead(crm)
        client = crm.world.client(persona)
        move = client.post(
            reverse("sales:opportunity_move", args=[opp.pk]),
            {"version": opp.version, "stage": "proposal"},
        )
        dispatch = client.post(
            reverse("sales:opportunity_dispatch", args=[lead.pk]),
            {
                f"o{lead.pk}-version": lead.version,
                f"o{lead.pk}-assignee": crm.world.staff["account_a"].pk,
                f"o{lead.pk}-due": "2099-01-01T09:00",
            },
        )
        seen[persona] = (move.status_code, dispatch.status_code)
    assert seen == {
        "market_admin": (302, 302),
        "manager_a": (302, 302),
        "account_a": (302, 404),
        "sales_b": (404, 404),
        "tech_a": (404, 404),  # sees grid A's board, does not sell
        "agent_a": (404, 404),
    }


def test_only_managers_log_a_channel_supervision(crm: CrmWorld) -> None:
    marketer = crm.world.client("account_a").get(reverse("sales:visit_create")).content.decode()
    assert 'value="supervision"' not in marketer and 'name="agent"' not in marketer
    manager = crm.world.client("manager_a")
    form = manager.get(reverse("sales:visit_create")).content.decode()
    assert 'value="supervision"' in form and 'name="agent"' in form
    body = _visit_body(crm, kind="supervision", customer="", site=crm.t.sites_a[1].pk)
    body["agent"] = crm.world.staff["agent_a"].pk
    site = crm.t.sites_a[1]
    body.update(lat=site.lat, lon=site.lon)
    r = manager.post(reverse("sales:visit_create"), body)
    assert r.status_code == 302, r.content.decode()[:500]
    visit = Visit.objects.get()
    assert visit.kind == "supervision" and visit.agent == crm.world.staff["agent_a"]
    assert visit.verified
