"""Writes of the assessment settings (考核设置): indicators and their score weights, the
award rules, a virtual team's two weights. Market department only (`Action.CONFIGURE`).

Indicators, award rules and team weights are `Versioned`: an editor sends back the version
they opened, and a save over someone else's change is refused (`StaleVersion`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core.permissions import require
from wangge.core.services import StaleVersion, audited_create, audited_update
from wangge.org.models import Team
from wangge.performance.models import AwardKind, AwardRule, Indicator, TeamWeights
from wangge.performance.permissions_targets import Action

#: What an indicator's editor may change once it exists (its code, unit and source are
#: what its targets were decomposed in: changing them would turn fen into customers).
INDICATOR_EDIT_FIELDS = ["name", "business_line", "score_weight", "is_sales", "sort", "is_active"]
INDICATOR_CREATE_FIELDS = ["code", "unit", "source", *INDICATOR_EDIT_FIELDS]
RULE_FIELDS = [
    "cadence",
    "threshold_percent",
    "measure",
    "top_n",
    "amount",
    "criteria",
    "is_active",
]

#: The 创业之星 scorecard's criteria (what `services_awards.pioneer_values` computes).
CRITERIA: dict[str, Any] = {
    "completion": gettext_lazy("销售完成率（%）"),
    "log_score": gettext_lazy("工作日志评分（0–100）"),
    "care_compliance": gettext_lazy("关怀达标率（%）"),
    "complaints": gettext_lazy("投诉单数"),
    "customer_growth": gettext_lazy("新增客户数"),
}


def _check_indicator(data: Mapping[str, Any], *, source: str) -> None:
    if source == Indicator.Source.RENEWALS and data.get("business_line"):
        raise ValidationError({"business_line": _("续费指标按续费任务计，不分业务线，请留空。")})


def _only_sales(actor: Any, keep: Indicator) -> None:
    """成长之星 reads one sales-completion indicator: marking another takes it off the
    rest (each change audited)."""
    for other in Indicator.objects.filter(is_sales=True).exclude(pk=keep.pk):
        audited_update(actor=actor, instance=other, data={"is_sales": False}, fields=["is_sales"])


@transaction.atomic
def indicator_create(*, actor: Any, data: Mapping[str, Any]) -> Indicator:
    require(actor, Action.CONFIGURE)
    unknown = set(data) - set(INDICATOR_CREATE_FIELDS)
    if unknown:
        raise ValueError(f"Fields not settable here: {sorted(unknown)}")
    source = data.get("source", "")
    _check_indicator(data, source=source)
    if source == Indicator.Source.RENEWALS and data.get("unit") != Indicator.Unit.COUNT:
        raise ValidationError({"unit": _("续费指标按笔数计，单位须为户数。")})
    indicator = audited_create(actor=actor, instance=Indicator(**data))
    if indicator.is_sales:
        _only_sales(actor, indicator)
    return indicator


@transaction.atomic
def indicator_update(
    *, actor: Any, indicator: Indicator, data: Mapping[str, Any], version: int | None
) -> Indicator:
    require(actor, Action.CONFIGURE)
    _check_indicator(data, source=indicator.source)
    audited_update(
        actor=actor, instance=indicator, data=data, fields=INDICATOR_EDIT_FIELDS, version=version
    )
    if indicator.is_sales:
        _only_sales(actor, indicator)
    return indicator


def _plain(value: Decimal) -> str:
    """60, not 6E+1 (what `normalize` gives); 12.5 keeps its decimals."""
    return f"{value.normalize():f}"


def clean_criteria(raw: Any) -> list[dict[str, Any]]:
    """The scorecard as stored: known codes, positive weights and full marks, as strings."""
    if not isinstance(raw, list):
        raise ValidationError({"criteria": _("评分标准须为列表。")})
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in raw:
        code = item.get("code") if isinstance(item, dict) else None
        if code not in CRITERIA or code in seen:
            raise ValidationError({"criteria": _("未知或重复的评分项：%(code)s") % {"code": code}})
        seen.add(code)
        try:
            weight = Decimal(str(item.get("weight")))
            full_at = Decimal(str(item.get("full_at")))
        except InvalidOperation:
            raise ValidationError(
                {"criteria": _("%(name)s：分值与满分标准须为数字。") % {"name": CRITERIA[code]}}
            ) from None
        if not (weight.is_finite() and full_at.is_finite()) or weight <= 0 or full_at <= 0:
            raise ValidationError(
                {"criteria": _("%(name)s：分值与满分标准须大于 0。") % {"name": CRITERIA[code]}}
            )
        if weight > 1000 or full_at >= 10**8:
            raise ValidationError(
                {"criteria": _("%(name)s：数值过大。") % {"name": CRITERIA[code]}}
            )
        out.append(
            {
                "code": code,
                "weight": _plain(weight),
                "full_at": _plain(full_at),
                "lower_is_better": bool(item.get("lower_is_better")),
            }
        )
    return out


@transaction.atomic
def award_rule_update(
    *, actor: Any, rule: AwardRule, data: Mapping[str, Any], version: int | None
) -> AwardRule:
    """An award's rule: cadence, threshold, measure, winners, amount, scorecard."""
    require(actor, Action.CONFIGURE)
    data = dict(data)
    if "criteria" in data:
        data["criteria"] = clean_criteria(data["criteria"])
        active = data.get("is_active", rule.is_active)
        if rule.kind == AwardKind.PIONEER_STAR and active and not data["criteria"]:
            raise ValidationError({"criteria": _("创业之星至少要有一项评分标准。")})
    audited_update(actor=actor, instance=rule, data=data, fields=RULE_FIELDS, version=version)
    return rule


@transaction.atomic
def team_weights_save(
    *,
    actor: Any,
    team: Team,
    department_weight: Decimal,
    team_weight: Decimal,
    version: int | None,
) -> TeamWeights:
    """A virtual team's two weights (department part, team part); they must add up to 1.
    A team without a row was scored with the defaults: the first save creates it. The
    editor's `version` is 0 when they opened the defaults (no row yet)."""
    require(actor, Action.CONFIGURE)
    if team.kind != Team.Kind.VIRTUAL:
        raise ValidationError(_("只有虚拟团队的成员分两部分考核。"))
    if department_weight + team_weight != 1:
        raise ValidationError(
            _("部门与团队权重之和须为 1，现为 %(sum)s。")
            % {"sum": _plain(department_weight + team_weight)}
        )
    data = {"department_weight": department_weight, "team_weight": team_weight}
    row = TeamWeights.objects.filter(team=team).first()
    if row is None:
        if version:
            # The editor opened a saved row that has since been removed (the team's reset).
            raise StaleVersion(TeamWeights(team=team), version, 0)
        return audited_create(actor=actor, instance=TeamWeights(team=team, **data))
    audited_update(actor=actor, instance=row, data=data, fields=list(data), version=version)
    return row
