"""The asset register's place on other pages: menu, the site and grid panels (capacity),
the today view (inspections due) and the daily log (inspections done); and its ear for
the territory's `site_moved` (an asset carries its site's grid)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core import clock, events
from wangge.core import extensions as ext
from wangge.core.access import scope_for
from wangge.core.permissions import can
from wangge.service import selectors_assets as selectors
from wangge.service.models import Asset, Inspection
from wangge.service.permissions_assets import AssetAction
from wangge.service.services.assets import asset_grids_follow
from wangge.territory.events import SiteMoved


def _site_panel(request: Any, site: Any) -> dict[str, Any] | None:
    user = request.user
    if not can(user, AssetAction.VIEW):
        return None
    assets = list(selectors.asset_list(user=user, site_id=site.pk)[:10])
    return {
        "site": site,
        "capacity": selectors.site_capacity(user=user, site_id=site.pk),
        "assets": assets,
        "can_manage": site.grid_id is not None and can(user, AssetAction.MANAGE, site.grid_id),
    }


def _grid_panel(request: Any, grid: Any) -> dict[str, Any] | None:
    user = request.user
    if not can(user, AssetAction.VIEW):
        return None
    rows = selectors.grid_capacity(user=user, grid_id=grid.pk)
    today = clock.today()
    cover = None
    if can(user, AssetAction.COVERAGE):
        found = selectors.coverage(
            user=user, start=today.replace(day=1), end=today, grid_id=grid.pk
        )
        cover = found[0] if found else None
    return {"grid": grid, "row": rows[0] if rows else None, "coverage": cover}


def _today(user: Any, today: dt.date) -> list[ext.TodayItem]:
    if not can(user, AssetAction.VIEW):
        return []
    items: list[ext.TodayItem] = []
    url = reverse("service:inspection_list")
    scope = scope_for(user)
    if scope.staff_id is not None and can(user, AssetAction.INSPECT):
        mine = selectors.my_today(user=user)
        late = mine.filter(due_on__lt=today).count()
        due = mine.filter(due_on=today).count()
        if late:
            items.append(
                ext.TodayItem(_("我的逾期巡检"), url + "?mine=1&status=overdue", late,
                              state="overdue")
            )  # fmt: skip
        if due:
            items.append(ext.TodayItem(_("今天要做的巡检"), url + "?mine=1&status=today", due))
    if can(user, AssetAction.COVERAGE) and (scope.managed_grid_ids or scope.everything):
        overdue = (
            selectors.inspection_list(user=user, status="overdue")
            .exclude(assignee_id=scope.staff_id or -1)
            .count()
        )
        if overdue:
            items.append(
                ext.TodayItem(_("团队逾期巡检"), url + "?status=overdue", overdue,
                              state="overdue")
            )  # fmt: skip
    return items


def _day_activity(user: Any, day: dt.date) -> list[ext.Activity]:
    """The inspections the person did that day (their own records only)."""
    staff_id = scope_for(user).staff_id
    if staff_id is None:
        return []
    done = (
        Inspection.objects.filter(done_by_id=staff_id, done_on=day)
        .select_related("asset", "asset__site")
        .defer("photo")
        .order_by("done_at", "id")
    )
    out = []
    for i in done:
        finding = i.get_finding_display()
        if i.finding == Inspection.Finding.DEFECT:
            finding = f"{finding}（{i.get_severity_display()}）"
        out.append(
            ext.Activity(
                _("巡检 %(asset)s（%(site)s）：%(finding)s")
                % {"asset": i.asset, "site": i.asset.site.name, "finding": finding},
                at=i.done_at,
                url=reverse("service:inspection_detail", args=[i.pk]),
            )
        )
    return out


def _can(action: str) -> Any:
    return lambda user: can(user, action)


def _inspector(user: Any) -> bool:
    return can(user, AssetAction.INSPECT) and scope_for(user).staff_id is not None


#: key, label, page, order, who sees it (the page checks again).
MENU = (
    ("service.assets", gettext_lazy("网络资产"), "service:asset_list", 70, _can(AssetAction.VIEW)),
    ("service.inspections", gettext_lazy("我的巡检"), "service:inspection_list", 71, _inspector),
    ("service.schedules", gettext_lazy("巡检计划"), "service:schedule_list", 72,
     _can(AssetAction.PLAN)),
    ("service.coverage", gettext_lazy("巡检覆盖率"), "service:coverage", 73,
     _can(AssetAction.COVERAGE)),
)  # fmt: skip


def _capacity_fields(site: Any) -> tuple[str, ...]:
    """A site with any asset has its capacity from the register (`site_capacity_refresh`
    rewrites both figures on each asset write, even when every asset is retired)."""
    if Asset.objects.filter(site_id=site.pk).exists():
        return ("free_ports", "covered_households")
    return ()


def register() -> None:
    from wangge.service import imports_assets  # noqa: F401  (registers the kind `assets`)

    ext.add_derived_fields("territory.site", "service.capacity", _capacity_fields)
    # Inline: the assets follow in the same request as the site (the scope reads the copy).
    events.subscribe(SiteMoved, asset_grids_follow)

    for key, label, url_name, order, visible in MENU:
        ext.add_menu(ext.MenuEntry(key, label, url_name, order=order, visible=visible))
    ext.add_panel(
        ext.Panel("service.assets", "site", "service/assets/_site_panel.html", _site_panel)
    )
    ext.add_panel(
        ext.Panel("service.assets", "grid", "service/assets/_grid_panel.html", _grid_panel)
    )
    ext.add_today(ext.TodaySection("service.inspections", gettext_lazy("巡检"), _today, order=45))
    ext.add_day_activity(
        ext.ActivitySource("service.inspections", gettext_lazy("巡检"), _day_activity, order=45)
    )
