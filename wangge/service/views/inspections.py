"""Inspection pages: the list ("my inspections today" for a technician), doing one on a
phone (check-in, photo, finding), its photo, the schedules, and coverage per grid."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core import clock
from wangge.core.access import scope_for
from wangge.core.forms import STALE_MESSAGE, add_service_errors, add_stale_error
from wangge.core.params import choice_param, flag_param, int_param, text_param
from wangge.core.permissions import can
from wangge.core.services import StaleVersion
from wangge.core.views import ScopedListView
from wangge.crm.views.common import allow, form_page
from wangge.org.models import Grid, Staff
from wangge.org.roles import Role
from wangge.service import selectors_assets as selectors
from wangge.service.models import Asset, Inspection, InspectionSchedule, WorkOrder
from wangge.service.permissions_assets import AssetAction
from wangge.service.services import inspections as svc

STATUSES = (
    ("today", gettext_lazy("今天要做")),
    ("open", gettext_lazy("未完成")),
    ("overdue", gettext_lazy("已逾期")),
    ("done", gettext_lazy("已完成")),
)


class InspectionListView(ScopedListView):
    model = Inspection
    required_action = AssetAction.VIEW
    template_name = "service/inspections/list.html"

    def filters(self) -> dict[str, Any]:
        g = self.request.GET
        if not g and scope_for(self.request.user).role == Role.TECHNICIAN:
            # A technician opens the list for the day's round.
            return {"mine": True, "status": "today", "grid_id": None}
        return {
            "mine": flag_param(g, "mine"),
            "status": choice_param(g, "status", [v for v, _l in STATUSES]),
            "grid_id": int_param(g, "grid"),
        }

    def get_queryset(self) -> QuerySet[Inspection]:
        f = self.filters()
        status = f["status"]
        due_by = clock.today() if status == "today" else None
        return selectors.inspection_list(
            user=self.request.user,
            mine=f["mine"],
            grid_id=f["grid_id"],
            status="open" if status == "today" else status,
            due_by=due_by,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["f"] = self.filters()
        ctx["statuses"] = STATUSES
        ctx["grids"] = Grid.objects.visible_to(self.request.user).filter(is_active=True)
        ctx["today"] = clock.today()
        return ctx


class DoForm(forms.Form):
    finding = forms.ChoiceField(
        label=gettext_lazy("巡检结果"), choices=Inspection.Finding.choices, widget=forms.RadioSelect
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("严重程度"),
        choices=[("", "—"), *Inspection.Severity.choices],
        required=False,
    )
    note = forms.CharField(
        label=gettext_lazy("说明"), max_length=500, required=False, widget=forms.Textarea(
            attrs={"rows": 3})
    )  # fmt: skip
    photo = forms.FileField(
        label=gettext_lazy("照片"),
        required=False,
        help_text=gettext_lazy("JPEG 或 PNG，不超过 5 MB。"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png", "capture": "environment"}
        ),
    )
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    accuracy_m = forms.FloatField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=100_000
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


def _photo_bytes(upload: Any) -> bytes | None:
    """Read no further than one byte past the limit: the service refuses by size and by
    the first bytes, whatever the browser said."""
    if not upload:
        return None
    return bytes(upload.read(svc.MAX_PHOTO_BYTES + 1))


@login_required
@require_http_methods(["GET", "POST"])
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    allow(can(request.user, AssetAction.VIEW))
    inspection = selectors.inspection_detail(user=request.user, pk=pk)
    may_do = not inspection.is_done and can(request.user, AssetAction.INSPECT, inspection)
    form = DoForm(
        request.POST or None, request.FILES or None, initial={"version": inspection.version}
    )
    if request.method == "POST":
        allow(may_do)
        if form.is_valid():
            d = form.cleaned_data
            try:
                svc.inspection_complete(
                    actor=request.user,
                    inspection=inspection,
                    finding=d["finding"],
                    severity=d["severity"],
                    note=d["note"],
                    photo=_photo_bytes(d["photo"]),
                    lat=d["lat"],
                    lon=d["lon"],
                    accuracy_m=d["accuracy_m"],
                    version=d["version"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except StaleVersion:
                add_stale_error(form)
            else:
                return redirect("service:inspection_detail", pk=pk)
    technicians = None
    if not inspection.is_done and can(request.user, AssetAction.PLAN, inspection.grid_id):
        technicians = Staff.objects.filter(
            memberships__grid_id=inspection.grid_id, memberships__role=Role.TECHNICIAN
        ).order_by("name")
    return render(
        request,
        "service/inspections/detail.html",
        {
            "i": inspection,
            "asset": inspection.asset,
            "form": form,
            "may_do": may_do,
            "technicians": technicians,
            "repair": WorkOrder.objects.visible_to(request.user)
            .filter(source_ref=f"inspection:{inspection.pk}")
            .first(),
        },
    )


@login_required
@require_POST
def inspection_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager hands an open task to another technician of its grid."""
    inspection = selectors.inspection_detail(user=request.user, pk=pk)
    allow(can(request.user, AssetAction.PLAN, inspection.grid_id))
    staff = Staff.objects.filter(pk=int_param(request.POST, "assignee") or -1).first()
    if staff is None:
        messages.error(request, _("请选择安装维护专员。"))
    else:
        try:
            svc.inspection_reassign(
                actor=request.user,
                inspection=inspection,
                assignee=staff,
                version=int_param(request.POST, "version"),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except StaleVersion:
            messages.error(request, str(STALE_MESSAGE))
    return redirect("service:inspection_detail", pk=pk)


@login_required
@require_GET
def inspection_photo(request: HttpRequest, pk: int) -> HttpResponse:
    allow(can(request.user, AssetAction.VIEW))
    found = get_object_or_404(
        Inspection.objects.visible_to(request.user).only("photo", "photo_type"), pk=pk
    )
    if not found.photo:
        raise Http404
    response = HttpResponse(bytes(found.photo), content_type=found.photo_type)
    # A stored upload is shown as an image, never sniffed into something that runs.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- schedules --------------------------------------------------------------------------------


class ScheduleForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("资产类型"), choices=Asset.Kind.choices)
    grid = forms.ModelChoiceField(
        label=gettext_lazy("网格"),
        queryset=Grid.objects.none(),
        required=False,
        empty_label=gettext_lazy("全县"),
    )
    every = forms.IntegerField(label=gettext_lazy("周期"), min_value=1, max_value=366)
    unit = forms.ChoiceField(
        label=gettext_lazy("周期单位"), choices=InspectionSchedule.Unit.choices
    )
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grids = Grid.objects.visible_to(user).filter(is_active=True)
        field = self.fields["grid"]
        if not scope_for(user).everything:
            # County-wide schedules are the market department's: a manager names a grid.
            grids = grids.filter(pk__in=scope_for(user).managed_grid_ids)
            field.required = True
            field.empty_label = None  # type: ignore[attr-defined]
        field.queryset = grids  # type: ignore[attr-defined]


