"""Commission pages: policies, a month's settlement (run, progress, approve, lock), the
statements (phone-first: a marketer opens theirs) and the Excel exports."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.core.forms import add_service_errors, add_stale_error
from wangge.core.imports.xlsx import BOLD, SheetWriter
from wangge.core.pagination import BoundedPaginator
from wangge.core.permissions import can
from wangge.core.services import StaleVersion
from wangge.org.models import Staff
from wangge.performance import selectors_settle as sel
from wangge.performance import services_settle as svc
from wangge.performance import statement_pdf as pdf
from wangge.performance.forms_settle import AdjustmentForm, PeriodForm, PolicyForm
from wangge.performance.models import (
    Adjustment,
    CommissionPolicy,
    Settlement,
    Statement,
    StatementLine,
)
from wangge.performance.models.commission import commission_cap
from wangge.performance.permissions_settle import Action

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _allow(ok: bool) -> None:
    if not ok:
        raise Http404


# --- policies -------------------------------------------------------------------------


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    _allow(can(request.user, Action.VIEW))
    policies = CommissionPolicy.objects.visible_to(request.user).select_related("product")
    return render(
        request,
        "performance/settle/policy_list.html",
        {
            "policies": policies.order_by("business_line", "-effective_from", "id")[:500],
            "cap": commission_cap(),
            "can_edit": can(request.user, Action.POLICY),
        },
    )


def _policy_form(request: HttpRequest, policy: CommissionPolicy | None) -> HttpResponse:
    _allow(can(request.user, Action.POLICY))
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in svc.POLICY_FIELDS}
        try:
            if policy is None:
                svc.policy_create(actor=request.user, **data)
            else:
                svc.policy_update(
                    actor=request.user,
                    policy=policy,
                    data=data,
                    version=form.cleaned_data.get("version"),
                )
        except StaleVersion:
            add_stale_error(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("佣金政策已保存。"))
            return redirect("performance:policy_list")
    title = _("新建佣金政策") if policy is None else _("编辑佣金政策")
    return render(
        request,
        "performance/settle/policy_form.html",
        {
            "form": form,
            "title": title,
            "cap": commission_cap(),
            "cancel": reverse("performance:policy_list"),
        },
    )


@login_required
def policy_create(request: HttpRequest) -> HttpResponse:
    return _policy_form(request, None)


@login_required
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy = CommissionPolicy.objects.visible_to(request.user).filter(pk=pk).first()
    if policy is None:
        raise Http404
    return _policy_form(request, policy)


# --- settlement -----------------------------------------------------------------------


@login_required
def settlement_list(request: HttpRequest) -> HttpResponse:
    _allow(can(request.user, Action.SETTLEMENT))
    form = PeriodForm(initial={"period": sel.last_month()})
    return render(
        request,
        "performance/settle/settlement_list.html",
        {
            "settlements": Settlement.objects.order_by("-period")[:60],
            "form": form,
            "can_run": can(request.user, Action.RUN),
        },
    )


@login_required
@require_POST
def settlement_start(request: HttpRequest) -> HttpResponse:
    _allow(can(request.user, Action.RUN))
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("月份格式应为 YYYY-MM。"))
        return redirect("performance:settlement_list")
    period = form.cleaned_data["period"]
    try:
        svc.settlement_start(actor=request.user, period=period)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("performance:settlement_detail", period=period)


def _settlement(request: HttpRequest, period: str) -> Settlement:
    _allow(can(request.user, Action.SETTLEMENT))
    settlement = sel.settlement_for(period) if sel.parse_period(period) else None
    if settlement is None:
        raise Http404
    return settlement


@login_required
def settlement_detail(request: HttpRequest, period: str) -> HttpResponse:
    settlement = _settlement(request, period)
    if getattr(request, "htmx", False):
        if settlement.running:
            return render(
                request,
                "performance/settle/settlement_detail.html#progress",
                {"settlement": settlement},
            )
        response = HttpResponse()
        response["HX-Refresh"] = "true"  # finished: reload the whole page with the result
        return response
    statements = sel.statements_for(request.user).filter(settlement=settlement)
    paginator = BoundedPaginator(statements.order_by("grid__code", "staff__employee_no"), 100)
    page = paginator.page_from(request.GET)
    user = request.user
    waiting = statements.filter(grid__isnull=False, manager_approved_at__isnull=True)
    done = settlement.status == Settlement.Status.DONE
    staff = Staff.objects.visible_to(user).order_by("employee_no")
    return render(
        request,
        "performance/settle/settlement_detail.html",
        {
            "settlement": settlement,
            "page_obj": page,
            "paginator": paginator,
            "statements": page.object_list,
            "can_run": can(user, Action.RUN) and not settlement.locked and not settlement.running,
            "can_grid_approve": done and can(user, Action.APPROVE_GRID) and waiting.exists(),
            "can_approve": settlement.status == Settlement.Status.APPROVED_BY_MANAGER
            and can(user, Action.APPROVE),
            "can_lock": settlement.status == Settlement.Status.APPROVED
            and can(user, Action.APPROVE),
            "can_adjust": can(user, Action.ADJUST),
            "can_payroll": can(user, Action.PAYROLL) and not settlement.running,
            "adjust_form": AdjustmentForm(staff=staff),
            "adjustments": Adjustment.objects.visible_to(user)
            .filter(corrects=period)
            .select_related("staff")[:50],
            "querystring": "",
            "is_paginated": page.has_other_pages(),
        },
    )


def _step(request: HttpRequest, period: str, action: Any, done_message: str) -> HttpResponse:
    settlement = _settlement(request, period)
    try:
        action(actor=request.user, settlement=settlement)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done_message)
    return redirect("performance:settlement_detail", period=period)


@login_required
@require_POST
def settlement_rerun(request: HttpRequest, period: str) -> HttpResponse:
    settlement = _settlement(request, period)
    _allow(can(request.user, Action.RUN))
    try:
        svc.settlement_start(actor=request.user, period=settlement.period)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("performance:settlement_detail", period=period)


@login_required
@require_POST
def settlement_grid_approve(request: HttpRequest, period: str) -> HttpResponse:
    _allow(can(request.user, Action.APPROVE_GRID))
    return _step(request, period, svc.grid_approve, _("已审核本网格的结算单。"))


@login_required
@require_POST
def settlement_approve(request: HttpRequest, period: str) -> HttpResponse:
    _allow(can(request.user, Action.APPROVE))
    return _step(request, period, svc.settlement_approve, _("市场部已审批。"))


@login_required
@require_POST
def settlement_lock(request: HttpRequest, period: str) -> HttpResponse:
    _allow(can(request.user, Action.APPROVE))
    return _step(request, period, svc.settlement_lock, _("已锁定。"))


@login_required
@require_POST
def adjustment_create(request: HttpRequest, period: str) -> HttpResponse:
    settlement = _settlement(request, period)
    _allow(can(request.user, Action.ADJUST))
    form = AdjustmentForm(request.POST, staff=Staff.objects.visible_to(request.user))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        try:
            adj = svc.adjustment_create(
                actor=request.user, corrects=settlement.period, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("调整已登记，计入 %(p)s。") % {"p": adj.period})
    return redirect("performance:settlement_detail", period=period)


# --- statements -----------------------------------------------------------------------


@login_required
def statement_list(request: HttpRequest) -> HttpResponse:
    _allow(can(request.user, Action.VIEW))
    qs = sel.statements_for(request.user).order_by("-settlement__period", "staff__employee_no")
    period = request.GET.get("period", "")
    if sel.parse_period(period):
        qs = qs.filter(settlement__period=period)
    paginator = BoundedPaginator(qs, 50)
    page = paginator.page_from(request.GET)
    return render(
        request,
        "performance/settle/statement_list.html",
        {
            "page_obj": page,
            "paginator": paginator,
            "statements": page.object_list,
            "period": period if sel.parse_period(period) else "",
            "is_paginated": page.has_other_pages(),
            "querystring": f"period={period}" if sel.parse_period(period) else "",
        },
    )


@login_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _allow(can(request.user, Action.VIEW))
    statement = sel.statements_for(request.user).filter(pk=pk).first()
    if statement is None:
        raise Http404
    lines = statement.lines.select_related("policy", "adjustment").order_by("id")
    return render(
        request,
        "performance/settle/statement_detail.html",
        {"statement": statement, "lines": lines[:2000], "more": statement.lines_count > 2000},
    )


@login_required
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The statement as PDF, to print and sign (values only)."""
    _allow(can(request.user, Action.VIEW))
    statement = sel.statements_for(request.user).filter(pk=pk).first()
    if statement is None:
        raise Http404
    return pdf_response(statement)


