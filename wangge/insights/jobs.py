"""The insights app's scheduled jobs: yesterday's figures, after the night's care and
collection jobs (02:00, 02:30) have brought their records up to date; then the market
potential model's fit, held-out error, forecasts and split among people, which the
potential page, the person dashboard and the lower apps read until the next night."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from wangge.core import schedule
from wangge.insights import services, services_potential

SNAPSHOT_AT = dt.time(3, 15)
#: After the snapshot: the night's survey and subscriber changes are in.
POTENTIAL_AT = dt.time(3, 40)


def register() -> None:
    schedule.register(
        "insights_snapshot", services.nightly, daily_at=SNAPSHOT_AT, label=_("经营指标快照")
    )
    schedule.register(
        "insights_potential",
        services_potential.nightly,
        daily_at=POTENTIAL_AT,
        label=_("市场潜力模型计算"),
    )
