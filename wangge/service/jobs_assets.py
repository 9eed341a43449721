"""The asset register's scheduled job: the day's inspection tasks."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from wangge.core import schedule


def generate_inspections() -> int:
    from wangge.service.services.inspections import inspections_generate

    return inspections_generate()


def register() -> None:
    schedule.register(
        "service.generate_inspections",
        generate_inspections,
        daily_at=dt.time(5, 30),
        label=_("生成巡检任务"),
    )
