"""Grid-division pages: the map, sites, plans (auto, import, edit, compare, activate)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core import params
from wangge.core.access import scope_for
from wangge.core.forms import add_service_errors, add_stale_error
from wangge.core.permissions import can, require
from wangge.core.services import StaleVersion
from wangge.core.views import ScopedDetailView, ScopedListView
from wangge.org.models import Grid, Staff
from wangge.org.permissions import Action
from wangge.org.roles import Role
from wangge.territory import auto, frontier, selectors, services
from wangge.territory.attributes import BALANCE_ATTRIBUTES
from wangge.territory.forms import (
    SITE_FORM_FIELDS,
    ActivateForm,
    AutoPlanForm,
    ImportKmlForm,
    ImportPlanForm,
    SiteForm,
    SurveyAssignForm,
)
from wangge.territory.freshness import resurvey_cutoff, resurvey_days
from wangge.territory.messages import CUSTOMERS_HELP
from wangge.territory.models import GridPlan, PlanGrid, Site, SurveyAssignment
from wangge.territory.permissions import Action as TerritoryAction


def _plan(request: HttpRequest, pk: int) -> GridPlan:
    return get_object_or_404(GridPlan.objects.visible_to(request.user), pk=pk)


@login_required
@require_GET
def grid_map(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_ORG)
    plan = GridPlan.objects.active()
    return render(
        request,
        "territory/map.html",
        {
            "plan": plan,
            "attributes": BALANCE_ATTRIBUTES,
            "features": selectors.active_plan_features(user=request.user),
            "outline": services.service_area_geometry() is not None and _outline_json(),
        },
    )


def _outline_json() -> Any:
    from wangge.territory.models import ServiceArea

    area = ServiceArea.objects.order_by("id").first()
    return area.boundary if area else None


@login_required
@require_GET
def active_geojson(request: HttpRequest) -> JsonResponse:
    require(request.user, Action.VIEW_ORG)
    return JsonResponse(selectors.active_plan_features(user=request.user))


class SiteListView(ScopedListView):
    model = Site
    required_action = TerritoryAction.VIEW_SITES
    template_name = "territory/site_list.html"

    def get_queryset(self) -> QuerySet[Site]:
        g = self.request.GET
        return selectors.site_list(
            user=self.request.user,
            q=params.text_param(g, "q"),
            kind=params.choice_param(g, "kind", Site.Kind),
            grid_id=params.int_param(g, "grid"),
            outside=params.flag_param(g, "outside"),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["kinds"] = Site.Kind.choices
        ctx["grids"] = Grid.objects.visible_to(self.request.user).filter(is_active=True)
        ctx["can_create"] = can(self.request.user, TerritoryAction.EDIT_SITES)
        ctx["resurvey_cutoff"] = resurvey_cutoff()
        return ctx


class SiteDetailView(ScopedDetailView):
    model = Site
    required_action = TerritoryAction.VIEW_SITES
    template_name = "territory/site_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["history"] = (
            self.object.assignments.exclude(plan__status=GridPlan.Status.DRAFT)
            .select_related("plan", "plan_grid")
            .order_by("-plan__effective_from")
        )
        ctx["buildings"] = self.object.buildings.visible_to(self.request.user)[:200]
        ctx["customers_help"] = CUSTOMERS_HELP
        ctx["can_edit"] = can(self.request.user, TerritoryAction.EDIT_SITES, self.object)
        ctx["resurvey_days"] = resurvey_days()
        ctx["survey"] = (
            SurveyAssignment.objects.filter(site=self.object).select_related("assignee").first()
        )
        return ctx


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "territory/plan_list.html",
        {
            "plans": selectors.plan_list(user=request.user)[:100],
            "can_edit": can(request.user, TerritoryAction.EDIT_PLANS),
            "figures": selectors.plan_figures_visible(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_auto(request: HttpRequest) -> HttpResponse:
    require(request.user, TerritoryAction.EDIT_PLANS)
    active = GridPlan.objects.active()
    initial = {"k": active.grids.count() if active else 30, "name": _("自动划分方案")}
    form = AutoPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        # The second button computes a frontier of plans to choose from instead of one plan.
        create = (
            frontier.plan_frontier_create if "frontier" in request.POST else auto.plan_auto_create
        )
        try:
            plan = create(
                actor=request.user,
                name=d["name"],
                k=d["k"],
                attributes=d["attributes"],
                tolerance=float(d["tolerance"]) / 100,
                secondary_tolerance=float(d["secondary_tolerance"]) / 100,
                compactness=d["compactness"] / 100,
                stable=d["stable"],
                locked_codes=d["locked"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("territory:plan_detail", pk=plan.pk)
    return render(
        request,
        "territory/plan_form.html",
        {"form": form, "title": _("自动划分"), "frontier_button": True},
    )


@login_required
@require_POST
def plan_frontier_pick(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, TerritoryAction.EDIT_PLANS)
    plan = _plan(request, pk)
    index = params.int_param(request.POST, "point", minimum=0)
    try:
        frontier.plan_frontier_pick(
            actor=request.user, plan=plan, index=-1 if index is None else index
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(
            request, _("已选用方案前沿中的第 %(n)s 个方案。") % {"n": (index or 0) + 1}
        )
    return redirect("territory:plan_detail", pk=plan.pk)


def _import_plan(
    request: HttpRequest, form_class: type[forms.Form], read: Any, title: str
) -> HttpResponse:
    """An outline file (GeoJSON or KML) becomes a draft plan; a refusal stays on the form."""
    require(request.user, TerritoryAction.EDIT_PLANS)
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = read(
                actor=request.user,
                name=form.cleaned_data["name"],
                data=form.cleaned_data["file"].read(),
                crs=form.cleaned_data["crs"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("territory:plan_detail", pk=plan.pk)
    return render(
        request, "territory/plan_form.html", {"form": form, "title": title, "multipart": True}
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_import(request: HttpRequest) -> HttpResponse:
    return _import_plan(request, ImportPlanForm, services.plan_import_geojson, _("导入网格方案"))


@login_required
@require_http_methods(["GET", "POST"])
def plan_import_kml(request: HttpRequest) -> HttpResponse:
    return _import_plan(request, ImportKmlForm, services.plan_import_kml, _("导入 KML 网格方案"))


@login_required
@require_GET
def plan_kml(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan as KML, the grids the user may read; `?sites=1` adds their sites' points."""
    plan = selectors.plan_detail(user=request.user, pk=pk)
    sites = (
        Site.objects.visible_to(request.user) if params.flag_param(request.GET, "sites") else None
    )
    body = services.plan_export_kml(
        plan, grid_ids=selectors.plan_grid_ids(user=request.user), sites=sites
    )
    response = HttpResponse(body, content_type="application/vnd.google-earth.kml+xml")
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}.kml"'
    return response


