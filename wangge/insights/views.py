"""The dashboards: the county (company), a region, a grid and a person.

Each shows the three figures with their definitions, their 30-day trends (snapshots), a
ranking (the county's or a region's grids, a grid's people) and the other apps' headline
numbers; every table downloads as Excel with `?export=<table>` (values only).

The page reads stored figures only (snapshots, the sites' counters); the other apps'
numbers are live reads of their selectors, so each app's panel is its own view
(`headline_panel`) that the page loads after its first paint.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.imports.xlsx import BOLD, PERCENT, SheetWriter
from wangge.core.params import choice_param, int_param
from wangge.insights import figures, selectors
from wangge.insights import selectors_potential as sel_potential
from wangge.insights.figures import MEASURES
from wangge.insights.headlines import Headline, headlines, panel, panels_for
from wangge.insights.permissions import Action
from wangge.insights.selectors import Target

TABLES = ("figures", "ranking", "team", "shares", "headlines")
DEFAULT_MEASURE = figures.REACHED.key


def _measure(request: HttpRequest) -> str:
    return choice_param(request.GET, "measure", list(MEASURES)) or DEFAULT_MEASURE


def _title(t: Target) -> str:
    if t.staff is not None:
        return _("%(name)s 的指标") % {"name": t.staff.name}
    if t.grid is not None:
        return _("%(name)s 网格指标") % {"name": t.grid.name}
    if t.region is not None:
        return _("%(name)s 区域指标") % {"name": t.region.name}
    return _("全县经营指标")


def _ranking(user: Any, t: Target, measure: str, on: Any) -> list[selectors.Ranked]:
    """The county's or a region's grids by the chosen measure (a grid's people: its
    team split, `selectors.team_split`)."""
    if t.staff is not None or t.grid is not None or on is None:
        return []
    return selectors.ranking(
        user=user, measure=measure, on=on, region_id=t.region.pk if t.region else None
    )


def _shares(t: Target) -> list[dict[str, Any]]:
    if t.staff is not None or t.region is not None:
        return []
    return selectors.competitor_shares(grid_id=t.grid.pk if t.grid else None)


def chart_data(user: Any, t: Target) -> dict[str, Any]:
    """What static/js/insights-dashboard.js draws: each measure's daily share in percent."""
    series = selectors.trend(user=user, measures=list(MEASURES), **t.kw)
    if t.staff is not None:  # a person's site measures exist only with sites assigned
        series = {k: pts for k, pts in series.items() if pts or k == figures.REACHED.key}
    days = sorted({d for pts in series.values() for d, _r in pts})
    out = []
    for key, pts in series.items():
        by_day = {d: r.value for d, r in pts}
        out.append(
            {
                "name": str(MEASURES[key].label),
                "data": [
                    None if by_day.get(d) is None else round(100 * by_day[d], 1)  # type: ignore[operator]
                    for d in days
                ],
            }
        )
    return {"days": [d.isoformat() for d in days], "series": out}


def _target_query(t: Target) -> str:
    """The target as the panels' query string (`grid=`, `person=` or `region=`)."""
    q = QueryDict(mutable=True)
    for name, value in (("grid", t.grid), ("person", t.staff), ("region", t.region)):
        if value is not None:
            q[name] = str(value.pk)
    return q.urlencode()


def _context(request: HttpRequest, t: Target, table: str = "") -> dict[str, Any]:
    user = request.user
    measure = _measure(request)
    result = selectors.figures_for(user=user, **t.kw)
    on = result.on if result.source == "snapshot" else None
    ranking = _ranking(user, t, measure, on)
    team = selectors.team_of(user, t.grid.pk) if t.grid is not None else []
    split = selectors.team_split(user, t.grid.pk, on, team) if t.grid is not None else []
    return {
        "target": t,
        "title": _title(t),
        "result": result,
        "ranking": ranking,
        "ranking_measure": MEASURES[measure],
        "measure": measure,
        "measures": list(MEASURES.values()),
        "shares": _shares(t),
        # The apps' live numbers only for their download; the page loads them per panel.
        "headlines": headlines(user, t) if table == "headlines" else [],
        "panels": panels_for(user, t),
        "target_query": _target_query(t),
        "chart": chart_data(user, t),
        "history_note": figures.HISTORY_NOTE,
        "regions": selectors.region_list() if t.level == "county" else [],
        "grids": selectors.grids_of(user, t.region.pk if t.region else None)
        if t.level in ("county", "region")
        else [],
        "team": team,
        # The grid's split per team member: each person's row of every figure.
        "split": split,
        "split_note": figures.PERSON_NOTE,
        # The nightly run's share of the grids' potential that is this person's to work.
        "person_potential": sel_potential.person_share(user, t.staff.pk)
        if t.staff is not None
        else None,
        "query": request.GET.urlencode(),
    }


