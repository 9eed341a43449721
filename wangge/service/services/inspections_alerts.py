"""Overdue inspections: each morning the technician hears how many of theirs are late and
each grid manager how many of the grid's are, once a day. One note per person, not one per
task: a backlog of dozens would bury the inbox."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wangge.core import clock, notify
from wangge.org.models import Grid, GridMembership
from wangge.org.roles import Role
from wangge.service.models import Inspection

KIND = "service.inspection_overdue"


def notify_overdue_inspections() -> int:
    """Send the day's notes; the key is the person (or grid) and the day, so a second run
    the same day changes nothing. Returns the overdue tasks counted."""
    today = clock.today()
    late = (
        Inspection.objects.filter(done_on__isnull=True, due_on__lt=today)
        .order_by()
        .values_list("grid_id", "assignee__user_id")
        .annotate(n=Count("id"))
    )
    per_user: Counter[int] = Counter()
    per_grid: Counter[int] = Counter()
    for grid_id, user_id, n in late:
        if user_id is not None:
            per_user[user_id] += n
        if grid_id is not None:
            per_grid[grid_id] += n
    url = reverse("service:inspection_list") + "?status=overdue"
    for user_id, n in sorted(per_user.items()):
        notify.send(
            [user_id],
            kind=KIND,
            title=ngettext("你有 %(n)d 个逾期巡检", "你有 %(n)d 个逾期巡检", n) % {"n": n},
            body=_("请尽快到现场完成巡检。"),
            url=url + "&mine=1",
            key=f"inspections_overdue:user:{user_id}:{today.isoformat()}",
        )
    names = dict(Grid.objects.filter(pk__in=per_grid).values_list("pk", "name"))
    managers = GridMembership.objects.filter(grid_id__in=per_grid, role=Role.GRID_MANAGER)
    for grid_id, user_id in managers.values_list("grid_id", "staff__user_id"):
        n = per_grid[grid_id]
        notify.send(
            [user_id],
            kind=KIND,
            title=ngettext(
                "网格 %(grid)s 有 %(n)d 个逾期巡检", "网格 %(grid)s 有 %(n)d 个逾期巡检", n
            )
            % {"grid": names.get(grid_id, ""), "n": n},
            url=url,
            key=f"inspections_overdue:grid:{grid_id}:{today.isoformat()}",
        )
    return sum(per_grid.values())
