"""The dispatch board (派单看板): open opportunities by stage and by person, the unassigned
ones each with a 派单 button, and the overdue ones. Grid managers and the market department
(who also dispatches to grids).

A row's dispatch form is fetched when its button is pressed (htmx swaps the form into the
row; without JavaScript the button is a link to the opportunity's dispatch page): drawing 25
forms, each with its grid's people (and for the market department every grid) and a
suggested assignee, cost more than the rest of the board at a hundred thousand open
opportunities. The form posts as it always did, with the version it was drawn with."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.core import clock, params, potential
from wangge.core.access import scope_for
from wangge.core.forms import STALE_MESSAGE, add_service_errors
from wangge.core.permissions import can
from wangge.core.services import StaleVersion
from wangge.org.models import Grid
from wangge.sales import selectors, services
from wangge.sales.forms import DispatchForm
from wangge.sales.models import Opportunity
from wangge.sales.permissions import Action
from wangge.sales.views import opportunities

#: Rows per list on the board; more are reached through the opportunity list's filters.
BOARD_ROWS = 25


def _allow_board(user: Any) -> None:
    if not can(user, Action.DISPATCH):
        raise Http404


def _dispatchable(user: Any, grid_id: int | None) -> Any:
    scope = scope_for(user)
    qs = selectors.opportunity_list(user=user, grid_id=grid_id, open_only=True, unassigned=True)
    if not scope.everything:
        qs = qs.filter(grid_id__in=scope.managed_grid_ids)
    # Walked in this order from `sales_opp_unassigned_idx` (the county's), never sorted.
    return qs.order_by("created_at", "id")


def _potential(opps: list[Opportunity]) -> dict[int, int]:
    """Each opportunity's site's untapped potential (`core.potential`: the market model
    when insights is installed), so the manager sees where a lead weighs most."""
    sites = {o.site_id: (o.site.households, o.site.customers) for o in opps if o.site_id}
    return potential.untapped(sites)


def _board_page(
    request: HttpRequest,
    *,
    failed: tuple[int, DispatchForm] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    scope = scope_for(user)
    grid_id = params.int_param(request.GET, "grid")
    # The picker's three columns only: a grid's boundary (its polygon, kilobytes each)
    # was read for every grid of the county and never shown.
    grids = (
        Grid.objects.visible_to(user)
        .filter(is_active=True)
        .order_by("code")
        .only("pk", "code", "name")
    )
    if not scope.everything:
        grids = grids.filter(pk__in=scope.managed_grid_ids)
    unassigned = selectors.first_rows(_dispatchable(user, grid_id), BOARD_ROWS)
    overdue = selectors.opportunity_list(user=user, grid_id=grid_id)
    if not scope.everything:
        # The rows the board's overdue count adds up (its grids').
        overdue = overdue.filter(grid_id__in=scope.grid_ids)
    late = selectors.first_late(overdue, BOARD_ROWS)
    return render(
        request,
        "sales/board.html",
        {
            "board": selectors.board(user=user, grid_id=grid_id),
            "grids": grids,
            "grid_id": grid_id,
            "unassigned": unassigned,
            # A refused dispatch shows its form, with the reasons, in its row again.
            "failed_pk": failed[0] if failed else None,
            "failed_form": failed[1] if failed else None,
            "potential": _potential(unassigned),
            "overdue": late,
            "now": clock.now(),
            "error": error,
            "everything": scope.everything,
            "here": request.get_full_path(),
        },
        status=status,
    )


@login_required
def board(request: HttpRequest) -> HttpResponse:
    _allow_board(request.user)
    return _board_page(request)


def _next(request: HttpRequest, data: Any) -> str:
    """Where a dispatch goes back to: the page it came from when it is ours, else the board."""
    nxt = data.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}):
        return str(nxt)
    return reverse("sales:board")


def _dispatch_page(
    request: HttpRequest, opp: Opportunity, form: DispatchForm, *, error: str = "", status: int
) -> HttpResponse:
    """One opportunity's dispatch form: the fragment a board row fetches (htmx), or a page
    of its own (the row's link without JavaScript, and its refusals)."""
    context = {"opp": opp, "form": form, "next": _next(request, request.GET or request.POST)}
    if getattr(request, "htmx", False):
        return render(request, "sales/_dispatch_form.html", context, status=status)
    context["error"] = error
    return render(request, "sales/dispatch.html", context, status=status)


def _dispatch_get(request: HttpRequest, pk: int) -> HttpResponse:
    opp = selectors.opportunity_detail(user=request.user, pk=pk)
    form = opportunities.dispatch_form(request.user, opp)
    if form is None:  # closed, or not one of the user's grids
        raise Http404
    return _dispatch_page(request, opp, form, status=200)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _allow_board(user)
    if request.method == "GET":
        return _dispatch_get(request, pk)
    opp = selectors.opportunity_detail(user=user, pk=pk)
    form = DispatchForm(request.POST, user=user, opportunity=opp, prefix=f"o{pk}")
    status, error = 400, _("派单未成功，请检查标红的项。")
    if form.is_valid():
        d = form.cleaned_data
        try:
            done = services.opportunity_dispatch(
                actor=user,
                opportunity=opp,
                version=d["version"],
                due=d["due"],
                assignee=d.get("assignee"),
                grid=None if d.get("assignee") else d.get("grid"),
                note=d["note"],
            )
        except StaleVersion:
            status, error = 409, str(STALE_MESSAGE)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            whom = done.assignee.name if done.assignee else (done.grid.name if done.grid else "")
            messages.success(
                request, _("%(code)s 已派给 %(whom)s。") % {"code": done.code, "whom": whom}
            )
            return redirect(_next(request, request.POST))
    origin = request.POST.get("from")
    if origin == "detail":  # sent from the opportunity's own page
        return opportunities.detail_page(
            request, opp, status=status, stale=status == 409, dispatch=form
        )
    if origin == "page":  # the dispatch page of its own
        if status == 409:  # the form again as the opportunity is now, with the notice
            opp = selectors.opportunity_detail(user=user, pk=pk)
            fresh = opportunities.dispatch_form(user, opp)
            if fresh is None:
                raise Http404
            form = fresh
        return _dispatch_page(request, opp, form, error=error, status=status)
    return _board_page(request, failed=(pk, form), error=f"{opp.code}: {error}", status=status)


urls = [
    path("board/", board, name="board"),
    # GET: the dispatch form (a board row's fragment, or a page); POST: dispatch.
    path("opportunities/<int:pk>/dispatch/", opportunity_dispatch, name="opportunity_dispatch"),
]
