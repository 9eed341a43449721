"""The other apps' headline numbers on the dashboards, read through those apps' own
selectors (scoped to the user; nothing recomputed here) and shown only to those who may
see them there.

Each app's numbers are one panel: the dashboard lists the panels the user may see (a
permission check, no query) and loads each from its own view after the first paint, so
the page itself reads only stored figures while the apps' live selectors (seconds over a
whole county) fill in beside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.permissions import can
from wangge.insights.selectors import Target
from wangge.retention import selectors as retention
from wangge.retention.permissions import Action as RetentionAction
from wangge.sales import selectors_funnel
from wangge.sales.permissions import Action as SalesAction
from wangge.service import selectors_orders
from wangge.service.permissions import Action as ServiceAction
from wangge.worklog import selectors as worklog
from wangge.worklog.permissions import Action as WorklogAction

PERIOD_DAYS = 30


@dataclass(frozen=True)
class Headline:
    key: str
    label: Promise
    value: float | None  # a share (0–1), or None when nothing was counted
    numerator: int
    denominator: int
    note: Promise
    url_name: str


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _funnel(user: Any, t: Target, start: dt.date, end: dt.date) -> list[Headline]:
    kw = t.kw
    filters = selectors_funnel.FunnelFilters(
        grid_id=kw["grid_id"], assignee_id=kw["staff_id"], start=start, end=end
    )
    f = selectors_funnel.funnel_for(user=user, filters=filters)
    head = Headline(
        "funnel",
        _("赢单率"),
        f.win_rate,
        f.won,
        f.won + f.lost,
        _("近 30 天创建的商机：成交 / (成交 + 失败)"),
        "sales:funnel",
    )
    return [head]


def _sla(user: Any, t: Target, start: dt.date, end: dt.date) -> list[Headline]:
    data = selectors_orders.sla_dashboard(user=user, since=start, until=end)
    if t.grid is not None:
        row = next((r for r in data["by_grid"] if r["grid__code"] == t.grid.code), None)
        total, on_time = (row["total"], row["on_time"]) if row else (0, 0)
    else:
        total, on_time = data["total"]["total"], data["total"]["on_time"]
    head = Headline(
        "sla",
        _("工单按时率"),
        _share(on_time, total),
        on_time,
        total,
        _("近 30 天到期的工单"),
        "service:sla_dashboard",
    )
    return [head]


def _pick(rows: list[Any], t: Target) -> list[Any]:
    if t.staff is not None:
        return [r for r in rows if r.key == t.staff.pk]
    if t.grid is not None:
        return [r for r in rows if r.key == t.grid.pk]
    if t.region is not None:
        from wangge.org.models import Grid

        ids = set(Grid.objects.filter(region=t.region).values_list("pk", flat=True))
        return [r for r in rows if r.key in ids]
    return rows


def _care(user: Any, t: Target, start: dt.date, end: dt.date) -> list[Headline]:
    by = "person" if t.staff is not None else "grid"
    rows = _pick(retention.care_compliance(user=user, by=by), t)
    total, done = sum(r.total for r in rows), sum(r.done for r in rows)
    head = Headline(
        "care",
        _("维系按时率"),
        _share(done, total),
        done,
        total,
        _("在维系中的客户，当前未逾期的比例"),
        "retention:care_list",
    )
    return [head]


def _collections(user: Any, t: Target, start: dt.date, end: dt.date) -> list[Headline]:
    by = "person" if t.staff is not None else "grid"
    rows = _pick(retention.collection_rates(user=user, by=by), t)
    renewals, renewed = sum(r.renewals for r in rows), sum(r.renewed for r in rows)
    arrears, collected = sum(r.arrears for r in rows), sum(r.collected for r in rows)
    note = _("本月生成的任务")
    return [
        Headline(
            "renewal",
            _("续费率"),
            _share(renewed, renewals),
            renewed,
            renewals,
            note,
            "retention:rates",
        ),
        Headline(
            "arrears",
            _("欠费回收率"),
            _share(collected, arrears),
            collected,
            arrears,
            note,
            "retention:rates",
        ),
    ]


def _logs(user: Any, t: Target, start: dt.date, end: dt.date) -> list[Headline]:
    k = worklog.kpis(user=user, start=start, end=end, grid_id=t.grid.pk if t.grid else None)
    row: worklog.KpiRow | None = k.total
    if t.staff is not None:
        row = next((r for r in k.people if r.key == t.staff.pk), None)
    if row is None:
        return []
    note = _("近 30 天的工作日")
    return [
        Headline(
            "logs",
            _("日志提交率"),
            _share(row.submitted, row.expected),
            row.submitted,
            row.expected,
            note,
            "worklog:kpi",
        ),
        Headline(
            "reviews",
            _("日志及时审阅率"),
            _share(row.reviewed_in_time, row.submitted),
            row.reviewed_in_time,
            row.submitted,
            note,
            "worklog:kpi",
        ),
    ]


@dataclass(frozen=True)
class Panel:
    """One app's headline numbers: who sees them (a permission, no query) and their read."""

    key: str
    shown: Callable[[Any, Target], bool]
    read: Callable[[Any, Target, dt.date, dt.date], list[Headline]]


PANELS: tuple[Panel, ...] = (
    Panel("funnel", lambda u, t: can(u, SalesAction.FUNNEL), _funnel),
    # The SLA dashboard has no person or region breakdown.
    Panel(
        "sla",
        lambda u, t: can(u, ServiceAction.SLA_VIEW) and t.staff is None and t.region is None,
        _sla,
    ),
    Panel("care", lambda u, t: can(u, RetentionAction.VIEW), _care),
    Panel("collections", lambda u, t: can(u, RetentionAction.RATES), _collections),
    Panel("logs", lambda u, t: can(u, WorklogAction.KPI) and t.region is None, _logs),
)
PANEL_KEYS = tuple(p.key for p in PANELS)


def panels_for(user: Any, target: Target) -> list[str]:
    """The panels the user may see on the target's dashboard, in the page's order."""
    return [p.key for p in PANELS if p.shown(user, target)]


def _period() -> tuple[dt.date, dt.date]:
    end = clock.today()
    return end - dt.timedelta(days=PERIOD_DAYS - 1), end


def panel(user: Any, target: Target, key: str) -> list[Headline]:
    """One panel's numbers; PermissionDenied when the user may not see it (answered 404)."""
    from django.core.exceptions import PermissionDenied

    found = next((p for p in PANELS if p.key == key), None)
    if found is None or not found.shown(user, target):
        raise PermissionDenied
    return found.read(user, target, *_period())


def headlines(user: Any, target: Target) -> list[Headline]:
    """Every panel the user may see, in order (the Excel download of the table)."""
    start, end = _period()
    return [h for p in PANELS if p.shown(user, target) for h in p.read(user, target, start, end)]
