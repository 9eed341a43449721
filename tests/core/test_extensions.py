"""Menus, detail-page panels and the today view are filled by the apps that register them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from tests.crm.world import CrmWorld
from wangge.core import extensions as ext
from wangge.core.access import SYSTEM
from wangge.crm import services


def _nav(crm: CrmWorld, persona: str) -> str:
    html = crm.world.client(persona).get(reverse("home")).content.decode()
    return html.split('class="mainnav"')[1].split("</nav>")[0]


def test_the_navigation_shows_what_each_app_registered_for_the_user(crm: CrmWorld) -> None:
    admin, agent = _nav(crm, "market_admin"), _nav(crm, "agent_a")
    for url in ("crm:customer_list", "territory:site_list", "core:audit_list", "org:grid_list"):
        assert reverse(url) in admin
    assert reverse("crm:customer_list") in agent
    assert reverse("territory:site_list") not in agent  # agents hold no right to sites
    assert reverse("core:audit_list") not in _nav(crm, "manager_a")


def test_detail_pages_render_the_panels_of_higher_apps(crm: CrmWorld) -> None:
    client = crm.world.client("manager_a")
    site = client.get(reverse("territory:site_detail", args=[crm.t.sites_a[0].pk]))
    assert 'data-testid="site-market"' in site.content.decode()
    grid = client.get(reverse("org:grid_detail", args=[crm.world.grid_a.pk])).content.decode()
    assert 'data-testid="panel-crm-customers"' in grid
    staff = crm.world.staff["account_a"]
    page = client.get(reverse("org:staff_detail", args=[staff.pk])).content.decode()
    assert 'data-testid="panel-crm-accounts"' in page


def test_a_panel_can_leave_itself_out(crm: CrmWorld) -> None:
    ext.add_panel(ext.Panel("test.never", "grid", "crm/_grid_panel.html", lambda r, o: None))
    try:
        client = crm.world.client("manager_a")
        html = client.get(reverse("org:grid_detail", args=[crm.world.grid_a.pk])).content.decode()
        assert html.count('data-testid="panel-crm-customers"') == 1  # not twice, not broken
    finally:
        ext._panels.pop(("grid", "test.never"))


def test_the_home_page_is_the_persons_today_view(crm: CrmWorld) -> None:
    sub = crm.subscriptions["a_home"]
    services.subscription_update(
        actor=SYSTEM,
        subscription=sub,
        data={"arrears": Decimal("30.00")},
    )
    html = crm.world.client("account_a").get(reverse("home")).content.decode()
    assert 'data-testid="today-crm"' in html
    assert reverse("crm:subscription_list") + "?arrears=1" in html
    # A technician has no collection work: the section is hidden, not shown empty.
    tech = crm.world.client("tech_a").get(reverse("home")).content.decode()
    assert "?arrears=1" not in tech
    assert 'data-testid="today-org.grids"' in tech


def test_today_sections_without_items_are_left_out(crm: CrmWorld) -> None:
    def nothing(user: object, today: dt.date) -> list[ext.TodayItem]:
        return []

    ext.add_today(ext.TodaySection("test.empty", "空", nothing))
    try:
        keys = [s.key for s, _ in ext.today_for(crm.world.user("manager_a"), dt.date(2026, 5, 1))]
        assert "test.empty" not in keys and "org.grids" in keys
    finally:
        ext._today.pop("test.empty")


def test_day_activity_in_order_empty_sources_left_out() -> None:
    import datetime as dt

    from wangge.core import extensions as ext

    day = dt.date(2026, 12, 1)
    saved = dict(ext._activity)
    try:
        ext._activity.clear()
        ext.add_day_activity(ext.ActivitySource("b", "B", lambda u, d: [ext.Activity(f"b {d}")], 2))
        ext.add_day_activity(ext.ActivitySource("a", "A", lambda u, d: [ext.Activity("a")], 1))
        ext.add_day_activity(ext.ActivitySource("c", "C", lambda u, d: [], 0))
        got = ext.day_activity_for(None, day)
        assert [(s.key, [i.text for i in items]) for s, items in got] == [
            ("a", ["a"]),
            ("b", [f"b {day}"]),
        ]
    finally:
        ext._activity.clear()
        ext._activity.update(saved)


def test_a_today_count_past_the_cap_shows_as_more() -> None:
    cap = ext.TODAY_COUNT_CAP
    shown = [ext.TodayItem("x", count=n).shown for n in (None, 0, cap, cap + 1)]
    assert shown == ["", "0", str(cap), f"{cap}+"]
