"""Pages of the team's basics: meetings (with attendance and action items), the problem
board, training (and a person's record), rotation history and plans."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core import clock, params
from wangge.core.access import scope_for
from wangge.core.forms import add_service_errors
from wangge.core.pagination import BoundedPaginator
from wangge.core.permissions import can
from wangge.org.models import Grid, Staff
from wangge.org.roles import GRID_ROLES
from wangge.worklog import selectors_team as sel
from wangge.worklog import services_team as svc
from wangge.worklog.models import ActionItem, Meeting, Problem, RotationPlan, Training
from wangge.worklog.permissions import Action

PAGE_SIZE = 30


def _allow(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _managed_grids(user: Any) -> Any:
    scope = scope_for(user)
    qs = Grid.objects.filter(is_active=True).order_by("code")
    return qs if scope.everything else qs.filter(pk__in=scope.managed_grid_ids)


def _team_grids(user: Any) -> Any:
    return Grid.objects.visible_to(user).filter(is_active=True).order_by("code")


class MeetingForm(forms.Form):
    grid = forms.ModelChoiceField(label=gettext_lazy("网格"), queryset=Grid.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("会议类型"), choices=Meeting.Kind.choices)
    on = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=gettext_lazy("主题"), max_length=100)
    minutes = forms.CharField(
        label=gettext_lazy("会议纪要"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    present = forms.ModelMultipleChoiceField(
        label=gettext_lazy("出席人员"),
        queryset=Staff.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("未勾选的本网格人员记为缺席。"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grids = _managed_grids(user)
        self.fields["grid"].queryset = grids  # type: ignore[attr-defined]
        self.fields["present"].queryset = (  # type: ignore[attr-defined]
            Staff.objects.filter(memberships__grid__in=grids).distinct().order_by("employee_no")
        )


class ActionForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("事项"), max_length=200)
    owner = forms.ModelChoiceField(label=gettext_lazy("负责人"), queryset=Staff.objects.none())
    due = forms.DateField(
        label=gettext_lazy("完成期限"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Staff.objects.filter(  # type: ignore[attr-defined]
            memberships__grid_id=meeting.grid_id
        ).order_by("employee_no")


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VIEW))
    mine = params.flag_param(request.GET, "mine")
    staff_id = scope_for(user).staff_id
    paginator = BoundedPaginator(sel.meeting_list(user=user), PAGE_SIZE)
    page = paginator.page_or_last(params.page_param(request.GET))
    actions = sel.open_actions(user=user, owner_id=staff_id or -1).order_by("due")[:50]
    return render(
        request,
        "worklog/meeting_list.html",
        {
            "meetings": page.object_list,
            "page_obj": page,
            "paginator": paginator,
            "is_paginated": page.has_other_pages(),
            "querystring": "",
            "actions": actions,
            "mine": mine,
            "today": clock.today(),
            "can_hold": can(user, Action.MEETING) and _managed_grids(user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.MEETING) and _managed_grids(user).exists())
    form = MeetingForm(request.POST or None, user=user, initial={"on": clock.today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meeting = svc.meeting_create(
                actor=user,
                grid=d["grid"],
                kind=d["kind"],
                on=d["on"],
                title=d["title"],
                minutes=d["minutes"],
                chair=getattr(user, "staff", None),
                attendance=svc.attendance_for(d["grid"], [s.pk for s in d["present"]]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("worklog:meeting_detail", meeting.pk)
    return render(
        request,
        "worklog/form.html",
        {"form": form, "title": _("记录会议")},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VIEW))
    try:
        meeting = sel.meeting_detail(user=user, pk=pk)
    except Meeting.DoesNotExist as exc:
        raise Http404 from exc
    can_hold = can(user, Action.MEETING, meeting.grid)
    return render(
        request,
        "worklog/meeting_detail.html",
        {
            "meeting": meeting,
            "can_hold": can_hold,
            "action_form": ActionForm(meeting=meeting) if can_hold else None,
            "open_problems": sel.problem_list(user=user)
            .filter(grid_id=meeting.grid_id)
            .exclude(status=Problem.Status.RESOLVED)
            if can_hold
            else [],
            "staff_id": scope_for(user).staff_id,
        },
    )


@login_required
@require_POST
def meeting_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    meeting = get_object_or_404(Meeting.objects.visible_to(user), pk=pk)
    _allow(can(user, Action.MEETING, meeting.grid_id))
    form = ActionForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            svc.action_add(actor=user, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, str(e))
    return redirect("worklog:meeting_detail", meeting.pk)


@login_required
@require_POST
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = get_object_or_404(ActionItem.objects.visible_to(user).select_related("meeting"), pk=pk)
    svc.action_done(actor=user, item=item)
    messages.success(request, _("待办已完成。"))
    if request.POST.get("next") == "list":
        return redirect("worklog:meeting_list")
    return redirect("worklog:meeting_detail", item.meeting_id)


class ProblemForm(forms.Form):
    grid = forms.ModelChoiceField(label=gettext_lazy("网格"), queryset=Grid.objects.none())
    title = forms.CharField(label=gettext_lazy("难题"), max_length=100)
    detail = forms.CharField(
        label=gettext_lazy("情况说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = _team_grids(user)  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
def problem_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VIEW))
    may_raise = can(user, Action.PROBLEM) and _team_grids(user).exists()
    form = ProblemForm(request.POST or None, user=user) if may_raise else None
    if request.method == "POST":
        _allow(form is not None)
        assert form is not None
        if form.is_valid():
            try:
                svc.problem_raise(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("worklog:problem_list")
    status = params.choice_param(request.GET, "status", Problem.Status)
    paginator = BoundedPaginator(sel.problem_list(user=user, status=status), PAGE_SIZE)
    page = paginator.page_or_last(params.page_param(request.GET))
    managed = set(scope_for(user).managed_grid_ids)
    return render(
        request,
        "worklog/problem_list.html",
        {
            "problems": page.object_list,
            "page_obj": page,
            "paginator": paginator,
            "is_paginated": page.has_other_pages(),
            "querystring": f"status={status}" if status else "",
            "form": form,
            "status": status,
            "statuses": Problem.Status.choices,
            "managed": managed,
            "everything": scope_for(user).everything,
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def problem_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    problem = get_object_or_404(Problem.objects.visible_to(user), pk=pk)
    _allow(can(user, Action.MEETING, problem.grid_id))
    try:
        if request.POST.get("resolution") is not None:
            svc.problem_resolve(actor=user, problem=problem, resolution=request.POST["resolution"])
        else:
            meeting = get_object_or_404(
                Meeting.objects.visible_to(user), pk=params.int_param(request.POST, "meeting") or 0
            )
            svc.problem_discuss(actor=user, problem=problem, meeting=meeting)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("worklog:problem_list")


class TrainingForm(forms.Form):
    topic = forms.CharField(label=gettext_lazy("培训主题"), max_length=100)
    trainer = forms.CharField(label=gettext_lazy("讲师"), max_length=32)
    on = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    grid = forms.ModelChoiceField(
        label=gettext_lazy("网格"),
        queryset=Grid.objects.none(),
        required=False,
        empty_label=gettext_lazy("全县（市场部）"),
    )
    note = forms.CharField(
        label=gettext_lazy("说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["grid"]
        field.queryset = _managed_grids(user)  # type: ignore[attr-defined]
        field.required = not scope_for(user).everything


def _may_train(user: Any) -> bool:
    return can(user, Action.TRAINING) and (
        scope_for(user).everything or _managed_grids(user).exists()
    )


@login_required
def training_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VIEW))
    staff_id = params.int_param(request.GET, "staff") or scope_for(user).staff_id
    person = Staff.objects.visible_to(user).filter(pk=staff_id or 0).first()
    paginator = BoundedPaginator(sel.training_list(user=user), PAGE_SIZE)
    page = paginator.page_or_last(params.page_param(request.GET))
    return render(
        request,
        "worklog/training_list.html",
        {
            "trainings": page.object_list,
            "page_obj": page,
            "paginator": paginator,
            "is_paginated": page.has_other_pages(),
            "querystring": "",
            "person": person,
            "record": sel.training_record(user=user, staff_id=person.pk) if person else [],
            "can_train": _may_train(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def training_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(_may_train(user))
    form = TrainingForm(request.POST or None, user=user, initial={"on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            training = svc.training_create(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("worklog:training_detail", training.pk)
    return render(
        request,
        "worklog/form.html",
        {"form": form, "title": _("记录培训")},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VIEW))
    training = get_object_or_404(Training.objects.visible_to(user).select_related("grid"), pk=pk)
    may = (
        scope_for(user).everything
        if training.grid is None
        else can(user, Action.TRAINING, training.grid)
    )
    if request.method == "POST":
        _allow(may)
        staff = get_object_or_404(
            Staff.objects.visible_to(user), pk=params.int_param(request.POST, "staff") or 0
        )
        score = params.int_param(request.POST, "score")
        try:
            svc.training_record(actor=user, training=training, staff=staff, score=score)
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        return redirect("worklog:training_detail", training.pk)
    people = (
        Staff.objects.visible_to(user).filter(memberships__grid=training.grid)
        if training.grid
        else Staff.objects.visible_to(user)
    )
    return render(
        request,
        "worklog/training_detail.html",
        {
            "training": training,
            "attendances": training.attendances.select_related("staff"),
            "can_record": may,
            "people": people.distinct().order_by("employee_no")[:300] if may else [],
        },
    )


class RotationForm(forms.Form):
    staff = forms.ModelChoiceField(label=gettext_lazy("员工"), queryset=Staff.objects.none())
    grid = forms.ModelChoiceField(label=gettext_lazy("新网格"), queryset=Grid.objects.none())
    role = forms.ChoiceField(
        label=gettext_lazy("网格内角色"), choices=[(r.value, r.label) for r in GRID_ROLES]
    )
    effective_on = forms.DateField(
        label=gettext_lazy("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    leave_previous = forms.BooleanField(
        label=gettext_lazy("离开原主网格"), required=False, initial=True
    )
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Staff.objects.filter(  # type: ignore[attr-defined]
            user__is_active=True
        ).order_by("employee_no")
        self.fields["grid"].queryset = Grid.objects.filter(is_active=True)  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
def rotation(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.KPI))
    may_plan = can(user, Action.ROTATION)
    form = RotationForm(request.POST or None) if may_plan else None
    if request.method == "POST":
        _allow(form is not None)
        assert form is not None
        if form.is_valid():
            try:
                svc.rotation_plan(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("worklog:rotation")
    return render(
        request,
        "worklog/rotation.html",
        {
            "plans": sel.rotation_plans(user=user)[:100],
            "history": sel.rotation_history(user=user, limit=200),
            "form": form,
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def rotation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.ROTATION))
    plan = get_object_or_404(RotationPlan.objects.visible_to(user), pk=pk)
    try:
        svc.rotation_cancel(actor=user, plan=plan)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("worklog:rotation")


urls = [
    path("meetings/", meeting_list, name="meeting_list"),
    path("meetings/new/", meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/actions/", meeting_action, name="meeting_action"),
    path("actions/<int:pk>/done/", action_done, name="action_done"),
    path("problems/", problem_list, name="problem_list"),
    path("problems/<int:pk>/", problem_update, name="problem_update"),
    path("trainings/", training_list, name="training_list"),
    path("trainings/new/", training_create, name="training_create"),
    path("trainings/<int:pk>/", training_detail, name="training_detail"),
    path("rotation/", rotation, name="rotation"),
    path("rotation/<int:pk>/cancel/", rotation_cancel, name="rotation_cancel"),
]
