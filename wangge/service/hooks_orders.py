"""Work orders on other pages (menu, customer and site panels, today, the daily log) and
the sales event that opens installs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wangge.core import clock, events
from wangge.core import extensions as ext
from wangge.core.access import scope_for
from wangge.core.permissions import can
from wangge.service import selectors_orders as selectors
from wangge.service.events import DefectFound
from wangge.service.models import WorkOrder, WorkOrderStep
from wangge.service.permissions import Action


def on_sale_won(event: Any) -> None:
    """`sale_won` (sales): the customer needs installing. Heard by name, as sales and
    service are siblings that may not import each other."""
    from wangge.service.services.orders import install_for_sale

    install_for_sale(
        opportunity_id=event.opportunity_id,
        order_id=event.order_id,
        subscription_id=event.subscription_id,
        customer_id=event.customer_id,
    )


def on_defect_found(event: DefectFound) -> None:
    """An inspection found a defect: the grid's technician gets a repair order for it."""
    from wangge.service.services.orders import repair_for_defect

    repair_for_defect(
        inspection_id=event.inspection_id,
        asset_id=event.asset_id,
        site_id=event.site_id,
        severity=event.severity,
        note=event.note,
    )


def _panel(request: Any, **filters: Any) -> dict[str, Any] | None:
    if not can(request.user, Action.VIEW):
        return None
    orders = selectors.order_list(user=request.user, **filters).order_by("-created_at", "-id")
    return {"orders": list(orders[:10]), "now": clock.now()}


def _customer_panel(request: Any, customer: Any) -> dict[str, Any] | None:
    ctx = _panel(request, customer_id=customer.pk)
    if ctx is not None:
        ctx["create_url"] = reverse("service:order_create") + f"?customer={customer.pk}"
        ctx["can_create"] = can(request.user, Action.CREATE, customer.site)
    return ctx


def _site_panel(request: Any, site: Any) -> dict[str, Any] | None:
    ctx = _panel(request, site_id=site.pk)
    if ctx is not None:
        ctx["create_url"] = reverse("service:order_create") + f"?site={site.pk}"
        ctx["can_create"] = can(request.user, Action.CREATE, site)
    return ctx


def _today(user: Any, today: dt.date) -> list[ext.TodayItem]:
    if not can(user, Action.VIEW):
        return []
    scope = scope_for(user)
    now = clock.now()
    items: list[ext.TodayItem] = []
    if scope.staff_id is not None and can(user, Action.WORK):
        mine = WorkOrder.objects.visible_to(user).filter(
            assignee_id=scope.staff_id, state__in=WorkOrder.OPEN_STATES
        )
        late = mine.filter(met_at__isnull=True, due_at__lt=now).count()
        if late:
            items.append(
                ext.TodayItem(
                    _("我的工单已超时"),
                    reverse("service:my_orders"),
                    late,
                    state="overdue",
                )
            )
        todo = mine.count() - late
        if todo:
            items.append(ext.TodayItem(_("我的待办工单"), reverse("service:my_orders"), todo))
    if scope.managed_grid_ids and can(user, Action.ASSIGN):
        team = WorkOrder.objects.visible_to(user).filter(
            grid_id__in=scope.managed_grid_ids, state__in=WorkOrder.OPEN_STATES
        )
        late = team.filter(met_at__isnull=True, due_at__lt=now).count()
        if late:
            items.append(
                ext.TodayItem(_("网格超时工单"), reverse("service:board"), late, state="overdue")
            )
        waiting = team.filter(assignee__isnull=True).count()
        if waiting:
            items.append(
                ext.TodayItem(_("待派工的工单"), reverse("service:board"), waiting, state="review")
            )
    if can(user, Action.FOLLOW_UP) and not scope.everything:
        follow = (
            WorkOrder.objects.visible_to(user)
            .filter(state="done", grid_id__in=scope.grid_ids)
            .count()
        )
        if follow:
            items.append(
                ext.TodayItem(
                    _("完工待回访的工单"),
                    reverse("service:order_list") + "?state=done",
                    follow,
                    state="review",
                )
            )
    return items


def _activity(user: Any, day: dt.date) -> list[ext.Activity]:
    """What a person did to work orders on `day` (their own steps)."""
    staff_id = scope_for(user).staff_id
    if staff_id is None or not can(user, Action.VIEW):
        return []
    steps = (
        WorkOrderStep.objects.filter(
            actor_id=staff_id,
            at__gte=clock.start_of_day(day),
            at__lt=clock.start_of_day(day + dt.timedelta(days=1)),
        )
        .select_related("order")
        .order_by("at", "id")[:200]
    )
    out = []
    for s in steps:
        text = f"{s.order.code} {s.order.get_kind_display()}：{s.get_to_state_display()}"
        out.append(
            ext.Activity(
                text=text, at=s.at, url=reverse("service:order_detail", args=[s.order.code])
            )
        )
    return out


def _can_view(user: Any) -> bool:
    return can(user, Action.VIEW)


def _can_work(user: Any) -> bool:
    return can(user, Action.WORK) and scope_for(user).staff_id is not None


def _can_assign(user: Any) -> bool:
    return can(user, Action.ASSIGN)


def _can_sla(user: Any) -> bool:
    return can(user, Action.SLA_VIEW)


MENU = (
    ("service.my_orders", _("我的工单"), "service:my_orders", 60, _can_work),
    ("service.orders", _("工单"), "service:order_list", 61, _can_view),
    ("service.board", _("工单看板"), "service:board", 62, _can_assign),
    ("service.sla", _("时限达成"), "service:sla_dashboard", 63, _can_sla),
)


def register() -> None:
    events.subscribe("sale_won", on_sale_won)
    events.subscribe(DefectFound, on_defect_found)
    for key, label, url_name, order, visible in MENU:
        ext.add_menu(ext.MenuEntry(key, label, url_name, order=order, visible=visible))
    ext.add_panel(
        ext.Panel(
            "service.orders.customer", "customer", "service/orders/_panel.html", _customer_panel
        )
    )
    ext.add_panel(
        ext.Panel("service.orders.site", "site", "service/orders/_panel.html", _site_panel)
    )
    ext.add_today(ext.TodaySection("service.orders", _("装维工单"), _today, order=35))
    ext.add_day_activity(ext.ActivitySource("service.orders", _("工单"), _activity, order=35))
