"""The retention pages, phone-first: my care due with one-tap contacts, the care rules,
collection tasks with their outcome form, and the managers' rates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core import clock, params
from wangge.core.access import scope_for
from wangge.core.forms import add_service_errors, add_stale_error
from wangge.core.pagination import BoundedPaginator
from wangge.core.permissions import can
from wangge.core.services import StaleVersion
from wangge.crm.models import Customer
from wangge.org.models import Grid
from wangge.retention import selectors, services
from wangge.retention.compliance import DEFAULT_PERIOD_DAYS
from wangge.retention.forms import ContactForm, OutcomeForm, PeriodForm, RuleForm
from wangge.retention.models import CollectionTask
from wangge.retention.permissions import Action

PAGE_SIZE = 30
STATES = ("due", "overdue", "all")


def _allow(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _page(request: HttpRequest, qs: Any) -> dict[str, Any]:
    paginator = BoundedPaginator(qs, PAGE_SIZE)
    page = paginator.page_or_last(params.page_param(request.GET))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page_obj": page,
        "paginator": paginator,
        "is_paginated": page.has_other_pages(),
        "querystring": query.urlencode(),
    }


def _grids(user: Any) -> Any:
    return Grid.objects.visible_to(user).filter(is_active=True).order_by("code")


@login_required
def care_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VIEW))
    g = request.GET
    state = g.get("state", "due")
    state = state if state in STATES else "due"
    mine = params.flag_param(g, "mine")
    scope = scope_for(user)
    grid_id = params.int_param(g, "grid")
    qs = selectors.care_list(
        user=user,
        state="" if state == "all" else state,
        grid_id=grid_id,
        owner_id=(scope.staff_id or -1) if mine else None,
    )
    return render(
        request,
        "retention/care_list.html",
        {
            **_page(request, qs),
            "state": state,
            "mine": mine,
            "grid_id": grid_id,
            "grids": _grids(user) if scope.managed_grid_ids or scope.everything else [],
            "today": clock.today(),
            "kinds": ContactForm.base_fields["kind"].choices,  # type: ignore[attr-defined]
            "next": request.get_full_path(),
        },
    )


@login_required
@require_POST
def contact_create(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """The one-tap "I called": records the contact and goes back to the list."""
    user = request.user
    _allow(can(user, Action.VIEW))
    customer = (
        Customer.objects.visible_to(user).select_related("site").filter(pk=customer_pk).first()
    )
    if customer is None or not can(user, Action.CONTACT, customer):
        raise Http404
    form = ContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择联系方式。"))
    else:
        try:
            services.contact_record(
                actor=user,
                customer=customer,
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已记录与 %(name)s 的联系。") % {"name": customer.name})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("retention:care_list")
    return redirect(target)


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.RULES))
    return render(request, "retention/rule_list.html", {"rules": selectors.rule_list(user=user)})


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.RULES))
    rule = None
    if pk is not None:
        rule = selectors.rule_list(user=user).filter(pk=pk).first()
        if rule is None:
            raise Http404
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            if rule is None:
                services.rule_create(actor=user, **data)
            else:
                services.rule_update(
                    actor=user, rule=rule, data=data, version=form.cleaned_data.get("version")
                )
        except StaleVersion:
            add_stale_error(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("维系规则已保存，待办已重新计算。"))
            return redirect("retention:rule_list")
    title = _("新建维系规则") if rule is None else _("编辑维系规则")
    return render(
        request,
        "retention/form.html",
        {"form": form, "title": title, "cancel": reverse("retention:rule_list")},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def collection_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.COLLECT))
    g = request.GET
    mine = params.flag_param(g, "mine")
    status = g.get("status", "open")
    status = status if status in CollectionTask.Status.values or status == "" else "open"
    kind = g.get("kind", "")
    kind = kind if kind in CollectionTask.Kind.values else ""
    qs = selectors.collection_list(
        user=user,
        status=status,
        kind=kind,
        grid_id=params.int_param(g, "grid"),
        owner_id=(scope_for(user).staff_id or -1) if mine else None,
    )
    if params.flag_param(g, "due"):
        qs = qs.filter(due_on__lte=clock.today())
    return render(
        request,
        "retention/collection_list.html",
        {
            **_page(request, qs),
            "status": status,
            "kind": kind,
            "mine": mine,
            "statuses": CollectionTask.Status.choices,
            "kinds": CollectionTask.Kind.choices,
            "today": clock.today(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.COLLECT))
    task = selectors.collection_list(user=user).filter(pk=pk).first()
    if task is None:
        raise Http404
    may = task.is_open and can(user, Action.WORK, task)
    form = OutcomeForm(request.POST or None, initial={"version": task.version})
    if request.method == "POST":
        _allow(may)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.collection_record(
                    actor=user,
                    task=task,
                    outcome=d["outcome"],
                    version=d["version"],
                    promised_on=d["promised_on"],
                    reason=d["reason"],
                    note=d["note"],
                )
            except StaleVersion:
                add_stale_error(form)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("催缴结果已保存。"))
                return redirect("retention:collection_list")
    history = list(
        selectors.collection_list(user=user)
        .filter(subscription_id=task.subscription_id, cycle=task.cycle)
        .exclude(pk=task.pk)
    )
    return render(
        request,
        "retention/collection_detail.html",
        {"task": task, "form": form if may else None, "history": history},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def rates(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.RATES))
    by = "owner" if request.GET.get("by") == "owner" else "grid"
    today = clock.today()
    default = {"start": today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1), "end": today}
    period = PeriodForm(request.GET if "start" in request.GET else None, initial=default)
    span = period.cleaned_data if period.is_bound and period.is_valid() else default
    return render(
        request,
        "retention/rates.html",
        {
            "by": by,
            "period": period,
            "start": span["start"],
            "end": span["end"],
            "period_care": selectors.care_compliance_period(
                user=user, start=span["start"], end=span["end"], by=by
            ),
            "care": selectors.care_compliance(user=user, by=by),
            "collections": selectors.collection_rates(user=user, by=by),
            "month": clock.today().replace(day=1),
        },
    )


app_name = "retention"

urlpatterns = [
    path("care/", care_list, name="care_list"),
    path("care/<int:customer_pk>/contact/", contact_create, name="contact_create"),
    path("rules/", rule_list, name="rule_list"),
    path("rules/new/", rule_edit, name="rule_create"),
    path("rules/<int:pk>/", rule_edit, name="rule_edit"),
    path("collections/", collection_list, name="collection_list"),
    path("collections/<int:pk>/", collection_detail, name="collection_detail"),
    path("rates/", rates, name="rates"),
]