def pdf_response(statement: Statement) -> HttpResponse:
    response = HttpResponse(pdf.statement_pdf(statement), content_type="application/pdf")
    name = f"statement-{statement.settlement.period}-{statement.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def statements_workbook(statements: QuerySet[Statement]) -> bytes:
    """One row per line of each statement, then the statement's total: values only."""
    out = io.BytesIO()
    sheet = SheetWriter(
        out, _("佣金结算单"), widths=(9, 12, 10, 20, 10, 12, 10, 10, 12, 8), freeze_header=True
    )
    head = [
        _("月份"),
        _("工号"),
        _("姓名"),
        _("销售流水号"),
        _("业务线"),
        _("销售金额（元）"),
        _("计提身份"),
        _("比例"),
        _("佣金（元）"),
        _("已封顶"),
    ]
    sheet.append(head, [BOLD] * len(head))
    lines = (
        StatementLine.objects.filter(statement__in=statements)
        .select_related("statement__settlement", "statement__staff")
        .order_by("statement__settlement__period", "statement__staff__employee_no", "id")
    )
    current = None
    for ln in lines.iterator(chunk_size=5000):
        s = ln.statement
        if current is not None and current.pk != s.pk:
            _total_row(sheet, current)
        current = s
        sheet.append(
            [
                s.settlement.period,
                s.staff.employee_no,
                s.staff.name,
                ln.sale_ref or ln.get_kind_display(),
                ln.get_business_line_display(),
                ln.base,
                ln.get_payee_display(),
                ln.rate,
                ln.amount,
                _("是") if ln.capped else "",
            ]
        )
    if current is not None:
        _total_row(sheet, current)
    sheet.close()
    return out.getvalue()


