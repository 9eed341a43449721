"""The platform's own menu entries and today items (imports waiting for the uploader)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wangge.core import extensions as ext
from wangge.core.access import is_person
from wangge.core.models import ExportJob, ImportJob
from wangge.core.permissions import CoreAction, can


def _jobs(user: Any, today: dt.date) -> list[ext.TodayItem]:
    if not is_person(user):
        return []
    items = []
    waiting = ImportJob.objects.filter(user_id=user.pk, status=ImportJob.Status.VALIDATED)
    for job in waiting.order_by("-created_at")[:5]:
        items.append(
            ext.TodayItem(
                label=_("导入待确认：%(name)s") % {"name": job.filename},
                url=reverse("core:import_detail", args=[job.pk]),
                state="review",
            )
        )
    ready = ExportJob.objects.filter(
        user_id=user.pk, status=ExportJob.Status.DONE, created_at__date__gte=today
    )
    for job in ready.order_by("-created_at")[:5]:
        items.append(
            ext.TodayItem(
                label=_("导出已完成：%(name)s") % {"name": job.filename},
                url=reverse("core:export_job", args=[job.pk]),
                state="info",
            )
        )
    return items


def register() -> None:
    ext.add_menu(ext.MenuEntry("core.imports", _("导入导出"), "core:import_list", order=80))
    ext.add_menu(
        ext.MenuEntry(
            "core.audit",
            _("审计日志"),
            "core:audit_list",
            order=90,
            visible=lambda u: can(u, CoreAction.VIEW_AUDIT),
        )
    )
    ext.add_today(ext.TodaySection("core.jobs", _("导入导出"), _jobs, order=80))
