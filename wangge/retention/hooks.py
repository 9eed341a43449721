"""The retention app's place on other pages: menu, the today view, the daily log's
activity, and the sales app's visits counted as contacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wangge.core import clock, events
from wangge.core import extensions as ext
from wangge.core.access import scope_for
from wangge.core.permissions import can
from wangge.retention import selectors, services
from wangge.retention.models import CollectionTask, Contact
from wangge.retention.permissions import Action
from wangge.sales.events import VisitRecorded


def _today(user: Any, today: dt.date) -> list[ext.TodayItem]:
    if not can(user, Action.VIEW):
        return []
    scope = scope_for(user)
    items: list[ext.TodayItem] = []
    care = reverse("retention:care_list")
    mine = selectors.care_list(user=user, owner_id=scope.staff_id or -1, today=today)
    late = ext.today_count(mine.filter(due_on__lt=today))
    if late:
        items.append(ext.TodayItem(_("我的客户维系已逾期"), care + "?state=overdue&mine=1",
                                   late, state="overdue"))  # fmt: skip
    due = ext.today_count(mine.filter(due_on=today))
    if due:
        items.append(ext.TodayItem(_("今天要维系的客户"), care + "?state=due&mine=1", due))
    if scope.managed_grid_ids or scope.everything:
        team_late = ext.today_count(
            selectors.care_list(user=user, state="overdue", today=today).exclude(
                owner_id=scope.staff_id or -1
            )
        )
        if team_late:
            items.append(ext.TodayItem(_("团队逾期的客户维系"), care + "?state=overdue",
                                       team_late, state="overdue"))  # fmt: skip
    if can(user, Action.COLLECT):
        tasks = reverse("retention:collection_list")
        open_mine = selectors.collection_list(
            user=user, status=CollectionTask.Status.OPEN, owner_id=scope.staff_id or -1
        ).filter(due_on__lte=today)
        n = ext.today_count(open_mine)
        if n:
            items.append(ext.TodayItem(_("到期的续费与催缴"), tasks + "?mine=1&due=1", n))
    return items


def _activity(user: Any, day: dt.date) -> list[ext.Activity]:
    """The person's own contacts and collection outcomes of the day."""
    staff_id = scope_for(user).staff_id
    if staff_id is None or not can(user, Action.VIEW):
        return []
    start, end = clock.start_of_day(day), clock.start_of_day(day + dt.timedelta(days=1))
    out: list[ext.Activity] = []
    contacts = Contact.objects.filter(staff_id=staff_id, at__gte=start, at__lt=end)
    for c in contacts.select_related("customer").order_by("at", "id")[:50]:
        out.append(ext.Activity(f"{c.get_kind_display()} · {c.customer.name}", at=c.at))
    tasks = CollectionTask.objects.filter(owner_id=staff_id, closed_on=day).exclude(
        status=CollectionTask.Status.OPEN
    )
    for t in tasks.select_related("customer").order_by("id")[:50]:
        out.append(ext.Activity(
            f"{t.get_kind_display()} · {t.customer.name} · {t.get_status_display()}",
            url=reverse("retention:collection_detail", args=[t.pk]),
        ))  # fmt: skip
    return out


def _can(action: str) -> Any:
    return lambda user: can(user, action)


#: The app's menu entries: key, label, page, order, who sees it (the page checks again).
MENU = (
    ("retention.care", _("客户维系"), "retention:care_list", 60, _can(Action.VIEW)),
    ("retention.collections", _("续费催缴"), "retention:collection_list", 61,
     _can(Action.COLLECT)),
    ("retention.rates", _("维系与催缴指标"), "retention:rates", 62, _can(Action.RATES)),
    ("retention.rules", _("维系规则"), "retention:rule_list", 63, _can(Action.RULES)),
)  # fmt: skip


def register() -> None:
    for key, label, url_name, order, visible in MENU:
        ext.add_menu(ext.MenuEntry(key, label, url_name, order=order, visible=visible))
    ext.add_today(ext.TodaySection("retention", _("客户维系与催缴"), _today, order=40))
    ext.add_day_activity(ext.ActivitySource("retention", _("维系与催缴"), _activity, order=40))
    events.subscribe(VisitRecorded, services.on_visit_recorded)