@login_required
@require_GET
def schedule_list(request: HttpRequest) -> HttpResponse:
    allow(can(request.user, AssetAction.PLAN))
    return render(
        request,
        "service/inspections/schedules.html",
        {"schedules": selectors.schedule_list(user=request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule_create(request: HttpRequest) -> HttpResponse:
    allow(can(request.user, AssetAction.PLAN))
    form = ScheduleForm(request.POST or None, user=request.user, initial={"unit": "month"})

    def save(d: dict[str, Any]) -> InspectionSchedule:
        d.pop("version", None)
        return svc.schedule_create(actor=request.user, **d)

    return form_page(
        request,
        form,
        title=_("新建巡检计划"),
        save=save,
        done=lambda s: reverse("service:schedule_list"),
        cancel=reverse("service:schedule_list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(selectors.schedule_list(user=request.user), pk=pk)
    if schedule.grid_id is None:
        allow(scope_for(request.user).everything)  # county-wide: the market department's
    allow(can(request.user, AssetAction.PLAN, schedule.grid_id))
    initial = {f: getattr(schedule, f) for f in svc.SCHEDULE_FIELDS}
    initial["version"] = schedule.version
    form = ScheduleForm(request.POST or None, user=request.user, initial=initial)

    def save(d: dict[str, Any]) -> InspectionSchedule:
        version = d.pop("version", None)
        return svc.schedule_update(actor=request.user, schedule=schedule, data=d, version=version)

    return form_page(
        request,
        form,
        title=_("修改巡检计划"),
        save=save,
        done=lambda s: reverse("service:schedule_list"),
        cancel=reverse("service:schedule_list"),
    )


# --- coverage ---------------------------------------------------------------------------------


def _month(request: HttpRequest) -> dt.date:
    raw = text_param(request.GET, "month", max_length=7)
    today = clock.today()
    try:
        day = dt.date.fromisoformat(f"{raw}-01") if raw else today.replace(day=1)
    except ValueError:
        day = today.replace(day=1)
    if not 2000 <= day.year <= 2999:
        day = today.replace(day=1)
    return day


@login_required
@require_GET
def coverage(request: HttpRequest) -> HttpResponse:
    allow(can(request.user, AssetAction.COVERAGE))
    start = _month(request)
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    rows = selectors.coverage(user=request.user, start=start, end=end)
    return render(
        request,
        "service/inspections/coverage.html",
        {
            "rows": rows,
            "month": start,
            "capacity": selectors.grid_capacity(user=request.user),
        },
    )


urls: list[URLPattern] = [
    path("inspections/", InspectionListView.as_view(), name="inspection_list"),
    path("inspections/<int:pk>/", inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/reassign/", inspection_reassign, name="inspection_reassign"),
    path("inspections/<int:pk>/photo/", inspection_photo, name="inspection_photo"),
    path("inspections/schedules/", schedule_list, name="schedule_list"),
    path("inspections/schedules/new/", schedule_create, name="schedule_create"),
    path("inspections/schedules/<int:pk>/edit/", schedule_edit, name="schedule_edit"),
    path("inspections/coverage/", coverage, name="coverage"),
]
