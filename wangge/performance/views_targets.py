"""Targets, completion and rankings pages: the decomposition (company → grids by the market
department, a grid → its people and months by its manager, proposal first, sums shown),
my targets and completion (phone), and the leaderboard."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from wangge.core import clock, params
from wangge.core.access import scope_for
from wangge.core.permissions import can
from wangge.org.models import Grid
from wangge.performance import decompose
from wangge.performance import selectors_targets as sel
from wangge.performance import services_targets as svc
from wangge.performance.models import Indicator, Target
from wangge.performance.periods import Period, month_of, parse_period
from wangge.performance.permissions_targets import Action

MONTHS = list(range(1, 13))
BASIS_LABELS = {
    "households": gettext_lazy("按户数"),
    "customers": gettext_lazy("按现有用户"),
    "potential": gettext_lazy("按市场潜力"),
    "last_year": gettext_lazy("按去年实绩"),
    "equal": gettext_lazy("平均分配"),
}


def _allow(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _year(request: HttpRequest) -> int:
    today = clock.today()
    return params.int_param(request.GET, "year", minimum=2000, maximum=2100) or today.year


def _indicator(request: HttpRequest) -> Indicator:
    inds = sel.indicators()
    if not inds:
        raise Http404
    code = request.GET.get("indicator") or request.POST.get("indicator") or ""
    return next((i for i in inds if i.code == code), inds[0])


def _period(request: HttpRequest) -> Period:
    try:
        return parse_period(request.GET.get("period", ""))
    except ValueError:
        return month_of(clock.today())


def _bases() -> list[tuple[str, Any]]:
    return [(b, BASIS_LABELS[b]) for b in decompose.BASES]


def _amount(raw: str, errors: list[str], label: str) -> Decimal:
    raw = (raw or "").strip().replace(",", "")
    if not raw:
        return Decimal(0)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append(_("%(label)s：“%(raw)s”不是数字。") % {"label": label, "raw": raw[:20]})
        return Decimal(0)
    if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
        errors.append(_("%(label)s：须为不小于 0 的数。") % {"label": label})
        return Decimal(0)
    return value


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    """The decomposition as the user may see it: the company and its grids (market
    department), each visible grid's people and months, with their sums and what is off."""
    user = request.user
    _allow(can(user, Action.VIEW))
    year, ind = _year(request), _indicator(request)
    rows = sel.visible_targets(user).filter(indicator=ind, year=year, team__isnull=True)
    company = next((t for t in rows if t.level == Target.Level.COMPANY and t.month == 0), None)
    grid_rows = [t for t in rows if t.level == Target.Level.GRID and t.month == 0]
    people: dict[int, dict[str, Any]] = {}
    for t in rows:
        if t.level != Target.Level.PERSON:
            continue
        p = people.setdefault(
            t.staff_id or 0, {"staff": t.staff, "grid": t.grid, "year": None, "months": {}}
        )
        if t.month == 0:
            p["year"] = t.value
        else:
            p["months"][t.month] = t.value
    for p in people.values():
        p["cells"] = [p["months"].get(m) for m in MONTHS]
    scope = scope_for(user)
    grids = sel.visible_grids(user).order_by("code")
    checks = {
        g.pk: svc.grid_people_check(indicator=ind, year=year, grid=g)
        for g in grids
        if any(t.grid_id == g.pk for t in grid_rows)
    }
    grid_sum = sum((t.value for t in grid_rows), Decimal(0))
    return render(
        request,
        "performance/targets/targets.html",
        {
            "year": year,
            "indicator": ind,
            "indicators": sel.indicators(),
            "company": company,
            "grid_rows": grid_rows,
            "grid_sum": grid_sum,
            "company_off": (grid_sum - company.value) if company else None,
            "people": sorted(people.values(), key=lambda p: p["staff"].employee_no),
            "grids": grids,
            "checks": checks,
            "can_plan": can(user, Action.PLAN),
            "editable": {g.pk for g in grids if can(user, Action.EDIT, g)},
            "months": MONTHS,
            "mine_only": not scope.everything and not scope.managed_grid_ids,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def targets_company(request: HttpRequest) -> HttpResponse:
    """The company's year over its grids: proposed by a basis, then edited and saved."""
    user = request.user
    _allow(can(user, Action.PLAN))
    ind = _indicator(request)
    year = _year(request)
    if request.method == "POST":
        year = params.int_param(request.POST, "year", minimum=2000, maximum=2100) or year
    grids = list(Grid.objects.filter(is_active=True).order_by("code"))
    existing = {
        t.grid_id: t.value
        for t in Target.objects.filter(indicator=ind, year=year, month=0, level__in=["grid"])
    }
    company = Target.objects.filter(indicator=ind, year=year, month=0, level="company").first()
    total = company.value if company else Decimal(0)
    values = {g.pk: existing.get(g.pk, Decimal(0)) for g in grids}
    errors: list[str] = []
    basis = request.GET.get("basis", "")
    if request.method == "GET" and basis in decompose.BASES:
        total = _amount(request.GET.get("total", ""), errors, _("全年目标")) or total
        if not errors:
            try:
                values = svc.propose_grids(
                    indicator=ind, year=year, total=total, basis=basis, grids=grids
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
    status = 200
    if request.method == "POST":
        total = _amount(request.POST.get("total", ""), errors, _("全年目标"))
        values = {g.pk: _amount(request.POST.get(f"g_{g.pk}", ""), errors, g.name) for g in grids}
        if not errors:
            try:
                svc.company_targets_save(
                    actor=user,
                    indicator=ind,
                    year=year,
                    total=total,
                    grids={g: values[g.pk] for g in grids},
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("公司与网格目标已保存。"))
                return redirect(
                    reverse("performance:targets") + f"?year={year}&indicator={ind.code}"
                )
        status = 400
    return render(
        request,
        "performance/targets/company.html",
        {
            "indicator": ind,
            "year": year,
            "total": total,
            "rows": [(g, values.get(g.pk, Decimal(0))) for g in grids],
            "sum": sum(values.values(), Decimal(0)),
            "errors": errors,
            "bases": _bases(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def targets_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """A grid's year over its people and months (its manager, or the market department)."""
    user = request.user
    grid = get_object_or_404(Grid, pk=pk)
    _allow(can(user, Action.EDIT, grid))
    ind = _indicator(request)
    year = _year(request)
    if request.method == "POST":
        year = params.int_param(request.POST, "year", minimum=2000, maximum=2100) or year
    grid_row = Target.objects.filter(
        indicator=ind, year=year, month=0, level="grid", grid=grid
    ).first()
    people = sel.grid_people(grid)
    current: dict[int, list[Decimal]] = {p.pk: [Decimal(0)] * 12 for p in people}
    for t in Target.objects.filter(
        indicator=ind, year=year, level="person", team=None, grid=grid, month__gt=0
    ):
        if t.staff_id in current:
            current[t.staff_id][t.month - 1] = t.value
    errors: list[str] = []
    basis = request.GET.get("basis", "")
    if request.method == "GET" and basis in decompose.BASES and grid_row is not None:
        try:
            current = svc.propose_people(
                indicator=ind, year=year, total=grid_row.value, basis=basis, people=people
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
    status = 200
    if request.method == "POST":
        current = {
            p.pk: [
                _amount(request.POST.get(f"m_{p.pk}_{m}", ""), errors, f"{p.name} {m}月")
                for m in MONTHS
            ]
            for p in people
        }
        if not errors:
            try:
                svc.grid_targets_save(
                    actor=user,
                    indicator=ind,
                    year=year,
                    grid=grid,
                    people={p: current[p.pk] for p in people},
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("个人目标已保存。"))
                return redirect(
                    reverse("performance:targets") + f"?year={year}&indicator={ind.code}"
                )
        status = 400
    rows = [(p, current.get(p.pk, [Decimal(0)] * 12)) for p in people]
    return render(
        request,
        "performance/targets/grid.html",
        {
            "grid": grid,
            "indicator": ind,
            "year": year,
            "grid_row": grid_row,
            "rows": [(p, ms, sum(ms, Decimal(0))) for p, ms in rows],
            "sum": sum((sum(ms, Decimal(0)) for _p, ms in rows), Decimal(0)),
            "month_sums": [sum((ms[i] for _p, ms in rows), Decimal(0)) for i in range(12)],
            "errors": errors,
            "bases": _bases(),
            "months": MONTHS,
        },
        status=status,
    )


@login_required
def my_targets(request: HttpRequest) -> HttpResponse:
    """My named targets and completion this period (phone first)."""
    user = request.user
    _allow(can(user, Action.VIEW))
    period = _period(request)
    me = scope_for(user).staff_id
    row = None
    if me is not None:
        people = list(sel.visible_people(user).filter(pk=me))
        row = sel.person_rows(period, people)[0] if people else None
    inds = sel.indicators()
    return render(
        request,
        "performance/targets/my.html",
        {
            "period": period,
            "row": row,
            "lines": [(i, row.figures[i.code]) for i in inds if row] if row else [],
        },
    )


@login_required
def completion_page(request: HttpRequest) -> HttpResponse:
    """Completion of the people, grids or teams the user may see, for a period."""
    user = request.user
    _allow(can(user, Action.VIEW))
    period = _period(request)
    by = params.choice_param(request.GET, "by", ("person", "grid", "team")) or "person"
    inds = sel.indicators()
    rows = sel.completion(user, period, by=by)
    return render(
        request,
        "performance/targets/completion.html",
        {
            "period": period,
            "by": by,
            "indicators": inds,
            "rows": [(r, [r.figures[i.code] for i in inds]) for r in rows],
        },
    )


@login_required
def rankings(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.RANKINGS))
    period = _period(request)
    ranked = sel.rankings(user, period)
    return render(
        request,
        "performance/targets/rankings.html",
        {"period": period, "ranked": ranked},
    )


urls = [
    path("targets/", targets, name="targets"),
    path("targets/company/", targets_company, name="targets_company"),
    path("targets/grid/<int:pk>/", targets_grid, name="targets_grid"),
    path("targets/mine/", my_targets, name="my_targets"),
    path("completion/", completion_page, name="completion"),
    path("rankings/", rankings, name="rankings"),
]
