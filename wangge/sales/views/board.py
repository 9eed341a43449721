"""The dispatch board (派单看板): open opportunities by stage and by person, the unassigned
ones with a dispatch form per row, and the overdue ones. Grid managers and the market
department (who also dispatches to grids)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.core import clock, params, potential
from wangge.core.access import scope_for
from wangge.core.forms import STALE_MESSAGE, add_service_errors
from wangge.core.permissions import can
from wangge.core.services import StaleVersion
from wangge.org.models import Grid, Staff
from wangge.sales import selectors, services
from wangge.sales.forms import (
    DispatchForm,
    assignable,
    assignable_in,
    default_due,
    dispatch_grids,
)
from wangge.sales.models import Opportunity
from wangge.sales.permissions import Action
from wangge.sales.views import opportunities
from wangge.sales.widgets import SharedChoices

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
    return qs.order_by("created_at", "id")


def _row_forms(
    user: Any, opps: list[Opportunity], failed: tuple[int, DispatchForm] | None
) -> list[tuple[Opportunity, DispatchForm]]:
    """A dispatch form per row: the grid's assignable people (read once per grid), the
    suggested assignee preselected (one batch for the page), first contact due in 24
    hours. The choices are read once and shared, so the page costs the same queries
    whatever its number of rows."""
    grid_of = {opp.pk: opp.grid_id or opp.site.grid_id for opp in opps}
    people = {
        grid_id: SharedChoices([("", "—"), *((s.pk, s.name) for s in team)])
        for grid_id, team in assignable_in(set(grid_of.values())).items()
    }
    staff: dict[int | None, QuerySet[Staff]] = {}
    grids: SharedChoices | None = None
    grid_qs = dispatch_grids(user) if scope_for(user).everything else None
    suggested = services.suggested_assignees(opps)
    due = default_due()
    rows = []
    for opp in opps:
        grid_id = grid_of[opp.pk]
        if grid_id not in staff:
            staff[grid_id] = assignable(grid_id)
        if failed is not None and failed[0] == opp.pk:
            form = failed[1]
        else:
            form = DispatchForm(
                user=user,
                opportunity=opp,
                people=staff[grid_id],
                grids=grid_qs,
                initial={
                    "version": opp.version,
                    "assignee": getattr(suggested[opp.pk], "pk", None),
                    "due": due,
                },
                prefix=f"o{opp.pk}",
            )
        form.fields["assignee"].widget.choices = people[grid_id]
        if "grid" in form.fields:
            if grids is None:
                grids = SharedChoices(
                    [("", "—"), *((g.pk, str(g)) for g in form.fields["grid"].queryset)]  # type: ignore[attr-defined]
                )
            form.fields["grid"].widget.choices = grids
        rows.append((opp, form))
    return rows


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
    grids = Grid.objects.visible_to(user).filter(is_active=True).order_by("code")
    if not scope.everything:
        grids = grids.filter(pk__in=scope.managed_grid_ids)
    unassigned = selectors.first_rows(_dispatchable(user, grid_id), BOARD_ROWS)
    overdue = selectors.opportunity_list(user=user, grid_id=grid_id, overdue=True)
    if not scope.everything:
        # The rows the board's overdue count adds up (its grids'), read from its index.
        overdue = overdue.filter(grid_id__in=scope.grid_ids)
    late = selectors.first_rows(overdue.order_by("contact_due", "outcome_due", "id"), BOARD_ROWS)
    return render(
        request,
        "sales/board.html",
        {
            "board": selectors.board(user=user, grid_id=grid_id),
            "grids": grids,
            "grid_id": grid_id,
            "unassigned": _row_forms(user, unassigned, failed),
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


@login_required
@require_POST
def opportunity_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _allow_board(user)
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
            nxt = request.POST.get("next", "")
            if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}):
                return redirect(nxt)
            return redirect(reverse("sales:board"))
    if request.POST.get("from") == "detail":  # sent from the opportunity's own page
        return opportunities.detail_page(
            request, opp, status=status, stale=status == 409, dispatch=form
        )
    return _board_page(request, failed=(pk, form), error=f"{opp.code}: {error}", status=status)


urls = [
    path("board/", board, name="board"),
    path("opportunities/<int:pk>/dispatch/", opportunity_dispatch, name="opportunity_dispatch"),
]