def _total_row(sheet: SheetWriter, s: Statement) -> None:
    sheet.append(
        [
            s.settlement.period,
            s.staff.employee_no,
            s.staff.name,
            _("合计"),
            None,
            None,
            None,
            None,
            s.total,
            None,
        ],
        [0, 0, 0, BOLD, 0, 0, 0, 0, BOLD],
    )


@login_required
def statement_export(request: HttpRequest) -> HttpResponse:
    _allow(can(request.user, Action.VIEW))
    qs = sel.statements_for(request.user)
    period = request.GET.get("period", "")
    if sel.parse_period(period):
        qs = qs.filter(settlement__period=period)
    statement_id = request.GET.get("statement", "")
    if statement_id.isdigit() and len(statement_id) < 19:
        qs = qs.filter(pk=int(statement_id))
    return _xlsx(statements_workbook(qs), f"statements-{period or 'all'}.xlsx")


@login_required
def payroll_export(request: HttpRequest, period: str) -> HttpResponse:
    """Per person one row: what payroll pays for the month (values only)."""
    settlement = _settlement(request, period)
    _allow(can(request.user, Action.PAYROLL))
    out = io.BytesIO()
    sheet = SheetWriter(
        out, _("工资发放表"), widths=(9, 12, 10, 12, 12, 10, 14, 12), freeze_header=True
    )
    head = [
        _("月份"),
        _("工号"),
        _("姓名"),
        _("角色"),
        _("网格"),
        _("明细数"),
        _("佣金合计（元）"),
        _("状态"),
    ]
    sheet.append(head, [BOLD] * len(head))
    rows = (
        Statement.objects.filter(settlement=settlement)
        .select_related("staff", "grid")
        .order_by("staff__employee_no")
    )
    for s in rows.iterator(chunk_size=2000):
        sheet.append(
            [
                settlement.period,
                s.staff.employee_no,
                s.staff.name,
                s.staff.get_role_display(),
                s.grid.name if s.grid else "",
                s.lines_count,
                s.total,
                settlement.get_status_display(),
            ]
        )
    sheet.append(
        [None, None, _("合计"), None, None, None, settlement.total], [0, 0, BOLD, 0, 0, 0, BOLD]
    )
    sheet.close()
    return _xlsx(out.getvalue(), f"payroll-{period}.xlsx")


urls: list[URLPattern] = [
    path("policies/", policy_list, name="policy_list"),
    path("policies/new/", policy_create, name="policy_create"),
    path("policies/<int:pk>/edit/", policy_edit, name="policy_edit"),
    path("settlements/", settlement_list, name="settlement_list"),
    path("settlements/start/", settlement_start, name="settlement_start"),
    path("settlements/<str:period>/", settlement_detail, name="settlement_detail"),
    path("settlements/<str:period>/run/", settlement_rerun, name="settlement_rerun"),
    path(
        "settlements/<str:period>/grid-approve/",
        settlement_grid_approve,
        name="settlement_grid_approve",
    ),
    path("settlements/<str:period>/approve/", settlement_approve, name="settlement_approve"),
    path("settlements/<str:period>/lock/", settlement_lock, name="settlement_lock"),
    path("settlements/<str:period>/adjust/", adjustment_create, name="adjustment_create"),
    path("settlements/<str:period>/payroll.xlsx", payroll_export, name="payroll_export"),
    path("statements/", statement_list, name="statement_list"),
    path("statements/export.xlsx", statement_export, name="statement_export"),
    path("statements/<int:pk>/", statement_detail, name="statement_detail"),
    path("statements/<int:pk>/statement.pdf", statement_pdf, name="statement_pdf"),
]
