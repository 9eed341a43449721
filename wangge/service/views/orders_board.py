"""The manager's board (open orders by state and person, the SLA clock, overdue first) and
the market department's SLA pages (on-time rates; the settings)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.core import clock, params
from wangge.core.forms import add_service_errors
from wangge.core.permissions import can
from wangge.org.models import Grid
from wangge.service import selectors_orders as selectors
from wangge.service.models import OrderKind, SlaSetting, WorkOrder
from wangge.service.permissions import Action
from wangge.service.services import orders as services
from wangge.service.views.orders_forms import SlaForm

#: The dashboard's default span: the last three months.
DEFAULT_MONTHS = 3


def _allow(allowed: bool) -> None:
    if not allowed:
        raise Http404


@login_required
def board(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.ASSIGN))
    grid_id = params.int_param(request.GET, "grid")
    data = selectors.board(user=user, grid_id=grid_id)
    return render(
        request,
        "service/orders/board.html",
        {
            "board": data,
            "now": clock.now(),
            "grids": Grid.objects.visible_to(user).order_by("code"),
            "grid_id": grid_id,
        },
    )


def _date(raw: str | None, default: dt.date) -> dt.date:
    try:
        value = dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        return default
    return value if dt.date(2000, 1, 1) <= value <= dt.date(2999, 12, 31) else default


@login_required
def sla_dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.SLA_VIEW))
    today = clock.today()
    first = (today.replace(day=1) - dt.timedelta(days=62)).replace(day=1)
    since = _date(request.GET.get("since"), first)
    until = _date(request.GET.get("until"), today)
    if until < since:
        since, until = until, since
    rules = services.sla_rules()
    return render(
        request,
        "service/orders/sla.html",
        {
            "data": selectors.sla_dashboard(user=user, since=since, until=until),
            "since": since,
            "until": until,
            "rule_rows": [
                {
                    "kind": kind,
                    "label": label,
                    "hours": rules[kind].hours,
                    "working_hours": rules[kind].working_hours,
                    "measure_label": WorkOrder.Measure(rules[kind].measure).label,
                }
                for kind, label in OrderKind.choices
            ],
            "can_edit": can(user, Action.SLA_EDIT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sla_edit(request: HttpRequest, kind: str) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.SLA_EDIT) and kind in OrderKind.values)
    rule = services.sla_rule(kind)
    instance = SlaSetting.objects.filter(kind=kind).first() or SlaSetting(
        kind=kind, hours=rule.hours, working_hours=rule.working_hours, measure=rule.measure
    )
    form = SlaForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.sla_setting_set(
                actor=user,
                kind=kind,
                hours=d["hours"],
                working_hours=d["working_hours"],
                measure=d["measure"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("时限已保存，新工单按新时限计算。"))
            return redirect("service:sla_dashboard")
    return render(
        request,
        "service/orders/sla_form.html",
        {"form": form, "kind_label": OrderKind(kind).label},
        status=400 if form.is_bound and form.errors else 200,
    )


urls = [
    path("orders/board/", board, name="board"),
    path("orders/sla/", sla_dashboard, name="sla_dashboard"),
    path("orders/sla/<str:kind>/", sla_edit, name="sla_edit"),
]