@login_required
@require_POST
def plan_snapshot(request: HttpRequest) -> HttpResponse:
    require(request.user, TerritoryAction.EDIT_PLANS)
    plan = services.plan_snapshot_current(actor=request.user, name=_("现行网格"))
    return redirect("territory:plan_detail", pk=plan.pk)


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_detail(user=request.user, pk=pk)
    editor = can(request.user, TerritoryAction.EDIT_PLANS) and plan.editable
    ctx = {
        "plan": plan,
        "summary": selectors.plan_summary(user=request.user, plan=plan),
        "warm_start_moved": selectors.warm_start_moved_share(plan),
        "grids": selectors.plan_grids(user=request.user, plan=plan),
        "attributes": BALANCE_ATTRIBUTES,
        "can_edit": can(request.user, TerritoryAction.EDIT_PLANS) and plan.editable,
        "activate_form": ActivateForm(),
    }
    ctx.update(frontier.frontier_context(plan, editor=editor))
    if request.htmx and plan.running:  # type: ignore[attr-defined]
        return render(request, "territory/plan_detail.html#progress", ctx)
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse()
        response["HX-Refresh"] = "true"  # finished: reload the whole page with the result
        return response
    return render(request, "territory/plan_detail.html", ctx)


@login_required
@require_GET
def plan_geojson(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_detail(user=request.user, pk=pk)
    data = selectors.plan_geojson(user=request.user, plan=plan)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/geo+json; charset=utf-8"
    )
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}.geojson"'
    return response


