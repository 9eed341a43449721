"""The work orders' scheduled work: overdue alerts."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from wangge.core import schedule


def overdue_alerts() -> int:
    from wangge.service.services.orders_alerts import notify_overdue

    return notify_overdue()


def sla_days_rebuild() -> int:
    from wangge.service.services.sla_days import sla_days_rebuild as rebuild

    return rebuild()


def register() -> None:
    # Every morning before the teams set out, and at midday: what fell overdue since.
    for name, at in (("am", dt.time(7, 45)), ("noon", dt.time(12, 30))):
        schedule.register(
            f"service.orders_overdue_{name}",
            overdue_alerts,
            daily_at=at,
            label=_("超时工单提醒"),
        )
    # The order services keep the SLA summary as they go; at night it is recounted from
    # the orders, which takes in any order written outside them (bulk loads).
    schedule.register(
        "service.sla_days_rebuild",
        sla_days_rebuild,
        daily_at=dt.time(1, 50),
        label=_("重算工单时限汇总"),
    )
