"""Overdue work orders: the technician and the grid's managers are told, once per order."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.core import clock, notify
from wangge.org.models import GridMembership
from wangge.org.roles import Role
from wangge.service.models import WorkOrder

KIND = "service.order_overdue"


def notify_overdue(*, limit: int = 5000) -> int:
    """Alert about every open order past its deadline; the notification's key is the
    order, so the next run (or a second scheduler) does not repeat it. Returns the orders
    looked at."""
    late = list(
        WorkOrder.objects.overdue(clock.now())
        .select_related("assignee", "site")
        .order_by("due_at", "id")[:limit]
    )
    grids = {o.grid_id for o in late if o.grid_id}
    managers: dict[int, list[int]] = {}
    for grid_id, user_id in GridMembership.objects.filter(
        grid_id__in=grids, role=Role.GRID_MANAGER
    ).values_list("grid_id", "staff__user_id"):
        managers.setdefault(grid_id, []).append(user_id)
    for order in late:
        recipients = list(managers.get(order.grid_id or 0, []))
        if order.assignee is not None:
            recipients.append(order.assignee.user_id)
        notify.send(
            recipients,
            kind=KIND,
            title=_("工单 %(code)s 已超时") % {"code": order.code},
            body=_("%(kind)s · %(site)s · 时限 %(due)s")
            % {
                "kind": order.get_kind_display(),
                "site": order.site.name,
                "due": timezone.localtime(order.due_at).strftime("%Y-%m-%d %H:%M"),
            },
            url=reverse("service:order_detail", args=[order.code]),
            key=f"order:{order.pk}",
        )
    return len(late)
