"""The person's notification inbox: read, and mark read."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from wangge.core import notify


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(notify.inbox(request.user), 30)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "core/notifications.html",
        {
            "page": page,
            "page_obj": page,
            "paginator": paginator,
            "is_paginated": page.has_other_pages(),
        },
    )


@require_POST
@login_required
def mark_read(request: HttpRequest) -> HttpResponse:
    raw = request.POST.getlist("id")
    ids = [int(i) for i in raw if i.isdigit()] if raw else None
    notify.mark_read(request.user, ids)
    return redirect("core:notifications")


def unread(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the unread count in the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": notify.unread_count(user)}
