"""Visit pages (placeholder list)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from wangge.core.permissions import can
from wangge.sales import selectors
from wangge.sales.permissions import Action


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    if not (can(request.user, Action.VISIT) or can(request.user, Action.REVIEW)):
        raise Http404
    qs = selectors.visit_list(user=request.user)[:50]
    return render(request, "sales/visit_list.html", {"visits": qs})
