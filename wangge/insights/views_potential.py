"""The market potential page (市场潜力, seed §五(四)1): per grid and per site, households,
subscribers, the competitors' share and the model's estimate of what each can bring,
sortable, downloadable as Excel (`?export=grids|sites`, values only, logged).

The market department sees the county's grids, a grid manager theirs; `?grid=` opens one
grid's sites, without it the user's sites with the most untapped potential are listed.
The forecasts are the nightly job's stored run (the page says when it was computed); the
untapped potential is that forecast less the subscribers of the moment.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.imports.xlsx import BOLD, PERCENT, SheetWriter
from wangge.core.models import ExportLog
from wangge.core.params import choice_param, int_param
from wangge.core.permissions import require
from wangge.insights import selectors_potential as sel
from wangge.insights.permissions_potential import Action
from wangge.org.models import Grid

#: Sites listed without a grid chosen (the rest are one grid away, or in the export).
TOP_SITES = 50
TABLES = ("grids", "sites")


@login_required
def page(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Action.POTENTIAL)
    grid = None
    grid_id = int_param(request.GET, "grid")  # malformed: ignored, like every list's filter
    if grid_id is not None:
        grid = Grid.objects.visible_to(user).filter(pk=grid_id).first()
        if grid is None:
            raise PermissionDenied
    sort = choice_param(request.GET, "sort", sel.SORTS) or "untapped"
    county = sel.stored()  # the nightly job's run: a page never fits the model
    sites = sel.site_rows(user=user, c=county)
    grids = sel.sort_rows(sel.grid_rows(user=user, sites=sites), sort)
    shown = [s for s in sites if grid is None or s.grid_id == grid.pk]
    shown = sel.sort_rows(shown, sort)
    table = choice_param(request.GET, "export", TABLES)
    if table:
        return _export(request, table, grids if table == "grids" else shown, grid)
    return render(
        request,
        "insights/potential.html",
        {
            "grid": grid,
            "grids": grids,
            "sites": sel.with_factors(county, shown if grid is not None else shown[:TOP_SITES]),
            "more": grid is None and len(shown) > TOP_SITES,
            "run": county.run if county is not None else None,
            "sort": sort,
            "sorts": sel.SORTS,
        },
    )


def _pct(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def workbook(table: str, rows: list[Any], title: str) -> bytes:
    """Values only: the writer quotes text a spreadsheet would run, and writes no formula."""
    out = io.BytesIO()
    sheet = SheetWriter(out, title[:31], widths=(12, 24, 10, 10, 10, 10, 10, 10, 10, 10))
    head = [_("编码"), _("名称")]
    if table == "sites":
        head.append(_("类型"))
    head += [_("总户数"), _("现有用户数"), _("渗透率"), _("竞争对手用户数"), _("竞争对手占比")]
    head += [_("预计可发展用户数"), _("预计渗透率"), _("待挖掘潜力")]
    head.append(_("依据") if table == "sites" else _("模型预测的单元数"))
    sheet.append(head, [BOLD] * len(head))
    for r in rows:
        first = [r.code, r.name]
        if table == "sites":
            first.append(str(dict(sel.KIND_LABELS).get(r.kind, r.kind)))
        last = (_("模型") if r.modelled else _("户数-用户数")) if table == "sites" else r.modelled
        values = [*first, r.households, r.customers, _pct(r.penetration), r.rivals]
        values += [_pct(r.rival_share), r.potential, _pct(r.forecast_penetration), r.untapped, last]
        styles = [0] * len(first) + [0, 0, PERCENT, 0, PERCENT, 0, PERCENT, 0, 0]
        sheet.append(values, styles)
    sheet.close()
    return out.getvalue()


def _export(request: HttpRequest, table: str, rows: list[Any], grid: Grid | None) -> HttpResponse:
    title = _("市场潜力") + (f"-{grid.code}" if grid is not None else "")
    data = workbook(table, rows, title)
    user: Any = request.user  # logged in (the page's decorator)
    ExportLog.objects.create(
        user=user,
        user_repr=user.get_full_name() or user.get_username(),
        kind=f"potential-{table}",
        filters={k: v for k, v in request.GET.items() if k != "export"},
        rows=len(rows),
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"potential-{table}-{clock.today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urls: list[URLPattern] = [path("potential/", page, name="potential")]
