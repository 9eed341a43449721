"""The sales app's place on other pages: menu, panels and the today view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core import extensions as ext
from wangge.core.access import scope_for
from wangge.core.permissions import can
from wangge.sales import hooks_activity, hooks_promotion, selectors
from wangge.sales.models import Opportunity, Visit
from wangge.sales.permissions import Action


def _customer_panel(request: Any, customer: Any) -> dict[str, Any] | None:
    if not can(request.user, Action.VIEW):
        return None
    opps = selectors.opportunity_list(user=request.user).filter(customer_id=customer.pk)[:10]
    visits = selectors.visit_list(user=request.user, customer_id=customer.pk)[:5]
    return {
        "customer": customer,
        "opportunities": list(opps),
        "visits": list(visits),
        "can_raise": can(request.user, Action.CREATE, customer.site),
        "can_visit": can(request.user, Action.VISIT),
    }


def _site_panel(request: Any, site: Any) -> dict[str, Any] | None:
    if not can(request.user, Action.VIEW):
        return None
    qs = selectors.opportunity_list(user=request.user).filter(site_id=site.pk)
    counts = qs.aggregate(
        open=Count("id", filter=Q(stage__in=Opportunity.OPEN_STAGES)),
        won=Count("id", filter=Q(stage="won")),
    )
    pieces = selectors.piece_list(user=request.user, site_id=site.pk)[:10]
    return {
        "site": site,
        "counts": counts,
        "pieces": list(pieces),
        "can_raise": can(request.user, Action.CREATE, site),
        "can_visit": can(request.user, Action.VISIT),
    }


def _grid_panel(request: Any, grid: Any) -> dict[str, Any] | None:
    if not can(request.user, Action.VIEW):
        return None
    return {
        "grid": grid,
        "board": selectors.board(user=request.user, grid_id=grid.pk),
        "can_dispatch": can(request.user, Action.DISPATCH),
    }


def _staff_panel(request: Any, staff: Any) -> dict[str, Any] | None:
    if not can(request.user, Action.VIEW):
        return None
    qs = selectors.opportunity_list(user=request.user, assignee_id=staff.pk)
    counts = qs.aggregate(
        open=Count("id", filter=Q(stage__in=Opportunity.OPEN_STAGES)),
        won=Count("id", filter=Q(stage="won")),
        overdue=Count("id", filter=selectors.overdue_q(clock.now())),
    )
    visits = Visit.objects.visible_to(request.user).filter(staff_id=staff.pk).count()
    return {"staff": staff, "counts": counts, "visits": visits}


def _today(user: Any, today: dt.date) -> list[ext.TodayItem]:
    if not can(user, Action.VIEW):
        return []
    scope = scope_for(user)
    items: list[ext.TodayItem] = []
    board = reverse("sales:opportunity_list")
    mine = selectors.opportunity_list(user=user, mine=True, open_only=True)
    pending = mine.filter(dispatch=Opportunity.Dispatch.PENDING).count()
    if pending:
        items.append(
            ext.TodayItem(_("派给我的商机待接单"), board + "?mine=1&dispatch=pending", pending)
        )
    late = mine.filter(selectors.overdue_q(clock.now())).count()
    if late:
        items.append(
            ext.TodayItem(_("我的商机已超时"), board + "?mine=1&overdue=1", late, state="overdue")
        )
    if can(user, Action.VISIT) and scope.staff_id is not None:
        follow = (
            selectors.visit_list(user=user, staff_id=scope.staff_id)
            .filter(next_on__lte=today, next_on__gte=today - dt.timedelta(days=7))
            .count()
        )
        if follow:
            items.append(
                ext.TodayItem(
                    _("今天要跟进的拜访"), reverse("sales:visit_list") + "?follow=1", follow
                )
            )
    if can(user, Action.DISPATCH) and (scope.managed_grid_ids or scope.everything):
        grid_board = selectors.opportunity_list(user=user, open_only=True)
        waiting = grid_board.filter(assignee__isnull=True).count()
        if waiting:
            items.append(
                ext.TodayItem(_("待派单的商机"), board + "?unassigned=1", waiting, state="review")
            )
        overdue = grid_board.filter(selectors.overdue_q(clock.now())).count()
        if overdue:
            items.append(
                ext.TodayItem(_("团队超时商机"), board + "?overdue=1", overdue, state="overdue")
            )
    if can(user, Action.REVIEW):
        flagged = selectors.flagged_to_review(user=user, today=today).count()
        if flagged:
            items.append(
                ext.TodayItem(
                    _("签到存疑的拜访（昨天和今天）"),
                    reverse("sales:visit_list") + "?flagged=1&recent=1",
                    flagged,
                    state="review",
                )
            )
    return items


def _can_view(user: Any) -> bool:
    return can(user, Action.VIEW)


def _can_visit(user: Any) -> bool:
    return can(user, Action.VISIT) or can(user, Action.REVIEW)


def _can_dispatch(user: Any) -> bool:
    return can(user, Action.DISPATCH)


def _can_funnel(user: Any) -> bool:
    return can(user, Action.FUNNEL)


#: The app's menu entries: key, label, page, order, who sees it (the page checks again).
MENU = (
    ("sales.opportunities", _("商机"), "sales:opportunity_list", 50, _can_view),
    ("sales.board", _("派单看板"), "sales:board", 51, _can_dispatch),
    ("sales.visits", _("拜访"), "sales:visit_list", 52, _can_visit),
    ("sales.funnel", _("销售漏斗"), "sales:funnel", 56, _can_funnel),
)


def register() -> None:
    for key, label, url_name, order, visible in MENU:
        ext.add_menu(ext.MenuEntry(key, label, url_name, order=order, visible=visible))
    ext.add_panel(
        ext.Panel("sales.customer", "customer", "sales/_customer_panel.html", _customer_panel)
    )
    ext.add_panel(ext.Panel("sales.site", "site", "sales/_site_panel.html", _site_panel))
    ext.add_panel(ext.Panel("sales.grid", "grid", "sales/_grid_panel.html", _grid_panel))
    ext.add_panel(ext.Panel("sales.staff", "staff", "sales/_staff_panel.html", _staff_panel))
    ext.add_today(ext.TodaySection("sales", _("增量营销"), _today, order=30))
    hooks_promotion.register()
    hooks_activity.register()
