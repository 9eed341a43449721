"""Awards pages: a period's eligible and awarded people and teams, granting, 创业之星
nominations and the committee's decision, award history, a printable certificate."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core import clock, params
from wangge.core.permissions import can
from wangge.performance import services_awards as svc
from wangge.performance.models import Award, AwardKind
from wangge.performance.periods import Period, month_of, parse_period
from wangge.performance.permissions_targets import Action
from wangge.performance.selectors_targets import visible_people


def _allow(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _period(raw: str) -> Period:
    try:
        return parse_period(raw)
    except ValueError:
        return month_of(clock.today())


def _back(period: Period) -> HttpResponse:
    return redirect(reverse("performance:awards") + f"?period={period.code}")


@login_required
def awards_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.AWARDS))
    period = _period(request.GET.get("period", ""))
    staff_id = params.int_param(request.GET, "staff")
    team_id = params.int_param(request.GET, "team")
    history = Award.objects.visible_to(user).select_related("staff", "team")
    if staff_id:
        history = history.filter(staff_id=staff_id)
    elif team_id:
        history = history.filter(team_id=team_id)
    else:
        history = history.filter(period=period.code)
    return render(
        request,
        "performance/awards/awards.html",
        {
            "period": period,
            "growth": svc.growth_stars(period) if can(user, Action.GRANT) else [],
            "teams": svc.surpass_teams(period),
            "history": history[:200],
            "filtered": bool(staff_id or team_id),
            "can_grant": can(user, Action.GRANT),
            "can_decide": can(user, Action.DECIDE),
            "can_nominate": can(user, Action.NOMINATE),
        },
    )


@login_required
@require_POST
def awards_grant(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.GRANT))
    period = _period(request.POST.get("period", ""))
    made = svc.awards_grant(actor=user, period=period)
    messages.success(
        request, _("已记录 %(n)s 项获奖。") % {"n": len(made)} if made else _("没有新的获奖。")
    )
    return _back(period)


@login_required
@require_http_methods(["GET", "POST"])
def pioneer_nominate(request: HttpRequest) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.NOMINATE))
    source = request.POST if request.method == "POST" else request.GET
    period = _period(source.get("period", ""))
    people = [
        p for p in visible_people(user).order_by("employee_no") if can(user, Action.NOMINATE, p)
    ]
    errors: list[str] = []
    if request.method == "POST":
        staff_id = params.int_param(request.POST, "staff")
        staff = next((p for p in people if p.pk == staff_id), None)
        if staff is None:
            errors.append(_("请选择被提名人。"))
        else:
            try:
                svc.pioneer_nominate(
                    actor=user,
                    staff=staff,
                    period=period,
                    note=params.text_param(request.POST, "note", max_length=500),
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("已提名。"))
                return _back(period)
    return render(
        request,
        "performance/awards/nominate.html",
        {"period": period, "people": people, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def pioneer_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _allow(can(user, Action.DECIDE))
    award = Award.objects.filter(pk=pk, kind=AwardKind.PIONEER_STAR).first()
    if award is None:
        raise Http404
    amount = None
    raw = (request.POST.get("amount") or "").strip()
    if raw:
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            amount = None
        if amount is not None and (not amount.is_finite() or amount < 0 or amount >= 10**8):
            amount = None
        if amount is None:
            messages.error(request, _("奖金须为不小于 0 的金额。"))
            return _back(_period(award.period))
        amount = amount.quantize(Decimal("0.01"))
    try:
        svc.pioneer_decide(
            actor=user,
            award=award,
            approve=request.POST.get("decision") == "approve",
            amount=amount,
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("评审结果已保存。"))
    return _back(_period(award.period))


@login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable certificate (print CSS: the page prints as the certificate alone)."""
    user = request.user
    _allow(can(user, Action.VIEW))
    award: Any = (
        Award.objects.visible_to(user)
        .filter(pk=pk, status=Award.Status.AWARDED)
        .select_related("staff", "team")
        .first()
    )
    if award is None:
        raise Http404
    return render(request, "performance/awards/certificate.html", {"award": award})


urls = [
    path("awards/", awards_page, name="awards"),
    path("awards/grant/", awards_grant, name="awards_grant"),
    path("awards/nominate/", pioneer_nominate, name="pioneer_nominate"),
    path("awards/<int:pk>/decide/", pioneer_decide, name="pioneer_decide"),
    path("awards/<int:pk>/certificate/", certificate, name="award_certificate"),
]
