"""Opportunity pages: my opportunities (phone first), the detail with its moves, a new one.

Every action is a small POST view calling one service with the `version` the page showed:
a stale one (someone acted in between) re-renders the page with 409 and a reload link,
nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core import clock, params
from wangge.core.access import scope_for
from wangge.core.forms import STALE_MESSAGE, add_service_errors, add_stale_error
from wangge.core.pagination import BoundedPaginator
from wangge.core.permissions import can
from wangge.core.services import StaleVersion
from wangge.sales import selectors, services
from wangge.sales.forms import (
    DispatchForm,
    LoseForm,
    MoveForm,
    OpportunityEditForm,
    OpportunityForm,
    ReturnForm,
    VersionForm,
    WinForm,
    default_due,
)
from wangge.sales.models import Opportunity, Stage
from wangge.sales.permissions import Action
from wangge.sales.services.opportunities import allowed_moves

PAGE_SIZE = 30

#: Query-string filters of the list (the API's names, and `team`: the grids one manages);
#: with none of them, "my opportunities", for a grid manager their grids' opportunities.
FILTERS = (
    "mine",
    "team",
    "stage",
    "overdue",
    "unassigned",
    "dispatch",
    "q",
    "assignee",
    "grid",
    "all",
)


def _allow(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _list_filters(request: HttpRequest) -> dict[str, Any]:
    g = request.GET
    scope = scope_for(request.user)
    default = not any(k in g for k in FILTERS)
    # A manager's own pile is small (what they raised or took); their work is the grids'.
    team = bool(scope.managed_grid_ids) and (params.flag_param(g, "team") or default)
    mine = params.flag_param(g, "mine") or (default and not team)
    stage = params.choice_param(g, "stage", Stage)
    return {
        "q": params.text_param(g, "q"),
        "stage": stage or None,
        "open_only": not stage,
        "mine": mine and scope.staff_id is not None,
        "managed": team and not mine,
        "assignee_id": params.int_param(g, "assignee"),
        "grid_id": params.int_param(g, "grid"),
        "dispatch": params.choice_param(g, "dispatch", Opportunity.Dispatch) or None,
        "overdue": params.flag_param(g, "overdue"),
        "unassigned": params.flag_param(g, "unassigned"),
    }


@login_required
def opportunity_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VIEW))
    filters = _list_filters(request)
    now = clock.now()
    qs = (
        selectors.opportunity_list(user=user, **filters)
        .annotate(
            late=Case(
                When(selectors.overdue_q(now), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("late", "contact_due", "-created_at", "-id")
    )
    # Sorted and paged on the narrow rows (the index holds what the order reads), then the
    # page's thirty read with their customer, site and product: joining every open row
    # of a busy seller before sorting cost more than the rest of the page.
    paginator = BoundedPaginator(qs.select_related(None).only("pk"), PAGE_SIZE)
    page = paginator.page_or_last(params.page_param(request.GET))
    page.object_list = selectors.in_order(qs, list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sales/opportunity_list.html",
        {
            "page_obj": page,
            "paginator": paginator,
            "is_paginated": page.has_other_pages(),
            "querystring": query.urlencode(),
            "opportunities": page.object_list,
            "filters": filters,
            "now": now,
            "stages": Stage.choices,
            "can_create": can(user, Action.CREATE),
            "can_dispatch": can(user, Action.DISPATCH),
            "here": request.get_full_path(),
            "me": scope_for(user).staff_id,
            "manages": bool(scope_for(user).managed_grid_ids),
        },
    )


def _detail_context(request: HttpRequest, opp: Opportunity, **bound: Any) -> dict[str, Any]:
    user = request.user
    now = clock.now()
    may_work = can(user, Action.WORK, opp)
    initial = {"version": opp.version}
    return {
        "opp": opp,
        "steps": selectors.opportunity_steps(opportunity=opp),
        "order": getattr(opp, "order", None) if opp.stage == Stage.WON else None,
        "visits": selectors.visit_list(user=user).filter(opportunity_id=opp.pk)[:10],
        "overdue": opp.contact_overdue(now) or opp.outcome_overdue(now),
        "may_work": may_work and opp.is_open,
        "may_reopen": may_work and opp.stage == Stage.LOST,
        "may_respond": can(user, Action.RESPOND, opp)
        and opp.dispatch == Opportunity.Dispatch.PENDING,
        "moves": [(s, Stage(s).label) for s in allowed_moves(opp.stage)],
        "may_win": may_work and opp.stage in (Stage.CONFIRMED, Stage.ORDERED),
        "lose_form": bound.get("lose") or LoseForm(initial=initial),
        "win_form": bound.get("win") or WinForm(initial=initial, opportunity=opp),
        "return_form": bound.get("return") or ReturnForm(initial=initial),
        "move_error": bound.get("move_error"),
        "stale": "",
        "may_visit": can(user, Action.VISIT),
        "may_edit": may_work and opp.is_open,
        "dispatch_form": (
            bound["dispatch"] if bound.get("dispatch") is not None else dispatch_form(user, opp)
        ),
    }


def dispatch_form(user: Any, opp: Opportunity) -> DispatchForm | None:
    """The dispatch form of one opportunity (its page, a board row's), the suggested
    assignee preselected; None when the user may not dispatch it or it is closed."""
    allowed = (
        can(user, Action.DISPATCH)
        if scope_for(user).everything
        else can(user, Action.DISPATCH, opp)
    )
    if not (allowed and opp.is_open):
        return None
    suggested = services.suggested_assignee(opp)
    return DispatchForm(
        user=user,
        opportunity=opp,
        initial={
            "version": opp.version,
            "assignee": getattr(suggested, "pk", None),
            "due": default_due(),
        },
        prefix=f"o{opp.pk}",
    )


def detail_page(
    request: HttpRequest, opp: Opportunity, *, status: int, stale: bool = False, **bound: Any
) -> HttpResponse:
    """The detail page again after a refused action: its form with the reasons, or, for a
    stale version, the page as it is now with the notice."""
    if stale:
        opp = selectors.opportunity_detail(user=request.user, pk=opp.pk)
        bound = {}
    ctx = _detail_context(request, opp, **bound)
    if stale:
        ctx["stale"] = STALE_MESSAGE
    return render(request, "sales/opportunity_detail.html", ctx, status=status)


@login_required
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _allow(can(request.user, Action.VIEW))
    opp = selectors.opportunity_detail(user=request.user, pk=pk)
    return render(request, "sales/opportunity_detail.html", _detail_context(request, opp))


def _back(request: HttpRequest, opp: Opportunity) -> str:
    """Where an action returns: the page it was sent from when that is ours, else the detail."""
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        return nxt
    return reverse("sales:opportunity_detail", args=[opp.pk])


def _act(
    request: HttpRequest,
    pk: int,
    form_class: Callable[..., forms.Form],
    key: str,
    run: Callable[[Opportunity, dict[str, Any], forms.Form], Any],
    done: str,
) -> HttpResponse:
    """Validate the form, call the service; a refusal or a stale version shows the detail
    page again with the reason (400, 409), nothing written."""
    _allow(can(request.user, Action.VIEW))
    opp = selectors.opportunity_detail(user=request.user, pk=pk)
    kwargs = {"opportunity": opp} if form_class is WinForm else {}
    form = form_class(request.POST, **kwargs)
    status = 400
    if form.is_valid():
        try:
            run(opp, form.cleaned_data, form)
        except StaleVersion:
            return detail_page(request, opp, status=409, stale=True)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(_back(request, opp))
    ctx = _detail_context(
        request, opp, **{key: form, "move_error": form if key == "move" else None}
    )
    return render(request, "sales/opportunity_detail.html", ctx, status=status)


@login_required
@require_POST
def opportunity_move(request: HttpRequest, pk: int) -> HttpResponse:
    def run(opp: Opportunity, d: dict[str, Any], _f: forms.Form) -> Any:
        return services.opportunity_move(
            actor=request.user,
            opportunity=opp,
            stage=d["stage"],
            version=d["version"],
            note=d["note"],
        )

    return _act(request, pk, MoveForm, "move", run, _("阶段已更新。"))


@login_required
@require_POST
def opportunity_lose(request: HttpRequest, pk: int) -> HttpResponse:
    def run(opp: Opportunity, d: dict[str, Any], _f: forms.Form) -> Any:
        return services.opportunity_lose(
            actor=request.user,
            opportunity=opp,
            reason=d["reason"],
            version=d["version"],
            note=d["note"],
        )

    return _act(request, pk, LoseForm, "lose", run, _("商机已标记为失败。"))


@login_required
@require_POST
def opportunity_win(request: HttpRequest, pk: int) -> HttpResponse:
    def run(opp: Opportunity, d: dict[str, Any], f: forms.Form) -> Any:
        assert isinstance(f, WinForm)
        return services.opportunity_win(
            actor=request.user,
            opportunity=opp,
            plan=d["plan"],
            version=d["version"],
            monthly_fee=d["monthly_fee"],
            account_no=d["account_no"],
            new_customer=f.new_customer(),
        )

    return _act(request, pk, WinForm, "win", run, _("已成交，订购已生成。"))


@login_required
@require_POST
def opportunity_accept(request: HttpRequest, pk: int) -> HttpResponse:
    def run(opp: Opportunity, d: dict[str, Any], _f: forms.Form) -> Any:
        return services.opportunity_accept(
            actor=request.user, opportunity=opp, version=d["version"]
        )

    return _act(request, pk, VersionForm, "accept", run, _("已接单。"))


@login_required
@require_POST
def opportunity_return(request: HttpRequest, pk: int) -> HttpResponse:
    def run(opp: Opportunity, d: dict[str, Any], _f: forms.Form) -> Any:
        return services.opportunity_return(
            actor=request.user, opportunity=opp, version=d["version"], reason=d["reason"]
        )

    return _act(request, pk, ReturnForm, "return", run, _("已退回。"))


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.VIEW) and can(user, Action.CREATE))
    preset = params.int_param(request.GET, "customer")
    initial: dict[str, Any] = {"source": Opportunity.Source.VISIT}
    if preset:
        initial["customer"] = preset
    site = params.int_param(request.GET, "site")
    if site:
        initial["site"] = site
    form = OpportunityForm(
        request.POST or None,
        user=user,
        preset_customer=preset,
        customer_query=params.text_param(request.GET, "cq"),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            opp = services.opportunity_create(
                actor=user,
                customer=d["customer"],
                site=d["site"],
                kind=d["kind"],
                source=d["source"],
                product=d["product"],
                need=d["need"],
                competitor=d["competitor"],
                contact_name=d["contact_name"],
                contact_phone=d["contact_phone"],
                expected_monthly=d["expected_monthly"],
                expected_close=d["expected_close"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("商机 %(code)s 已登记。") % {"code": opp.code})
            return redirect("sales:opportunity_detail", opp.pk)
    return render(
        request,
        "sales/form.html",
        {"form": form, "title": _("登记商机"), "cancel": reverse("sales:opportunity_list")},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change what is known of the need (kind, product, value, dates, contact, campaign):
    the version the form was opened with must still be the row's, else 409 and nothing
    written."""
    user = request.user
    _allow(can(user, Action.VIEW))
    opp = selectors.opportunity_detail(user=user, pk=pk)
    _allow(can(user, Action.WORK, opp) and opp.is_open)
    form = OpportunityEditForm(request.POST or None, user=user, opportunity=opp)
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        version = d.pop("version")
        try:
            services.opportunity_update(actor=user, opportunity=opp, data=d, version=version)
        except StaleVersion:
            status = 409
            add_stale_error(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("商机已保存。"))
            return redirect("sales:opportunity_detail", opp.pk)
    back = reverse("sales:opportunity_detail", args=[opp.pk])
    return render(
        request,
        "sales/form.html",
        {"form": form, "title": _("修改商机 %(code)s") % {"code": opp.code}, "cancel": back},
        status=status,
    )


urls = [
    path("opportunities/", opportunity_list, name="opportunity_list"),
    path("opportunities/<int:pk>/edit/", opportunity_edit, name="opportunity_edit"),
    path("opportunities/new/", opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/move/", opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/lose/", opportunity_lose, name="opportunity_lose"),
    path("opportunities/<int:pk>/win/", opportunity_win, name="opportunity_win"),
    path("opportunities/<int:pk>/accept/", opportunity_accept, name="opportunity_accept"),
    path("opportunities/<int:pk>/return/", opportunity_return, name="opportunity_return"),
]
