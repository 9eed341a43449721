"""The sales funnel page (managers and the market department) and its Excel table."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.imports.xlsx import BOLD, PERCENT, SheetWriter
from wangge.core.params import int_param
from wangge.core.permissions import can
from wangge.sales import funnel, selectors_funnel
from wangge.sales.models import Opportunity, Stage
from wangge.sales.permissions import Action
from wangge.sales.selectors_funnel import FunnelFilters


def filters_from(params: Mapping[str, Any]) -> FunnelFilters:
    """The page's query string (and the export's, the same) as the selector's filters; a
    missing or unreadable day falls back to the default period's."""
    start, end = selectors_funnel.default_period()
    start = selectors_funnel.parse_day(params.get("from")) or start
    end = selectors_funnel.parse_day(params.get("to")) or end
    if end < start:
        start, end = end, start
    return FunnelFilters(
        grid_id=int_param(params, "grid"),
        assignee_id=int_param(params, "person"),
        start=start,
        end=end,
    )


@dataclass(frozen=True)
class TableRow:
    stage: str
    label: str
    reached: int
    conversion: float | None
    median_days: float | None
    mean_days: float | None


def _days(hours: float | None) -> float | None:
    return None if hours is None else round(hours / 24, 1)


def table(result: funnel.Funnel) -> list[TableRow]:
    return [
        TableRow(
            stage=s.stage,
            label=str(Stage(s.stage).label),
            reached=s.reached,
            conversion=s.conversion,
            median_days=_days(s.median_hours),
            mean_days=_days(s.mean_hours),
        )
        for s in result.stages
    ]


def reason_label(code: str) -> str:
    return str(dict(Opportunity.LostReason.choices).get(code, code))


def chart_data(result: funnel.Funnel) -> dict[str, Any]:
    """What static/js/sales-funnel.js draws (read from a json_script block)."""
    return {
        "stages": [{"name": r.label, "value": r.reached} for r in table(result)],
        "lost": [{"name": reason_label(c), "value": n} for c, n in result.lost_reasons],
        "labels": {"reached": _("到达数"), "lost": _("失败原因")},
    }


def _allowed(request: HttpRequest) -> None:
    if not can(request.user, Action.FUNNEL):
        raise Http404


@login_required
def funnel_page(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    filters = filters_from(request.GET)
    result = selectors_funnel.funnel_for(user=request.user, filters=filters)
    grids, people = selectors_funnel.filter_choices(user=request.user)
    return render(
        request,
        "sales/funnel.html",
        {
            "filters": filters,
            "result": result,
            "rows": table(result),
            "lost": [(reason_label(c), n) for c, n in result.lost_reasons],
            "chart": chart_data(result),
            "grids": grids,
            "people": people,
            "query": request.GET.urlencode(),
        },
    )


def workbook(result: funnel.Funnel, filters: FunnelFilters) -> bytes:
    """The page's table as .xlsx: values only (the writer never writes formulas)."""
    out = io.BytesIO()
    sheet = SheetWriter(out, _("销售漏斗"), widths=(16, 10, 10, 16, 16), freeze_header=True)
    head = [_("阶段"), _("到达数"), _("转化率"), _("停留中位数（天）"), _("停留平均（天）")]
    sheet.append(head, [BOLD] * len(head))
    for r in table(result):
        sheet.append(
            [r.label, r.reached, r.conversion, r.median_days, r.mean_days], [0, 0, PERCENT]
        )
    sheet.append([])
    sheet.append([_("期间"), f"{filters.start} ~ {filters.end}"])
    sheet.append([_("商机数"), result.total])
    sheet.append([_("成交"), result.won])
    sheet.append([_("失败"), result.lost])
    sheet.append([_("赢单率"), result.win_rate], [0, PERCENT])
    sheet.append([_("成交月收入（元）"), result.value_won or Decimal("0.00")])
    sheet.append([])
    sheet.append([_("失败原因"), _("数量")], [BOLD, BOLD])
    for code, n in result.lost_reasons:
        sheet.append([reason_label(code), n])
    sheet.close()
    return out.getvalue()


@login_required
def funnel_export(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    filters = filters_from(request.GET)
    result = selectors_funnel.funnel_for(user=request.user, filters=filters)
    response = HttpResponse(
        workbook(result, filters),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"funnel-{clock.today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urls: list[URLPattern] = [
    path("funnel/", funnel_page, name="funnel"),
    path("funnel/export/", funnel_export, name="funnel_export"),
]