def _pct(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def workbook(table: str, ctx: dict[str, Any]) -> bytes:
    """One table of the page as .xlsx: values only (the writer never writes formulas)."""
    out = io.BytesIO()
    sheet = SheetWriter(out, ctx["title"][:31], widths=(24, 28, 12, 12, 12), freeze_header=True)
    if table == "figures":
        head = [_("目标"), _("指标"), _("分子"), _("分母"), _("比率")]
        sheet.append(head, [BOLD] * len(head))
        for f in ctx["result"].figures:
            for r in f.rows:
                sheet.append(
                    [
                        str(f.figure.label),
                        str(r.measure.label),
                        r.ratio.numerator,
                        r.ratio.denominator,
                        _pct(r.ratio.value),
                    ],
                    [0, 0, 0, 0, PERCENT],
                )
        sheet.append([])
        sheet.append([_("日期"), ctx["result"].on.isoformat()])
    elif table == "ranking":
        head = [_("编码"), _("名称"), _("分子"), _("分母"), _("比率")]
        sheet.append(head, [BOLD] * len(head))
        for r in ctx["ranking"]:
            sheet.append(
                [r.code, r.name, r.ratio.numerator, r.ratio.denominator, _pct(r.ratio.value)],
                [0, 0, 0, 0, PERCENT],
            )
        sheet.append([])
        sheet.append([_("指标"), str(ctx["ranking_measure"].label)])
    elif table == "team":
        head = [_("工号"), _("姓名")]
        for m in MEASURES.values():
            head += [f"{m.label} {_('分子')}", f"{m.label} {_('分母')}", str(m.label)]
        sheet.append(head, [BOLD] * len(head))
        for p in ctx["split"]:
            cells: list[Any] = [p.code, p.name]
            for _m, r in p.cells:
                cells += (
                    [None, None, None] if r is None else [r.numerator, r.denominator, _pct(r.value)]
                )
            sheet.append(cells, [0, 0] + [0, 0, PERCENT] * len(MEASURES))
        sheet.append([])
        sheet.append([_("日期"), ctx["result"].on.isoformat()])
    elif table == "shares":
        head = [_("运营商"), _("用户数"), _("占有率")]
        sheet.append(head, [BOLD] * len(head))
        for r in ctx["shares"]:
            sheet.append(
                [r["name"] or _("我方"), r["customers"], _pct(r["ratio"].value)], [0, 0, PERCENT]
            )
    else:
        head = [_("指标"), _("分子"), _("分母"), _("比率"), _("说明")]
        sheet.append(head, [BOLD] * len(head))
        h: Headline
        for h in ctx["headlines"]:
            sheet.append(
                [str(h.label), h.numerator, h.denominator, _pct(h.value), str(h.note)],
                [0, 0, 0, PERCENT],
            )
    sheet.close()
    return out.getvalue()


def _page(request: HttpRequest, t: Target) -> HttpResponse:
    table = choice_param(request.GET, "export", list(TABLES))
    ctx = _context(request, t, table)
    if table:
        response = HttpResponse(
            workbook(table, ctx),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"insights-{t.level}-{table}-{clock.today():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "insights/dashboard.html", ctx)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The county for the market department; one's own grid (or own figures) otherwise."""
    from wangge.core.permissions import can

    if not can(request.user, Action.VIEW):
        raise PermissionDenied
    if can(request.user, Action.COUNTY):
        return _page(request, Target())
    home = selectors.home_grid(request.user)
    if home is None:
        raise PermissionDenied
    return redirect("insights:grid", home)


@login_required
def region(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, selectors.target_for(request.user, region_id=pk))


@login_required
def grid(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, selectors.target_for(request.user, grid_id=pk))


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, selectors.target_for(request.user, staff_id=pk))


@login_required
def headline_panel(request: HttpRequest, key: str) -> HttpResponse:
    """One app's headline rows for a dashboard (`?grid=`, `?person=` or `?region=`; none:
    the county for the market department, one's own grid otherwise), scoped like the page."""
    t = selectors.target_for(
        request.user,
        grid_id=int_param(request.GET, "grid"),
        staff_id=int_param(request.GET, "person"),
        region_id=int_param(request.GET, "region"),
    )
    rows = panel(request.user, t, key)
    return render(request, "insights/dashboard.html#panel", {"key": key, "headlines": rows})


urls: list[URLPattern] = [
    path("", dashboard, name="dashboard"),
    path("region/<int:pk>/", region, name="region"),
    path("grid/<int:pk>/", grid, name="grid"),
    path("person/<int:pk>/", person, name="person"),
    path("headlines/<slug:key>/", headline_panel, name="headline_panel"),
]
