from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import Http404

from wangge.core.models import AuditEntry
from wangge.core.permissions import CoreAction, can


def audit_list(
    *,
    user: Any,
    actor_q: str = "",
    content_type_id: int | None = None,
    action: str = "",
    object_id: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """The audit log, for those allowed to read it (the market department)."""
    if not can(user, CoreAction.VIEW_AUDIT):
        raise Http404
    qs = AuditEntry.objects.select_related("content_type")
    if actor_q:
        qs = qs.filter(actor_repr__icontains=actor_q)
    if content_type_id:
        qs = qs.filter(content_type_id=content_type_id)
    if action:
        qs = qs.filter(action=action)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs


def audited_content_types() -> QuerySet[ContentType]:
    used = AuditEntry.objects.values("content_type_id").distinct()
    return ContentType.objects.filter(id__in=used).order_by("app_label", "model")
