"""Opportunity pages (placeholder lists; the board and phone pages build on these)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from wangge.core.permissions import can
from wangge.sales import selectors
from wangge.sales.permissions import Action


@login_required
def opportunity_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW):
        raise Http404
    qs = selectors.opportunity_list(user=request.user, open_only=True)[:50]
    return render(request, "sales/opportunity_list.html", {"opportunities": qs})


@login_required
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not can(request.user, Action.VIEW):
        raise Http404
    opp = selectors.opportunity_detail(user=request.user, pk=pk)
    steps = selectors.opportunity_steps(opportunity=opp)
    return render(request, "sales/opportunity_detail.html", {"opp": opp, "steps": steps})
