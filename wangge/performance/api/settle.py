"""Commission: statements (a person's own; a manager's grids'; the market department's all)
and the policies everybody is paid by."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Path, Query, Schema
from pydantic import Field

from wangge.core.api import (
    ERRORS,
    MAX_ID,
    ApiRouter,
    Choice,
    Id,
    PageParams,
    paginate,
    with_errors,
)
from wangge.core.permissions import require
from wangge.crm.api.schemas import DateIn, Money
from wangge.performance import selectors_settle as sel
from wangge.performance.models import BusinessLine, CommissionPolicy, Statement, StatementLine
from wangge.performance.permissions_settle import Action
from wangge.performance.views_settle import pdf_response

router = ApiRouter()


class StatementFilter(PageParams):
    period: str = Field("", pattern=r"^(2[0-9]{3}-(0[1-9]|1[0-2]))?$", description="YYYY-MM")
    staff: int | None = Field(None, ge=1, le=MAX_ID, description="员工 id")
    grid: int | None = Field(None, ge=1, le=MAX_ID)


class StatementOut(Schema):
    id: int
    period: str
    status: str = Field(description="月度结算状态")
    staff_id: int
    staff_no: str
    staff_name: str
    grid_id: int | None
    total: Decimal = Money
    lines_count: int
    capped_lines: int
    manager_approved_at: dt.datetime | None


class LineOut(Schema):
    kind: str
    sale: str
    business_line: str
    base: Decimal | None = Money
    payee: str
    policy_id: int | None
    rate: Decimal | None
    amount: Decimal = Money
    capped: bool


class StatementDetailOut(StatementOut):
    lines: list[LineOut]


class StatementPage(Schema):
    count: int
    items: list[StatementOut]


class PolicyFilter(PageParams):
    business_line: Annotated[str, Choice(BusinessLine, blank=True)] = ""
    on: DateIn | None = Field(None, description="只列出该日生效的版本")


class TierOut(Schema):
    min_units: int
    value: Decimal


class PolicyOut(Schema):
    id: int
    version: int
    name: str
    business_line: str
    product_id: int | None
    channel: str
    role: str
    kind: str
    value: Decimal = Field(description="比例（0.12 = 12%）或每单金额（元）")
    tiers: list[TierOut]
    share_seller: Decimal
    share_manager: Decimal
    share_technician: Decimal
    min_amount: Decimal | None
    effective_from: dt.date
    effective_to: dt.date | None


class PolicyPage(Schema):
    count: int
    items: list[PolicyOut]


def statement_out(s: Statement) -> dict[str, Any]:
    return {
        "id": s.pk,
        "period": s.settlement.period,
        "status": s.settlement.status,
        "staff_id": s.staff_id,
        "staff_no": s.staff.employee_no,
        "staff_name": s.staff.name,
        "grid_id": s.grid_id,
        "total": s.total,
        "lines_count": s.lines_count,
        "capped_lines": s.capped_lines,
        "manager_approved_at": s.manager_approved_at,
    }


def line_out(ln: StatementLine) -> dict[str, Any]:
    return {
        "kind": ln.kind,
        "sale": ln.sale_ref,
        "business_line": ln.business_line,
        "base": ln.base,
        "payee": ln.payee,
        "policy_id": ln.policy_id,
        "rate": ln.rate,
        "amount": ln.amount,
        "capped": ln.capped,
    }


def policy_out(p: CommissionPolicy) -> dict[str, Any]:
    return {
        **{f: getattr(p, f) for f in PolicyOut.model_fields if f not in {"tiers", "product_id"}},
        "product_id": p.product_id,
        "tiers": [{"min_units": t.min_units, "value": t.value} for t in p.tier_list()],
    }


@router.get("/performance/statements", response=with_errors({200: StatementPage}))
def statement_list(request: HttpRequest, filters: Query[StatementFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    qs = sel.statements_for(request.user).order_by(
        "-settlement__period", "staff__employee_no", "id"
    )
    if filters.period:
        qs = qs.filter(settlement__period=filters.period)
    if filters.staff:
        qs = qs.filter(staff_id=filters.staff)
    if filters.grid:
        qs = qs.filter(grid_id=filters.grid)
    return paginate(qs, filters, statement_out)


@router.get(
    "/performance/statements/{statement_id}.pdf",
    response=ERRORS,
    openapi_extra={
        "responses": {
            200: {
                "description": "结算单 PDF（签字用）",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def statement_pdf(request: HttpRequest, statement_id: Path[Id]) -> HttpResponse:
    """The statement as PDF for signing (佣金结算单/提成单), scoped like the JSON one.
    Declared before the JSON route, whose `{statement_id}` would claim "12.pdf"."""
    require(request.user, Action.VIEW)
    s = sel.statements_for(request.user).filter(pk=statement_id).first()
    if s is None:
        raise Http404
    return pdf_response(s)


@router.get(
    "/performance/statements/{statement_id}", response=with_errors({200: StatementDetailOut})
)
def statement_detail(request: HttpRequest, statement_id: Path[Id]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    s = sel.statements_for(request.user).filter(pk=statement_id).first()
    if s is None:
        raise Http404
    return {**statement_out(s), "lines": [line_out(ln) for ln in s.lines.order_by("id")]}


@router.get("/performance/policies", response=with_errors({200: PolicyPage}))
def policy_list(request: HttpRequest, filters: Query[PolicyFilter]) -> dict[str, Any]:
    require(request.user, Action.VIEW)
    qs = CommissionPolicy.objects.visible_to(request.user).order_by(
        "business_line", "-effective_from", "id"
    )
    if filters.business_line:
        qs = qs.filter(business_line=filters.business_line)
    if filters.on:
        qs = qs.in_force(filters.on)
    return paginate(qs, filters, policy_out)
