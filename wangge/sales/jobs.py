"""The sales app's scheduled work."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from wangge.core import schedule


def escalate() -> int:
    from wangge.sales.services import escalate_overdue

    return escalate_overdue()


def register() -> None:
    # Morning, before the day's first meeting: yesterday's unanswered dispatches are raised.
    schedule.register(
        "sales.escalate_overdue",
        escalate,
        daily_at=dt.time(7, 30),
        label=_("超时派单上报"),
    )
