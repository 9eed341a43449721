"""The asset register's scheduled jobs: the day's inspection tasks, overdue ones told."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from wangge.core import schedule


def generate_inspections() -> int:
    from wangge.service.services.assets import asset_grids_refresh
    from wangge.service.services.inspections import inspections_generate

    # The tasks go to the asset's grid: mend first what a bulk write or a failed
    # `site_moved` handler left behind (one statement; nothing to do on most nights).
    asset_grids_refresh()
    return inspections_generate()


def overdue_inspections() -> int:
    from wangge.service.services.inspections_alerts import notify_overdue_inspections

    return notify_overdue_inspections()


def register() -> None:
    schedule.register(
        "service.generate_inspections",
        generate_inspections,
        daily_at=dt.time(5, 30),
        label=_("生成巡检任务"),
    )
    schedule.register(
        "service.inspections_overdue",
        overdue_inspections,
        daily_at=dt.time(7, 40),
        label=_("逾期巡检提醒"),
    )
