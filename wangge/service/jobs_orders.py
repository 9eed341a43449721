"""The work orders' scheduled work: overdue alerts."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from wangge.core import schedule


def overdue_alerts() -> int:
    from wangge.service.services.orders_alerts import notify_overdue

    return notify_overdue()


def register() -> None:
    # Every morning before the teams set out, and at midday: what fell overdue since.
    for name, at in (("am", dt.time(7, 45)), ("noon", dt.time(12, 30))):
        schedule.register(
            f"service.orders_overdue_{name}",
            overdue_alerts,
            daily_at=at,
            label=_("超时工单提醒"),
        )
