"""Sales record pages: the list with its filters, totals and export, one record, and
recording an account's cancellation (销户)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wangge.core import clock
from wangge.core.permissions import can
from wangge.core.views import ScopedListView
from wangge.crm.views.common import allow
from wangge.org.models import Grid, Staff
from wangge.performance import selectors_sales as selectors
from wangge.performance.clawback import is_clawed_back
from wangge.performance.models import BusinessLine, SalesRecord
from wangge.performance.periods import month_of
from wangge.performance.permissions_sales import SalesAction
from wangge.performance.services_sales import clawback_days, sale_cancel

#: The period filter offers this many months back (older ones still work in the URL).
MONTHS_OFFERED = 12
#: The person filter lists at most this many people (a manager's grids have fewer).
PEOPLE_OFFERED = 300


def _months(today: dt.date) -> list[str]:
    out, day = [], today.replace(day=1)
    for _i in range(MONTHS_OFFERED):
        out.append(month_of(day).code)
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return out


class SalesListView(ScopedListView):
    model = SalesRecord
    required_action = SalesAction.VIEW
    template_name = "performance/sales/list.html"

    def get_queryset(self) -> QuerySet[SalesRecord]:
        self.filters = selectors.list_filters(self.request.GET)
        self.listed = selectors.sales_list(user=self.request.user, **self.filters)
        return self.listed

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["filters"] = self.filters
        ctx["totals"] = selectors.totals(self.listed)
        ctx["grids"] = Grid.objects.visible_to(user).filter(is_active=True).only("id", "name")
        ctx["people"] = (
            Staff.objects.visible_to(user).only("id", "name", "employee_no")
            .order_by("employee_no")[:PEOPLE_OFFERED]
        )  # fmt: skip
        ctx["lines"] = BusinessLine.choices
        ctx["sources"] = SalesRecord.Source.choices
        ctx["months"] = _months(clock.today())
        ctx["can_import"] = can(user, SalesAction.IMPORT)
        days = clawback_days()
        for r in ctx["object_list"]:
            r.clawed_back = is_clawed_back(r.sold_on, r.cancelled_on, days)
        return ctx


class CancelForm(forms.Form):
    cancelled_on = forms.DateField(
        label=gettext_lazy("销户日期"), widget=forms.DateInput(attrs={"type": "date"})
    )


@login_required
@require_GET
def sales_detail(request: HttpRequest, pk: int) -> HttpResponse:
    allow(can(request.user, SalesAction.VIEW))
    record = selectors.record_detail(user=request.user, pk=pk)
    return render(request, "performance/sales/detail.html", _detail_context(request, record))


def _detail_context(
    request: HttpRequest, record: SalesRecord, form: CancelForm | None = None
) -> dict[str, Any]:
    may_cancel = record.cancelled_on is None and can(request.user, SalesAction.CANCEL, record)
    return {
        "record": record,
        "clawed_back": selectors.is_record_clawed_back(record),
        "clawback_days": clawback_days(),
        "can_cancel": may_cancel,
        "form": form
        or (CancelForm(initial={"cancelled_on": clock.today()}) if may_cancel else None),
    }


@login_required
@require_POST
def sales_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_detail(user=request.user, pk=pk)
    allow(can(request.user, SalesAction.CANCEL, record))
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            sale_cancel(
                actor=request.user, record=record, cancelled_on=form.cleaned_data["cancelled_on"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("cancelled_on", message)
        else:
            messages.success(request, _("已登记销户。"))
            return redirect("performance:sales_detail", pk=record.pk)
    ctx = _detail_context(request, record, form)
    return render(request, "performance/sales/detail.html", ctx, status=400)


urls: list[URLPattern] = [
    path("sales/", SalesListView.as_view(), name="sales_list"),
    path("sales/<int:pk>/", sales_detail, name="sales_detail"),
    path("sales/<int:pk>/cancel/", sales_cancel, name="sales_cancel"),
]
