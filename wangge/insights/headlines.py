"""The other apps' headline numbers on the dashboards, read through those apps' own
selectors (scoped to the user; nothing recomputed here) and shown only to those who may
see them there."""

from __future__ import annotations

import datetime as dt
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


def _funnel(user: Any, t: Target, start: dt.date, end: dt.date) -> Headline | None:
    if not can(user, SalesAction.FUNNEL):
        return None
    kw = t.kw
    filters = selectors_funnel.FunnelFilters(
        grid_id=kw["grid_id"], assignee_id=kw["staff_id"], start=start, end=end
    )
    f = selectors_funnel.funnel_for(user=user, filters=filters)
    return Headline(
        "funnel",
        _("赢单率"),
        f.win_rate,
        f.won,
        f.won + f.lost,
        _("近 30 天创建的商机：成交 / (成交 + 失败)"),
        "sales:funnel",
    )


def _sla(user: Any, t: Target, start: dt.date, end: dt.date) -> Headline | None:
    if not can(user, ServiceAction.SLA_VIEW) or t.staff is not None:
        return None
    data = selectors_orders.sla_dashboard(user=user, since=start, until=end)
    if t.grid is not None:
        row = next((r for r in data["by_grid"] if r["grid__code"] == t.grid.code), None)
        total, on_time = (row["total"], row["on_time"]) if row else (0, 0)
    elif t.region is not None:
        return None  # the SLA dashboard has no region breakdown
    else:
        total, on_time = data["total"]["total"], data["total"]["on_time"]
    return Headline(
        "sla",
        _("工单按时率"),
        _share(on_time, total),
        on_time,
        total,
        _("近 30 天到期的工单"),
        "service:sla_dashboard",
    )


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


def _care(user: Any, t: Target) -> Headline | None:
    if not can(user, RetentionAction.VIEW):
        return None
    by = "person" if t.staff is not None else "grid"
    rows = _pick(retention.care_compliance(user=user, by=by), t)
    total, done = sum(r.total for r in rows), sum(r.done for r in rows)
    return Headline(
        "care",
        _("维系按时率"),
        _share(done, total),
        done,
        total,
        _("在维系中的客户，当前未逾期的比例"),
        "retention:care_list",
    )


def _collections(user: Any, t: Target) -> list[Headline]:
    if not can(user, RetentionAction.RATES):
        return []
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
    if not can(user, WorklogAction.KPI) or t.region is not None:
        return []
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


def headlines(user: Any, target: Target) -> list[Headline]:
    end = clock.today()
    start = end - dt.timedelta(days=PERIOD_DAYS - 1)
    out: list[Headline | None] = [
        _funnel(user, target, start, end),
        _sla(user, target, start, end),
        _care(user, target),
    ]
    found = [h for h in out if h is not None]
    return found + _collections(user, target) + _logs(user, target, start, end)