@login_required
@require_GET
def plan_compare(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, TerritoryAction.EDIT_PLANS)
    plan = _plan(request, pk)
    base = GridPlan.objects.active()
    if base is not None and base.pk == plan.pk:
        base = plan.based_on
    comparison = selectors.plan_compare(plan, base)
    return render(
        request,
        "territory/plan_compare.html",
        {
            "c": comparison,
            "plan": plan,
            "attributes": BALANCE_ATTRIBUTES,
            "activate_form": ActivateForm(),
            "moved_points": [
                {"lon": s.lon, "lat": s.lat, "label": f"{s.name}: {a} → {b}"}
                for s, a, b in comparison.moved_sites
            ],
        },
    )


@login_required
@require_POST
def plan_activate(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, TerritoryAction.EDIT_PLANS)
    plan = _plan(request, pk)
    form = ActivateForm(request.POST)
    if form.is_valid():
        try:
            services.plan_activate(
                actor=request.user, plan=plan, effective_from=form.cleaned_data["effective_from"]
            )
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("方案已启用。"))
    else:
        messages.error(request, _("请填写有效的生效日期。"))
    return redirect("territory:plan_detail", pk=plan.pk)


@login_required
@require_POST
def plan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, TerritoryAction.EDIT_PLANS)
    plan = _plan(request, pk)
    try:
        services.plan_discard(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("territory:plan_detail", pk=plan.pk)
    return redirect("territory:plan_list")


@login_required
@require_http_methods(["GET", "POST"])
def plan_editor(request: HttpRequest, pk: int) -> HttpResponse:
    """Redraw a grid (POST boundary) or move sites between grids (POST sites + to)."""
    require(request.user, TerritoryAction.EDIT_PLANS)
    plan = _plan(request, pk)
    if request.method == "POST":
        try:
            if "boundary" in request.POST:
                pg = get_object_or_404(PlanGrid, plan=plan, code=request.POST.get("code", ""))
                services.plan_set_grid_boundary(
                    actor=request.user, plan_grid=pg, boundary=json.loads(request.POST["boundary"])
                )
            else:
                ids = [int(x) for x in request.POST.get("sites", "").split(",") if x.isdigit()]
                services.plan_move_sites(
                    actor=request.user, plan=plan, site_ids=ids, to_code=request.POST.get("to", "")
                )
        except (ValidationError, ValueError) as exc:
            msgs = exc.messages if isinstance(exc, ValidationError) else [_("数据格式不正确。")]
            return JsonResponse({"ok": False, "errors": msgs}, status=400)
        return JsonResponse({"ok": True})
    sites = list(
        plan.assignments.filter(site__estate__isnull=True).values_list(
            "site_id", "site__name", "site__lon", "site__lat", "plan_grid__code"
        )
    )
    return render(
        request,
        "territory/plan_editor.html",
        {
            "plan": plan,
            "grids": plan.grids.order_by("code"),
            "sites_json": [list(s) for s in sites],
            "editable": plan.editable,
        },
    )


# --- sites: create, edit, verify ---------------------------------------------------------------


def _site_form_page(
    request: HttpRequest,
    form: SiteForm,
    *,
    title: str,
    save: Callable[[dict[str, Any]], Site],
    cancel: str,
) -> HttpResponse:
    """Show the form; on a valid POST call the service, mapping its refusals onto fields
    (and a stale `version`, someone else's save in between, onto the form)."""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            site = save(data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersion:
            add_stale_error(form)
        else:
            return redirect("territory:site_detail", pk=site.pk)
    return render(
        request, "territory/site_form.html", {"form": form, "title": title, "cancel": cancel}
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in Site.Kind.values:
        raise Http404
    require(request.user, TerritoryAction.EDIT_SITES)
    form = SiteForm(request.POST or None, user=request.user, kind=kind)

    def save(d: dict[str, Any]) -> Site:
        fields = {k: d[k] for k in SITE_FORM_FIELDS[kind] if k in d}
        return services.site_create(actor=request.user, kind=kind, verified=d["verified"], **fields)

    return _site_form_page(
        request,
        form,
        title=_("新建%(kind)s") % {"kind": Site.Kind(kind).label},
        save=save,
        cancel=reverse("territory:site_list"),
    )


def _editable_site(request: HttpRequest, pk: int) -> Site:
    site = get_object_or_404(Site.objects.visible_to(request.user), pk=pk)
    require(request.user, TerritoryAction.EDIT_SITES, site)
    return site


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    site = _editable_site(request, pk)
    form = SiteForm(request.POST or None, instance=site, user=request.user, kind=site.kind)

    def save(d: dict[str, Any]) -> Site:
        fresh = Site.objects.select_related("estate").get(pk=pk)
        data = {k: d[k] for k in SITE_FORM_FIELDS[site.kind] if k in d}
        # Only what changed: an unchanged point must not place the site again.
        data = {k: v for k, v in data.items() if getattr(fresh, k) != v}
        return services.site_update(
            actor=request.user,
            site=fresh,
            data=data,
            verified=d["verified"],
            version=d.get("version"),
        )

    return _site_form_page(
        request,
        form,
        title=_("编辑 %(name)s") % {"name": site.name},
        save=save,
        cancel=reverse("territory:site_detail", args=[pk]),
    )


@login_required
@require_POST
def site_verify(request: HttpRequest, pk: int) -> HttpResponse:
    site = _editable_site(request, pk)
    services.site_verify(actor=request.user, site=site)
    messages.success(request, _("已确认信息无变化，核实时间已更新。"))
    return redirect("territory:site_detail", pk=pk)


# --- survey assignment ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def survey_board(request: HttpRequest) -> HttpResponse:
    """The grid's estates and premises with who surveys each (分工逐一拜访), progress per
    person and grid; the manager ticks sites and hands them to a person of the grid."""
    require(request.user, TerritoryAction.VIEW_SITES)
    grids = Grid.objects.visible_to(request.user).filter(is_active=True).order_by("code")
    grid = params.int_param(request.GET, "grid")
    chosen = grids.filter(pk=grid).first() if grid else None
    if chosen is None and grids[:2].count() == 1:
        chosen = grids.first()
    ctx: dict[str, Any] = {"grids": grids, "grid": chosen, "since": selectors.survey_since()}
    grid_rows, people = selectors.survey_progress(
        user=request.user, grid_ids=[chosen.pk] if chosen else None
    )
    ctx.update(grid_rows=grid_rows, people=people)
    staff_id = scope_for(request.user).staff_id
    ctx["mine"] = (
        selectors.survey_assignments(user=request.user, assignee_id=staff_id)[:500]
        if staff_id
        else []
    )
    if chosen is not None:
        sites = selectors.surveyable_sites(user=request.user, grid_id=chosen.pk)
        may_assign = can(request.user, TerritoryAction.EDIT_SITES, _stand_in(chosen))
        team = (
            Staff.objects.filter(memberships__grid=chosen)
            .exclude(memberships__role=Role.AGENT)
            .distinct()
            .order_by("name")
        )
        form = SurveyAssignForm(request.POST or None, sites=sites, team=team)
        if request.method == "POST":
            if not may_assign:
                raise Http404
            if form.is_valid():
                try:
                    n = services.survey_assign(
                        actor=request.user,
                        sites=list(form.cleaned_data["sites"]),
                        assignee=form.cleaned_data["assignee"],
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("已调整 %(n)s 个单元的分工。") % {"n": n})
                    return redirect(f"{reverse('territory:survey_board')}?grid={chosen.pk}")
        ctx.update(sites=sites[:500], form=form, may_assign=may_assign)
    elif request.method == "POST":
        raise Http404
    return render(request, "territory/survey_board.html", ctx)


def _stand_in(grid: Grid) -> Any:
    """A stand-in site of `grid` for the object rule (a manager edits their grids' sites)."""
    return Site(grid_id=grid.pk)
