"""Log pages: my log of a day (write, save, submit), my logs, a log with its reviews, the
manager's review page (every pending log on one page, approve or return inline with htmx),
and the KPIs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core import clock, params, workdays
from wangge.core.access import scope_for
from wangge.core.forms import add_service_errors, add_stale_error
from wangge.core.pagination import BoundedPaginator
from wangge.core.permissions import can
from wangge.core.services import StaleVersion
from wangge.org.models import Staff
from wangge.worklog import selectors, services
from wangge.worklog.forms import LogForm, ReviewForm
from wangge.worklog.models import WorkLog
from wangge.worklog.permissions import Action

PAGE_SIZE = 30
#: The KPIs' default span: the last 30 days up to yesterday.
KPI_DAYS = 30


def _allow(allowed: bool) -> None:
    if not allowed:
        raise Http404


def date_param(g: Mapping[str, Any], name: str) -> dt.date | None:
    raw = params.text_param(g, name, max_length=10)
    try:
        day = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day if day is not None and 2000 <= day.year <= 2999 else None


def _activity_preview(user: Any, log: WorkLog | None, day: dt.date) -> list[dict[str, str]]:
    """The submitted snapshot, or what the system knows now (pre-fill of a new log)."""
    if log is not None and not log.editable:
        return list(log.activity)
    return services.activity_lines(user, day)


@login_required
@require_http_methods(["GET", "POST"])
def log_today(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.WRITE) and scope_for(user).staff_id is not None)
    today = clock.today()
    day = date_param(request.GET, "day") or today
    log = selectors.my_log(user=user, day=day)
    form = LogForm.for_log(log, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        text = {k: d[k] for k in services.TEXT_FIELDS}
        submit = request.POST.get("action") == "submit"
        try:
            with transaction.atomic():
                if log is None:
                    log = services.log_create(actor=user, day=day, **text)
                    version = log.version
                else:
                    log = services.log_update(actor=user, log=log, data=text, version=d["version"])
                    version = log.version
                if submit:
                    services.log_submit(actor=user, log=log, version=version)
        except StaleVersion:
            add_stale_error(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("日志已提交。") if submit else _("草稿已保存。"))
            return redirect(reverse("worklog:today") + f"?day={day.isoformat()}")
        log = selectors.my_log(user=user, day=day)  # the transaction rolled back
    reviews = list(selectors.reviews_of(user=user, log=log)) if log else []
    return render(
        request,
        "worklog/today.html",
        {
            "form": form,
            "log": log,
            "day": day,
            "is_today": day == today,
            "future": day > today,
            "workday": workdays.is_workday(day),
            "deadline": services.deadline(day),
            "activity": _activity_preview(user, log, day) if day <= today else [],
            "reviews": reviews,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1) if day < today else None,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def log_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VIEW))
    g = request.GET
    status = params.choice_param(g, "status", WorkLog.Status)
    qs = selectors.log_list(
        user=user,
        status=status,
        author_id=params.int_param(g, "author"),
        grid_id=params.int_param(g, "grid"),
        day_from=date_param(g, "from"),
        day_to=date_param(g, "to"),
    )
    paginator = BoundedPaginator(qs, PAGE_SIZE)
    page = paginator.page_or_last(params.page_param(g))
    query = g.copy()
    query.pop("page", None)
    return render(
        request,
        "worklog/log_list.html",
        {
            "logs": page.object_list,
            "page_obj": page,
            "paginator": paginator,
            "is_paginated": page.has_other_pages(),
            "querystring": query.urlencode(),
            "status": status,
            "statuses": WorkLog.Status.choices,
            "can_write": can(user, Action.WRITE) and selectors.writes_logs(user),
        },
    )


@login_required
def log_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VIEW))
    log = get_object_or_404(
        WorkLog.objects.visible_to(user).select_related("author", "grid"), pk=pk
    )
    return render(
        request,
        "worklog/log_detail.html",
        {
            "log": log,
            "reviews": selectors.reviews_of(user=user, log=log),
            "can_review": log.status == WorkLog.Status.SUBMITTED and can(user, Action.REVIEW, log),
            "can_edit": log.editable and log.author_id == scope_for(user).staff_id,
            "review_form": ReviewForm(initial={"version": log.version}),
        },
    )


@login_required
def review(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.REVIEW))
    g = request.GET
    grid_id = params.int_param(g, "grid")
    day = date_param(g, "day") or workdays.previous_workday(clock.today())
    logs = list(selectors.review_queue(user=user, grid_id=grid_id)[:100])
    return render(
        request,
        "worklog/review.html",
        {
            "cards": [(log, ReviewForm(initial={"version": log.version})) for log in logs],
            "missing": selectors.missing(user=user, day=day, grid_id=grid_id),
            "day": day,
        },
    )


@login_required
@require_POST
def log_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.REVIEW))
    log = get_object_or_404(
        WorkLog.objects.visible_to(user).select_related("author", "grid"), pk=pk
    )
    form = ReviewForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            log = services.log_review(
                actor=user,
                log=log,
                decision=d["decision"],
                score=d["score"],
                comment=d["comment"],
                version=d["version"],
            )
        except StaleVersion:
            add_stale_error(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
    failed = bool(form.errors)
    if request.htmx:  # type: ignore[attr-defined]
        log.refresh_from_db()
        return render(
            request,
            "worklog/review.html#card",
            {"log": log, "form": form, "done": not failed},
            status=200,
        )
    if failed:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    else:
        messages.success(request, _("已审阅。"))
    return redirect("worklog:review")


@login_required
def kpi(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.KPI))
    g = request.GET
    yesterday = clock.today() - dt.timedelta(days=1)
    end = date_param(g, "to") or yesterday
    start = date_param(g, "from") or end - dt.timedelta(days=KPI_DAYS - 1)
    if start > end:
        start, end = end, start
    if (end - start).days > 366:
        start = end - dt.timedelta(days=366)
    data = selectors.kpis(user=user, start=start, end=end, grid_id=params.int_param(g, "grid"))
    return render(
        request,
        "worklog/kpi.html",
        {
            "kpis": data,
            "leave_form": LeaveForm(user=user),
            "leaves": selectors.leave_list(user=user),
        },
    )


class LeaveForm(forms.Form):
    staff = forms.TypedChoiceField(label=gettext_lazy("员工"), coerce=int, choices=())
    start = forms.DateField(
        label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=gettext_lazy("事由"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [  # type: ignore[attr-defined]
            (p, n) for p, _g, n in selectors.log_people(user=user)
        ]


@login_required
@require_POST
def leave_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.KPI))
    form = LeaveForm(request.POST, user=user)
    if form.is_valid():
        d = form.cleaned_data
        staff = get_object_or_404(Staff.objects.visible_to(user), pk=d["staff"])
        try:
            services.leave_record(
                actor=user, staff=staff, start=d["start"], end=d["end"], note=d["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("请假已记录。"))
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, str(e))
    return redirect("worklog:kpi")


urls = [
    path("", log_today, name="today"),
    path("logs/", log_list, name="log_list"),
    path("logs/<int:pk>/", log_detail, name="log_detail"),
    path("logs/<int:pk>/review/", log_review, name="log_review"),
    path("review/", review, name="review"),
    path("kpi/", kpi, name="kpi"),
    path("leave/", leave_create, name="leave_create"),
]
