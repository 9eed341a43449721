"""The leaderboard (排行榜) on other apps' pages: the person's today view and the grid page.

Both rank the current month by performance score (no upper cap), the same figures as the
rankings page (`selectors_targets.rankings`), and show nobody more than that page would:
persons of the viewer's own grids (all for the market department), grids for every member
of staff. Nothing is shown until someone has a score (a month without targets).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core import extensions as ext
from wangge.core.access import scope_for
from wangge.core.permissions import can
from wangge.org.models import Grid, Staff
from wangge.performance import awards
from wangge.performance import selectors_targets as sel
from wangge.performance.models import Award
from wangge.performance.periods import Period, month_of
from wangge.performance.permissions_targets import Action

#: How many places the today view and the grid panel list.
TOP = 3


@dataclass(frozen=True)
class Place:
    rank: int
    name: str
    score: Decimal
    obj: Any


def ranked(rows: list[sel.Row]) -> list[Place]:
    """Rows with a score, best first; ties share a rank (`awards.rank`)."""
    scored = awards.rank({i: r.score for i, r in enumerate(rows)})
    return [
        Place(r.rank, rows[r.key].name, r.value, rows[r.key].obj)
        for r in scored
        if rows[r.key].score is not None
    ]


def people_places(user: Any, period: Period, people: Any = None) -> list[Place]:
    qs = sel.ranking_people(user)
    if people is not None:
        qs = qs.filter(pk__in=people)
    return ranked(sel.person_rows(period, qs.order_by("employee_no")))


def grid_places(period: Period) -> list[Place]:
    grids = Grid.objects.filter(is_active=True).order_by("code")
    return ranked(sel.grid_rows(period, grids))


def _score(value: Decimal) -> str:
    return f"{value:.2f}"


def today_items(user: Any, today: dt.date) -> list[ext.TodayItem]:
    """My place, the month's top persons and grids, and the last awards granted."""
    if not can(user, Action.RANKINGS):
        return []
    period = month_of(today)
    url = reverse("performance:rankings") + f"?period={period.code}"
    people = people_places(user, period)
    grids = grid_places(period)
    items: list[ext.TodayItem] = []
    me = scope_for(user).staff_id
    mine = next((p for p in people if p.obj.pk == me), None)
    if mine is not None:
        label = _("我的排名：第 %(rank)s 名 / %(n)s 人，得分 %(score)s") % {
            "rank": mine.rank, "n": len(people), "score": _score(mine.score),
        }  # fmt: skip
        items.append(ext.TodayItem(label, url=url, state="info"))
    for p in people[:TOP]:
        label = _("个人第 %(rank)s 名：%(name)s，得分 %(score)s") % {
            "rank": p.rank, "name": p.name, "score": _score(p.score),
        }  # fmt: skip
        items.append(ext.TodayItem(label, url=url, state="info"))
    for g in grids[:TOP]:
        label = _("网格第 %(rank)s 名：%(name)s，得分 %(score)s") % {
            "rank": g.rank, "name": g.name, "score": _score(g.score),
        }  # fmt: skip
        items.append(ext.TodayItem(label, url=url, state="info"))
    if items and can(user, Action.AWARDS):
        last = (
            Award.objects.visible_to(user)
            .filter(status=Award.Status.AWARDED)
            .order_by("-period")
            .values_list("period", flat=True)
            .first()
        )
        if last:
            count = (
                Award.objects.visible_to(user)
                .filter(status=Award.Status.AWARDED, period=last)
                .count()
            )
            items.append(
                ext.TodayItem(
                    _("%(period)s 获奖") % {"period": last},
                    url=reverse("performance:awards") + f"?period={last}",
                    count=count,
                    state="info",
                )
            )
    return items


def grid_panel(request: Any, grid: Grid) -> dict[str, Any] | None:
    """The grid's place among the grids, its people's ranking this month and their last
    awards (and its team's)."""
    user = request.user
    if not can(user, Action.RANKINGS):
        return None
    period = month_of(clock.today())
    grids = grid_places(period)
    place = next((g for g in grids if g.obj.pk == grid.pk), None)
    members = Staff.objects.filter(memberships__grid=grid, memberships__is_primary=True)
    people = people_places(user, period, members.values("pk"))
    if place is None and not people:
        return None
    return {
        "period": period,
        "place": place,
        "grids": len(grids),
        "people": people,
        "awards": Award.objects.visible_to(user)
        .filter(status=Award.Status.AWARDED)
        .filter(Q(staff__in=members.values("pk")) | Q(team__grid=grid))
        .select_related("staff", "team")
        .order_by("-period", "kind")[:5],
    }
