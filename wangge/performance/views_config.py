"""Assessment settings pages (考核设置): indicators and their score weights, award rules,
virtual teams' two weights and their targets; each list exports to Excel.

Everyone who has targets reads the indicators, staff read the award rules (they are
announced); only the market department edits, and only it sees the virtual teams' pages.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.core import params
from wangge.core.forms import add_service_errors, add_stale_error
from wangge.core.imports.xlsx import BOLD, SheetWriter
from wangge.core.models import ExportLog
from wangge.core.permissions import can
from wangge.core.services import StaleVersion
from wangge.org.models import Staff, Team
from wangge.performance import services_config as svc
from wangge.performance import services_targets as svc_targets
from wangge.performance.forms_config import AwardRuleForm, IndicatorForm, TeamWeightsForm
from wangge.performance.models import AwardRule, Indicator, Target, TeamWeights
from wangge.performance.permissions_targets import Action
from wangge.performance.views_targets import MONTHS, _amount, _bases, _indicator, _year

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _allow(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _xlsx(
    request: HttpRequest, kind: str, title: str, head: Sequence[Any], rows: list[list[Any]]
) -> HttpResponse:
    """A settings list as a sheet (values only), logged like every export."""
    out = io.BytesIO()
    sheet = SheetWriter(out, title, widths=[14] * len(head), freeze_header=True)
    sheet.append(head, [BOLD] * len(head))
    for row in rows:
        sheet.append(row)
    sheet.close()
    user: Any = request.user
    ExportLog.objects.create(
        user=user,
        user_repr=user.get_full_name() or user.get_username(),
        kind=kind,
        filters={k: v[:40] for k, v in request.GET.items()},
        rows=len(rows),
    )
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{kind}.xlsx"'
    return response


def _yes(value: bool) -> str:
    return _("是") if value else ""


# --- indicators ---------------------------------------------------------------------------


def _indicators() -> list[Indicator]:
    return list(Indicator.objects.order_by("sort", "code"))


@login_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    _allow(can(request.user, Action.VIEW))
    rows = _indicators()
    active = [i for i in rows if i.is_active]
    return render(
        request,
        "performance/config/indicators.html",
        {
            "indicators": rows,
            "weight_sum": sum((i.score_weight for i in active), Decimal(0)),
            "can_edit": can(request.user, Action.CONFIGURE),
        },
    )


@login_required
def indicator_export(request: HttpRequest) -> HttpResponse:
    _allow(can(request.user, Action.VIEW))
    head = [_("指标编码"), _("指标名称"), _("单位"), _("实绩来源"), _("业务线"),
            _("绩效权重"), _("销售完成率指标"), _("顺序"), _("启用")]  # fmt: skip
    rows = [
        [
            i.code,
            i.name,
            i.get_unit_display(),
            i.get_source_display(),
            i.get_business_line_display() if i.business_line else "",
            i.score_weight,
            _yes(i.is_sales),
            i.sort,
            _yes(i.is_active),
        ]
        for i in _indicators()
    ]
    return _xlsx(request, "performance_indicators", _("考核指标"), head, rows)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _allow(can(request.user, Action.CONFIGURE))
    indicator = None
    if pk is not None:
        indicator = Indicator.objects.filter(pk=pk).first()
        if indicator is None:
            raise Http404
    form = IndicatorForm(request.POST or None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        try:
            if indicator is None:
                data = {f: form.cleaned_data[f] for f in svc.INDICATOR_CREATE_FIELDS}
                svc.indicator_create(actor=request.user, data=data)
            else:
                data = {f: form.cleaned_data[f] for f in svc.INDICATOR_EDIT_FIELDS}
                svc.indicator_update(
                    actor=request.user,
                    indicator=indicator,
                    data=data,
                    version=form.cleaned_data.get("version"),
                )
        except StaleVersion:
            add_stale_error(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("考核指标已保存。"))
            return redirect("performance:indicator_list")
    return render(
        request,
        "performance/config/form.html",
        {
            "form": form,
            "title": _("新建考核指标") if indicator is None else _("编辑考核指标"),
            "cancel": reverse("performance:indicator_list"),
        },
        status=400 if form.errors else 200,
    )


# --- award rules --------------------------------------------------------------------------


@login_required
def award_rule_list(request: HttpRequest) -> HttpResponse:
    _allow(can(request.user, Action.AWARDS))
    return render(
        request,
        "performance/config/award_rules.html",
        {
            "rules": list(AwardRule.objects.order_by("kind")),
            "criteria": svc.CRITERIA,
            "can_edit": can(request.user, Action.CONFIGURE),
        },
    )


def _criteria_text(rule: AwardRule) -> str:
    return "；".join(
        f"{svc.CRITERIA.get(c['code'], c['code'])} {c['weight']}/{c['full_at']}"
        + (_("（越低越好）") if c.get("lower_is_better") else "")
        for c in rule.criteria or []
    )


@login_required
def award_rule_export(request: HttpRequest) -> HttpResponse:
    _allow(can(request.user, Action.AWARDS))
    head = [_("奖项"), _("评选周期"), _("完成率门槛（%）"), _("团队排名依据"), _("获奖名额"),
            _("奖金（元）"), _("评分标准"), _("启用")]  # fmt: skip
    rows = [
        [
            r.get_kind_display(),
            r.get_cadence_display(),
            r.threshold_percent,
            r.get_measure_display(),
            r.top_n,
            r.amount,
            _criteria_text(r),
            _yes(r.is_active),
        ]
        for r in AwardRule.objects.order_by("kind")
    ]
    return _xlsx(request, "performance_award_rules", _("奖项规则"), head, rows)


@login_required
@require_http_methods(["GET", "POST"])
def award_rule_form(request: HttpRequest, pk: int) -> HttpResponse:
    _allow(can(request.user, Action.CONFIGURE))
    rule = AwardRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    form = AwardRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        data = form.rule_data()
        if not form.errors:
            try:
                svc.award_rule_update(
                    actor=request.user,
                    rule=rule,
                    data=data,
                    version=form.cleaned_data.get("version"),
                )
            except StaleVersion:
                add_stale_error(form)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("奖项规则已保存。"))
                return redirect("performance:award_rule_list")
    return render(
        request,
        "performance/config/award_rule_form.html",
        {"form": form, "rule": rule, "cancel": reverse("performance:award_rule_list")},
        status=400 if form.errors else 200,
    )


# --- virtual teams: weights and targets ---------------------------------------------------


def _virtual_teams() -> Any:
    return (
        Team.objects.filter(kind=Team.Kind.VIRTUAL)
        .select_related("leader")
        .annotate(member_count=Count("memberships"))
        .order_by("name")
    )


def _weights() -> dict[int, TeamWeights]:
    return {w.team_id: w for w in TeamWeights.objects.filter(team__kind=Team.Kind.VIRTUAL)}


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    _allow(can(request.user, Action.CONFIGURE))
    weights = _weights()
    return render(
        request,
        "performance/config/teams.html",
        {
            "teams": [(t, weights.get(t.pk)) for t in _virtual_teams()],
            "default": (TeamWeights.DEFAULT_DEPARTMENT, TeamWeights.DEFAULT_TEAM),
            "indicators": [i for i in _indicators() if i.is_active],
        },
    )


@login_required
def team_export(request: HttpRequest) -> HttpResponse:
    _allow(can(request.user, Action.CONFIGURE))
    weights = _weights()
    head = [_("虚拟团队"), _("负责人"), _("成员数"), _("部门考核权重"), _("团队考核权重"),
            _("默认权重")]  # fmt: skip
    rows = []
    for t in _virtual_teams():
        w = weights.get(t.pk)
        rows.append(
            [
                t.name,
                t.leader.name if t.leader else "",
                t.member_count,
                w.department_weight if w else TeamWeights.DEFAULT_DEPARTMENT,
                w.team_weight if w else TeamWeights.DEFAULT_TEAM,
                _yes(w is None),
            ]
        )
    return _xlsx(request, "performance_team_weights", _("虚拟团队考核权重"), head, rows)


def _team(pk: int) -> Team:
    team = Team.objects.filter(pk=pk, kind=Team.Kind.VIRTUAL).first()
    if team is None:
        raise Http404
    return team


@login_required
@require_http_methods(["GET", "POST"])
def team_weights_form(request: HttpRequest, pk: int) -> HttpResponse:
    _allow(can(request.user, Action.CONFIGURE))
    team = _team(pk)
    row = TeamWeights.objects.filter(team=team).first()
    initial = {
        "department_weight": row.department_weight if row else TeamWeights.DEFAULT_DEPARTMENT,
        "team_weight": row.team_weight if row else TeamWeights.DEFAULT_TEAM,
        "version": row.version if row else 0,
    }
    form = TeamWeightsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            svc.team_weights_save(
                actor=request.user,
                team=team,
                department_weight=form.cleaned_data["department_weight"],
                team_weight=form.cleaned_data["team_weight"],
                version=form.cleaned_data.get("version"),
            )
        except StaleVersion:
            add_stale_error(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("虚拟团队考核权重已保存。"))
            return redirect("performance:team_list")
    return render(
        request,
        "performance/config/form.html",
        {
            "form": form,
            "title": _("%(team)s：考核权重") % {"team": team.name},
            "cancel": reverse("performance:team_list"),
        },
        status=400 if form.errors else 200,
    )


def _members(team: Team) -> list[Staff]:
    return list(Staff.objects.filter(team_memberships__team=team).order_by("employee_no"))


def _team_months(
    team: Team, ind: Indicator, year: int
) -> tuple[Decimal | None, dict[int, list[Decimal]]]:
    """The team's own year target and each member's twelve months of the team's set."""
    rows = Target.objects.filter(indicator=ind, year=year, team=team)
    total = None
    months: dict[int, list[Decimal]] = {}
    for t in rows:
        if t.level == Target.Level.TEAM and t.month == 0:
            total = t.value
        elif t.level == Target.Level.PERSON and t.month > 0 and t.staff_id:
            months.setdefault(t.staff_id, [Decimal(0)] * 12)[t.month - 1] = t.value
    return total, months


