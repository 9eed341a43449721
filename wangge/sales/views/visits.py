"""Visit pages: log a visit on a phone (with a check-in), see the server's verdict, the
visit lists (one's own, to follow up, the manager's flagged check-ins), and the day plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.core import clock, params
from wangge.core.access import scope_for
from wangge.core.forms import add_service_errors
from wangge.core.pagination import BoundedPaginator
from wangge.core.permissions import can
from wangge.sales import selectors, services
from wangge.sales.forms import DayPlanForm, VisitForm
from wangge.sales.models import DayPlan, Visit
from wangge.sales.permissions import Action

PAGE_SIZE = 30
#: `?follow=1` lists next steps due today or missed in the last week (as the today view counts).
FOLLOW_DAYS = 7


def _allow(allowed: bool) -> None:
    if not allowed:
        raise Http404


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VISIT) or can(user, Action.REVIEW))
    g = request.GET
    flagged = params.flag_param(g, "flagged") and can(user, Action.REVIEW)
    follow = params.flag_param(g, "follow")
    mine = params.flag_param(g, "mine") or follow
    staff_id = scope_for(user).staff_id
    recent = flagged and params.flag_param(g, "recent")
    if recent:  # what the today view counts, the same rows
        qs = selectors.flagged_to_review(user=user, today=clock.today())
    else:
        qs = selectors.visit_list(
            user=user,
            flagged=flagged,
            staff_id=(staff_id or -1) if mine else None,
            customer_id=params.int_param(g, "customer"),
        )
    if follow:
        today = clock.today()
        qs = qs.filter(
            next_on__lte=today, next_on__gte=today - dt.timedelta(days=FOLLOW_DAYS)
        ).order_by("next_on", "-at")
    paginator = BoundedPaginator(qs, PAGE_SIZE)
    page = paginator.page_or_last(params.page_param(g))
    query = g.copy()
    query.pop("page", None)
    return render(
        request,
        "sales/visit_list.html",
        {
            "visits": page.object_list,
            "page_obj": page,
            "paginator": paginator,
            "is_paginated": page.has_other_pages(),
            "querystring": query.urlencode(),
            "flagged": flagged,
            "recent": recent,
            "follow": follow,
            "mine": mine,
            "can_review": can(user, Action.REVIEW),
            "can_visit": can(user, Action.VISIT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VISIT))
    g = request.GET
    preset = params.int_param(g, "customer")
    initial: dict[str, Any] = {"kind": Visit.Kind.DOOR}
    for key in ("customer", "site", "opportunity"):
        value = params.int_param(g, key)
        if value:
            initial[key] = value
    cq = params.text_param(g, "cq")
    form = VisitForm(
        request.POST or None,
        user=user,
        preset_customer=preset,
        customer_query=cq,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            visit = services.visit_record(
                actor=user,
                kind=d["kind"],
                outcome=d["outcome"],
                customer=d["customer"],
                site=None if d["customer"] else d["site"],
                note=d["note"],
                next_step=d["next_step"],
                next_on=d["next_on"],
                lat=d["lat"],
                lon=d["lon"],
                accuracy_m=d["accuracy_m"],
                position_at=d["position_at"],
                opportunity=d["opportunity"],
                agent=d.get("agent"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("sales:visit_detail", visit.pk)
    return render(
        request,
        "sales/visit_form.html",
        {
            "form": form,
            "cq": cq,
            # The customer search reloads the page: what the user came with stays.
            "keep": [(k, v) for k, v in g.items() if k in ("customer", "site", "opportunity")],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VISIT) or can(user, Action.REVIEW))
    visit = (
        selectors.visit_list(user=user).select_related("opportunity", "site").filter(pk=pk).first()
    )
    if visit is None:
        raise Http404
    return render(request, "sales/visit_detail.html", {"visit": visit})


@login_required
@require_http_methods(["GET", "POST"])
def day_plan(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VISIT))
    staff_id = scope_for(user).staff_id
    if staff_id is None:
        raise Http404
    raw_day = request.POST.get("day") if request.method == "POST" else request.GET.get("day")
    day = _date(raw_day) or clock.today()
    plan = (
        DayPlan.objects.filter(staff_id=staff_id, day=day).prefetch_related("stops__site").first()
    )
    stops = list(plan.stops.all()) if plan else []
    form = DayPlanForm(
        request.POST or None,
        user=user,
        initial={"day": day, "sites": [s.site_id for s in stops]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.day_plan_set(
                actor=user, day=form.cleaned_data["day"], sites=list(form.cleaned_data["sites"])
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("拜访计划已保存，已按步行顺序排好。"))
            return redirect(
                reverse("sales:day_plan") + f"?day={form.cleaned_data['day'].isoformat()}"
            )
    points = [
        {"n": i + 1, "lat": s.site.lat, "lon": s.site.lon, "label": f"{i + 1}. {s.site.name}"}
        for i, s in enumerate(stops)
    ]
    return render(
        request,
        "sales/day_plan.html",
        {"form": form, "day": day, "stops": stops, "points": points},
        status=400 if form.is_bound and form.errors else 200,
    )


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


urls = [
    path("visits/", visit_list, name="visit_list"),
    path("visits/new/", visit_create, name="visit_create"),
    path("visits/plan/", day_plan, name="day_plan"),
    path("visits/<int:pk>/", visit_detail, name="visit_detail"),
]
