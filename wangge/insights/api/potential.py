"""Market potential (市场潜力): the page's figures, per grid and per site, scoped alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Query, Schema
from pydantic import Field

from wangge.core.api import MAX_ID, ApiRouter, with_errors
from wangge.core.permissions import require
from wangge.insights import selectors_potential as sel
from wangge.insights.permissions_potential import Action
from wangge.org.models import Grid

router = ApiRouter()

#: Sites answered without a grid: the user's most untapped (the page's list).
TOP_SITES = 50


class PotentialQuery(Schema):
    grid: int | None = Field(None, ge=1, le=MAX_ID, description="网格 id：该网格的全部单元")
    sort: str = Field(
        "untapped", pattern="^(" + "|".join(sel.SORTS) + ")$", description="排序（从大到小）"
    )


class HeldOutOut(Schema):
    estates: int
    folds: int
    model_mae: float = Field(description="留出小区渗透率的平均绝对误差（模型）")
    baseline_mae: float = Field(description="同上，按网格平均渗透率的基线")


class ModelOut(Schema):
    computed_at: datetime = Field(description="模型计算时间（每晚计算；页面只读取结果）")
    fitted_on: int = Field(description="拟合所用的小区数（已知渗透率）")
    mean_penetration: float
    held_out: HeldOutOut


class FiguresOut(Schema):
    households: int
    customers: int
    penetration: float | None
    rivals: int = Field(description="竞争对手估计用户数")
    rival_share: float | None = Field(description="竞争对手 /（我方 + 竞争对手）")
    potential: int = Field(description="预计可发展用户数（总）")
    untapped: int = Field(description="待挖掘潜力 = 预计可发展 − 现有用户数")


class PotentialGridOut(FiguresOut):
    id: int
    code: str
    name: str
    sites: int
    modelled: int = Field(description="其中由模型预测的小区数")


class FactorOut(Schema):
    factor: str
    contribution: float


class PotentialSiteOut(FiguresOut):
    id: int
    code: str
    name: str
    kind: str
    grid: int | None
    modelled: bool = Field(description="true：模型预测（小区）；false：总户数 − 现有用户数")
    factors: list[FactorOut]


class PotentialOut(Schema):
    model: ModelOut | None = Field(description="最近一次计算；尚未计算时为 null（小区按户数估计）")
    grids: list[PotentialGridOut]
    sites: list[PotentialSiteOut] = Field(
        description="该网格的全部单元；未指定网格时为待挖掘最多的 50 个"
    )


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def _figures(r: Any) -> dict[str, Any]:
    return {
        "households": r.households,
        "customers": r.customers,
        "penetration": _r(r.penetration),
        "rivals": r.rivals,
        "rival_share": _r(r.rival_share),
        "potential": r.potential,
        "untapped": r.untapped,
    }


@router.get("/insights/potential", response=with_errors({200: PotentialOut}))
def potential(request: HttpRequest, query: Query[PotentialQuery]) -> dict[str, Any]:
    user = request.user
    require(user, Action.POTENTIAL)
    if query.grid is not None and not Grid.objects.visible_to(user).filter(pk=query.grid).exists():
        raise PermissionDenied
    county = sel.stored()  # the nightly job's run: the API never fits the model
    sites = sel.site_rows(user=user, c=county)
    grids = sel.sort_rows(sel.grid_rows(user=user, sites=sites), query.sort)
    shown = sel.sort_rows([s for s in sites if query.grid in (None, s.grid_id)], query.sort)
    if query.grid is None:
        shown = shown[:TOP_SITES]
    shown = sel.with_factors(county, shown)
    run = county.run if county is not None else None
    return {
        "model": None
        if run is None
        else {
            "computed_at": run.computed_at,
            "fitted_on": run.fitted_on,
            "mean_penetration": round(run.intercept, 4),
            "held_out": {
                "estates": run.held_out,
                "folds": run.folds,
                "model_mae": round(run.model_mae, 4),
                "baseline_mae": round(run.baseline_mae, 4),
            },
        },
        "grids": [
            {
                "id": g.id,
                "code": g.code,
                "name": g.name,
                "sites": g.sites,
                "modelled": g.modelled,
                **_figures(g),
            }
            for g in grids
        ],
        "sites": [
            {
                "id": s.id,
                "code": s.code,
                "name": s.name,
                "kind": s.kind,
                "grid": s.grid_id,
                "modelled": s.modelled,
                "factors": [{"factor": f, "contribution": round(c, 4)} for f, c in s.factors],
                **_figures(s),
            }
            for s in shown
        ],
    }