@login_required
@require_http_methods(["GET", "POST"])
def team_targets(request: HttpRequest, pk: int) -> HttpResponse:
    """A virtual team's own year target and its members' second set (the team's), each in
    twelve months, proposed by a basis and then edited; the members must add up."""
    user = request.user
    _allow(can(user, Action.CONFIGURE))
    team = _team(pk)
    ind, year = _indicator(request), _year(request)
    if request.method == "POST":
        year = params.int_param(request.POST, "year", minimum=2000, maximum=2100) or year
    members = _members(team)
    saved_total, saved = _team_months(team, ind, year)
    total = saved_total or Decimal(0)
    current = {p.pk: saved.get(p.pk, [Decimal(0)] * 12) for p in members}
    errors: list[str] = []
    basis = request.GET.get("basis", "")
    if request.method == "GET" and basis in svc_targets.decompose.BASES:
        total = _amount(request.GET.get("total", ""), errors, _("团队全年目标")) or total
        if not errors and members:
            try:
                current = svc_targets.propose_people(
                    indicator=ind, year=year, total=total, basis=basis, people=members
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
    if request.method == "POST":
        total = _amount(request.POST.get("total", ""), errors, _("团队全年目标"))
        current = {
            p.pk: [
                _amount(request.POST.get(f"m_{p.pk}_{m}", ""), errors, f"{p.name} {m}月")
                for m in MONTHS
            ]
            for p in members
        }
        if not errors:
            try:
                svc_targets.team_targets_save(
                    actor=user,
                    indicator=ind,
                    year=year,
                    team=team,
                    total=total,
                    members={p: current[p.pk] for p in members},
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("虚拟团队目标已保存。"))
                return redirect(reverse("performance:team_list"))
    rows = [(p, current.get(p.pk, [Decimal(0)] * 12)) for p in members]
    return render(
        request,
        "performance/config/team_targets.html",
        {
            "team": team,
            "indicator": ind,
            "indicators": [i for i in _indicators() if i.is_active],
            "year": year,
            "total": total,
            "rows": [(p, ms, sum(ms, Decimal(0))) for p, ms in rows],
            "sum": sum((sum(ms, Decimal(0)) for _p, ms in rows), Decimal(0)),
            "errors": errors,
            "bases": _bases(),
            "months": MONTHS,
        },
        status=400 if errors else 200,
    )


@login_required
def team_targets_export(request: HttpRequest) -> HttpResponse:
    """Every virtual team's own target and its members' months, for a year and indicator."""
    _allow(can(request.user, Action.CONFIGURE))
    ind, year = _indicator(request), _year(request)
    head = [
        _("虚拟团队"),
        _("工号"),
        _("姓名"),
        _("全年"),
        *[_("%(m)s月") % {"m": m} for m in MONTHS],
    ]
    rows: list[list[Any]] = []
    names = {p.pk: p for p in Staff.objects.filter(team_memberships__team__kind=Team.Kind.VIRTUAL)}
    for team in _virtual_teams():
        total, months = _team_months(team, ind, year)
        rows.append([team.name, "", _("团队目标"), total, *[None] * 12])
        for staff_id, ms in sorted(
            months.items(), key=lambda kv: names[kv[0]].employee_no if kv[0] in names else ""
        ):
            p = names.get(staff_id)
            rows.append(
                [
                    team.name,
                    p.employee_no if p else "",
                    p.name if p else "",
                    sum(ms, Decimal(0)),
                    *ms,
                ]
            )
    return _xlsx(request, "performance_team_targets", _("虚拟团队目标"), head, rows)


urls: list[URLPattern] = [
    path("settings/indicators/", indicator_list, name="indicator_list"),
    path("settings/indicators/export.xlsx", indicator_export, name="indicator_export"),
    path("settings/indicators/new/", indicator_form, name="indicator_create"),
    path("settings/indicators/<int:pk>/edit/", indicator_form, name="indicator_edit"),
    path("settings/awards/", award_rule_list, name="award_rule_list"),
    path("settings/awards/export.xlsx", award_rule_export, name="award_rule_export"),
    path("settings/awards/<int:pk>/edit/", award_rule_form, name="award_rule_edit"),
    path("settings/teams/", team_list, name="team_list"),
    path("settings/teams/export.xlsx", team_export, name="team_export"),
    path("settings/teams/targets.xlsx", team_targets_export, name="team_targets_export"),
    path("settings/teams/<int:pk>/weights/", team_weights_form, name="team_weights"),
    path("settings/teams/<int:pk>/targets/", team_targets, name="team_targets"),
]
