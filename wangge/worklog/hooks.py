"""The worklog app's place on other pages: menu and the today view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wangge.core import extensions as ext
from wangge.core import workdays
from wangge.core.access import scope_for
from wangge.core.permissions import can
from wangge.worklog import selectors, selectors_team
from wangge.worklog.models import WorkLog
from wangge.worklog.permissions import Action


def _author_items(user: Any, today: dt.date) -> list[ext.TodayItem]:
    staff_id = scope_for(user).staff_id
    if staff_id is None:
        return []
    items: list[ext.TodayItem] = []
    page = reverse("worklog:today")
    previous = workdays.previous_workday(today)
    mine = dict(
        WorkLog.objects.filter(author_id=staff_id, day__in=[previous, today]).values_list(
            "day", "status"
        )
    )
    if mine.get(previous) in (None, WorkLog.Status.DRAFT) and not selectors.on_leave(
        staff_id, previous
    ):
        items.append(
            ext.TodayItem(
                _("上一个工作日的日志未交"),
                f"{page}?day={previous.isoformat()}",
                due=previous,
                state="overdue",
            )
        )
    if workdays.is_workday(today) and mine.get(today) in (None, WorkLog.Status.DRAFT):
        items.append(ext.TodayItem(_("写今天的工作日志"), page, due=today))
    returned = WorkLog.objects.filter(author_id=staff_id, status=WorkLog.Status.RETURNED).count()
    if returned:
        items.append(
            ext.TodayItem(
                _("被退回待修改的日志"),
                reverse("worklog:log_list") + "?status=returned",
                returned,
                state="overdue",
            )
        )
    return items


def _reviewer_items(user: Any, today: dt.date) -> list[ext.TodayItem]:
    items: list[ext.TodayItem] = []
    pending = selectors.review_queue(user=user).count()
    if pending:
        items.append(
            ext.TodayItem(_("待审阅的日志"), reverse("worklog:review"), pending, state="review")
        )
    previous = workdays.previous_workday(today)
    missing = len(selectors.missing(user=user, day=previous))
    if missing:
        items.append(
            ext.TodayItem(
                _("上一个工作日未交日志的人"),
                reverse("worklog:review") + f"?day={previous.isoformat()}",
                missing,
                due=previous,
                state="overdue",
            )
        )
    return items


def _action_items(user: Any, today: dt.date) -> list[ext.TodayItem]:
    staff_id = scope_for(user).staff_id
    if staff_id is None or not can(user, Action.ACTION_DONE):
        return []
    mine = selectors_team.open_actions(user=user, owner_id=staff_id).filter(due__lte=today)
    counts = mine.aggregate(
        late=Count("id", filter=Q(due__lt=today)), due=Count("id", filter=Q(due=today))
    )
    url = reverse("worklog:meeting_list") + "?mine=1"
    items = []
    if counts["late"]:
        items.append(ext.TodayItem(_("会议待办已过期"), url, counts["late"], state="overdue"))
    if counts["due"]:
        items.append(ext.TodayItem(_("今天到期的会议待办"), url, counts["due"], due=today))
    return items


def _today(user: Any, today: dt.date) -> list[ext.TodayItem]:
    items: list[ext.TodayItem] = _action_items(user, today)
    if selectors.writes_logs(user) and can(user, Action.WRITE):
        items += _author_items(user, today)
    scope = scope_for(user)
    if can(user, Action.REVIEW) and scope.managed_grid_ids:
        items += _reviewer_items(user, today)
    return items


def _writes(user: Any) -> bool:
    return selectors.writes_logs(user) and can(user, Action.WRITE)


def _reviews(user: Any) -> bool:
    return can(user, Action.REVIEW)


def _view(user: Any) -> bool:
    return can(user, Action.VIEW)


def _kpi(user: Any) -> bool:
    return can(user, Action.KPI)


#: The app's menu entries: key, label, page, order, who sees it (the page checks again).
MENU = (
    ("worklog.today", _("工作日志"), "worklog:today", 60, _writes),
    ("worklog.review", _("日志审阅"), "worklog:review", 61, _reviews),
    ("worklog.kpi", _("日志考核"), "worklog:kpi", 62, _kpi),
    # Meetings, the problem board, training and rotation share one entry and a tab bar.
    ("worklog.team", _("会议与培训"), "worklog:meeting_list", 63, _view),
)


def register() -> None:
    for key, label, url_name, order, visible in MENU:
        ext.add_menu(ext.MenuEntry(key, label, url_name, order=order, visible=visible))
    ext.add_today(ext.TodaySection("worklog", _("工作日志"), _today, order=20))
