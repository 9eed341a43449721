"""The insights app's scheduled job: yesterday's figures, after the night's care and
collection jobs (02:00, 02:30) have brought their records up to date."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from wangge.core import schedule
from wangge.insights import services

SNAPSHOT_AT = dt.time(3, 15)


def register() -> None:
    schedule.register(
        "insights_snapshot", services.nightly, daily_at=SNAPSHOT_AT, label=_("经营指标快照")
    )
