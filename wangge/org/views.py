"""Organisation pages. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.core import clock, extensions, params
from wangge.core.forms import add_service_errors, add_stale_error
from wangge.core.permissions import can, require
from wangge.core.services import StaleVersion
from wangge.core.views import ScopedDetailView, ScopedListView
from wangge.org import selectors, services
from wangge.org.forms import GridForm, GridTechnicianForm, StaffCreateForm, StaffForm
from wangge.org.models import Department, Grid, Staff, Team
from wangge.org.permissions import Action
from wangge.org.roles import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The person's today view: what each app asks of them today (empty sections hidden)."""
    today = clock.today()
    return render(
        request,
        "org/home.html",
        {"today": today, "sections": extensions.today_for(request.user, today)},
    )


class GridListView(ScopedListView):
    model = Grid
    required_action = Action.VIEW_ORG
    template_name = "org/grid_list.html"

    def get_queryset(self) -> QuerySet[Grid]:
        return selectors.grid_list(
            user=self.request.user,
            q=params.text_param(self.request.GET, "q"),
            region_id=params.int_param(self.request.GET, "region"),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["regions"] = selectors.region_list(user=self.request.user)
        ctx["can_manage"] = can(self.request.user, Action.MANAGE_ORG)
        return ctx


class GridDetailView(ScopedDetailView):
    model = Grid
    required_action = Action.VIEW_ORG
    template_name = "org/grid_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["chart"] = selectors.grid_org_chart(user=self.request.user, grid=self.object)
        ctx["can_manage"] = can(self.request.user, Action.MANAGE_ORG)
        if can(self.request.user, Action.NAME_TECHNICIAN, self.object):
            ctx["technician_form"] = GridTechnicianForm(instance=self.object)
        return ctx


class StaffListView(ScopedListView):
    model = Staff
    required_action = Action.VIEW_ORG
    template_name = "org/staff_list.html"

    def get_queryset(self) -> QuerySet[Staff]:
        return selectors.staff_list(
            user=self.request.user,
            q=params.text_param(self.request.GET, "q"),
            role=params.choice_param(self.request.GET, "role", Role),
            grid_id=params.int_param(self.request.GET, "grid"),
            department_id=params.int_param(self.request.GET, "department"),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["roles"] = Role.choices
        ctx["grids"] = selectors.grid_list(user=self.request.user)
        ctx["departments"] = Department.objects.all()
        ctx["can_manage"] = can(self.request.user, Action.MANAGE_ORG)
        return ctx


class StaffDetailView(ScopedDetailView):
    model = Staff
    required_action = Action.VIEW_ORG
    template_name = "org/staff_detail.html"

    def get_queryset(self) -> QuerySet[Staff]:
        return super().get_queryset().select_related("user", "department")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        staff: Staff = self.object
        user = self.request.user
        ctx["phone"] = selectors.phone_for(
            user=user, phone=staff.phone, owner_user_id=staff.user_id
        )
        ctx["memberships"] = staff.memberships.visible_to(user).select_related("grid")
        ctx["teams"] = Team.objects.visible_to(user).filter(members=staff).distinct()
        ctx["can_manage"] = can(user, Action.MANAGE_ORG)
        return ctx


class TeamListView(ScopedListView):
    model = Team
    required_action = Action.VIEW_ORG
    template_name = "org/team_list.html"

    def get_queryset(self) -> QuerySet[Team]:
        return super().get_queryset().select_related("grid", "leader").order_by("kind", "name")


class TeamDetailView(ScopedDetailView):
    model = Team
    required_action = Action.VIEW_ORG
    template_name = "org/team_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        visible = Staff.objects.visible_to(self.request.user).values("id")
        ctx["members"] = self.object.memberships.filter(staff_id__in=visible).select_related(
            "staff", "staff__department"
        )
        return ctx


@login_required
@require_http_methods(["GET", "POST"])
def grid_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, Action.MANAGE_ORG)
    grid = get_object_or_404(Grid.objects.visible_to(request.user), pk=pk) if pk else None
    form = GridForm(request.POST or None, instance=grid, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            if grid is None:
                data.pop("technician")  # a new grid has no technicians to name yet
                grid = services.grid_create(actor=request.user, **data)
            else:
                # The form has already applied its values to `grid`; reload to diff for audit.
                fresh = Grid.objects.get(pk=grid.pk)
                grid = services.grid_update(
                    actor=request.user,
                    grid=fresh,
                    data=data,
                    version=form.cleaned_data.get("version"),
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersion:
            add_stale_error(form)  # nothing was written
        else:
            return redirect("org:grid_detail", pk=grid.pk)
    return render(request, "org/form.html", {"form": form, "object": grid, "kind": _("网格")})


@login_required
@require_http_methods(["GET", "POST"])
def grid_technician(request: HttpRequest, pk: int) -> HttpResponse:
    """The grid manager names the grid's 包干 technician (the grid page carries the form)."""
    grid = get_object_or_404(Grid.objects.visible_to(request.user), pk=pk)
    require(request.user, Action.NAME_TECHNICIAN, grid)
    form = GridTechnicianForm(request.POST or None, instance=grid)
    if request.method == "POST" and form.is_valid():
        try:
            services.grid_technician_set(
                actor=request.user,
                grid=Grid.objects.get(pk=grid.pk),
                technician=form.cleaned_data["technician"],
                version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersion:
            add_stale_error(form)  # nothing was written
        else:
            return redirect("org:grid_detail", pk=grid.pk)
    grid.refresh_from_db()  # the form applied the refused choice to it
    return render(request, "org/grid_technician.html", {"form": form, "object": grid})


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, Action.MANAGE_ORG)
    staff = get_object_or_404(Staff.objects.visible_to(request.user), pk=pk) if pk else None
    form_class = StaffForm if staff else StaffCreateForm
    form = form_class(request.POST or None, instance=staff, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in StaffForm.Meta.fields}
        try:
            if staff is None:
                staff = services.staff_create(
                    actor=request.user,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    primary_grid=form.cleaned_data["primary_grid"],
                    **data,
                )
            else:
                fresh = Staff.objects.get(pk=staff.pk)
                staff = services.staff_update(
                    actor=request.user,
                    staff=fresh,
                    data=data,
                    primary_grid=form.cleaned_data["primary_grid"],
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("org:staff_detail", pk=staff.pk)
    return render(request, "org/form.html", {"form": form, "object": staff, "kind": _("员工")})
