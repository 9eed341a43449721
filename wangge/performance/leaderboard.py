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

from django.core.cache import cache
from django.db import connection
from django.db.models import Model, Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core import extensions as ext
from wangge.core.access import scope_for
from wangge.core.models import AuditEntry
from wangge.core.permissions import can
from wangge.org.models import Grid, Staff
from wangge.performance import awards
from wangge.performance import selectors_targets as sel
from wangge.performance.models import Award, Indicator, SalesRecord, Target
from wangge.performance.periods import Period, month_of
from wangge.performance.permissions_targets import Action
from wangge.retention.models import CollectionTask

#: How many places the today view and the grid panel list.
TOP = 3


@dataclass(frozen=True)
class Place:
    rank: int
    name: str
    score: Decimal
    obj: Any


def _score(value: Decimal) -> str:
    return f"{value:.2f}"


#: Tables whose newest row moves with every change the rankings read: each write through
#: the services leaves an audit entry; sales, renewal tasks, targets and awards also arrive
#: in bulk (imports, the settlement, the nightly jobs), which add rows without one.
STAMP_TABLES: tuple[type[Model], ...] = (
    AuditEntry, SalesRecord, CollectionTask, Target, Indicator, Award,
)  # fmt: skip
#: A kept ranking is only ever read under its own stamp; this just lets old ones go.
KEEP_SECONDS = 24 * 3600


def stamp() -> str:
    """The newest row of each table the rankings depend on, in one statement (each a
    primary key's maximum: an index's last entry, however large the table)."""
    qn = connection.ops.quote_name
    parts = ", ".join(
        f"(SELECT MAX({qn(m._meta.pk.column)}) FROM {qn(m._meta.db_table)})" for m in STAMP_TABLES
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        row = cursor.fetchone()
    return ".".join(str(v or 0) for v in row)


#: (pk, name, score) of every seller in employee-number order, and of every active grid.
Scores = tuple[list[tuple[int, str, Decimal | None]], list[tuple[int, str, Decimal | None]]]


def _scores(period: Period, key: str) -> Scores:
    """The month's scores of every seller and every grid, computed once per change of the
    data (`stamp`) and kept in the cache: one person's score depends on no one else's, so
    each viewer's leaderboard is a subset of these (about 24 queries saved per home load)."""
    cached = cache.get(f"{key}:scores")
    if cached is not None:
        return cached
    people = sel.person_rows(
        period, Staff.objects.filter(role__in=sel.SELLER_ROLES).order_by("employee_no")
    )
    grids = sel.grid_rows(period, Grid.objects.filter(is_active=True).order_by("code"))
    scores: Scores = (
        [(r.obj.pk, r.name, r.score) for r in people],
        [(r.obj.pk, r.name, r.score) for r in grids],
    )
    cache.set(f"{key}:scores", scores, KEEP_SECONDS)
    return scores


def _places(rows: list[tuple[int, str, Decimal | None]]) -> list[Place]:
    scored = awards.rank({i: r[2] for i, r in enumerate(rows)})
    return [Place(r.rank, rows[r.key][1], r.value, rows[r.key][0]) for r in scored]


def today_items(user: Any, today: dt.date) -> list[ext.TodayItem]:
    """My place, the month's top persons and grids, and the last awards granted.

    Kept per person, day and language under the data's `stamp` (one query when nothing
    changed since the person's last home page); after a change, recomputed from the
    company's scores, themselves kept under the same stamp."""
    if not can(user, Action.RANKINGS):
        return []
    key = f"performance.leaderboard:{month_of(today).code}:{stamp()}"
    per_person = f"{key}:{getattr(user, 'pk', None)}:{today.isoformat()}:{get_language()}"
    items = cache.get(per_person)
    if items is None:
        items = _today_items(user, today, key)
        cache.set(per_person, items, KEEP_SECONDS)
    return items


def _today_items(user: Any, today: dt.date, key: str) -> list[ext.TodayItem]:
    period = month_of(today)
    url = reverse("performance:rankings") + f"?period={period.code}"
    everyone, all_grids = _scores(period, key)
    visible = set(sel.ranking_people(user).values_list("pk", flat=True))
    people = _places([r for r in everyone if r[0] in visible])
    grids = _places(all_grids)
    items: list[ext.TodayItem] = []
    me = scope_for(user).staff_id
    mine = next((p for p in people if p.obj == me), None)
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
    # From the company's scores kept for the today view (`_scores`, under the data's
    # `stamp`): ranked afresh, the panel was about 25 of the grid page's 51 statements and
    # half its time at 1M customers.
    everyone, all_grids = _scores(period, f"performance.leaderboard:{period.code}:{stamp()}")
    grids = _places(all_grids)
    place = next((g for g in grids if g.obj == grid.pk), None)
    members = Staff.objects.filter(memberships__grid=grid, memberships__is_primary=True)
    shown = set(
        sel.ranking_people(user).filter(pk__in=members.values("pk")).values_list("pk", flat=True)
    )
    people = _places([r for r in everyone if r[0] in shown])
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
