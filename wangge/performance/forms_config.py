"""Forms of the assessment settings: an indicator, an award rule (its scorecard as one row
of inputs per criterion, not JSON), a virtual team's weights."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import VersionedFormMixin
from wangge.performance.models import AwardKind, AwardRule, Indicator
from wangge.performance.services_config import (
    CRITERIA,
    INDICATOR_CREATE_FIELDS,
    INDICATOR_EDIT_FIELDS,
)

#: Which of a rule's settings each award reads (the others stay as they are).
RULE_FIELDS_BY_KIND: dict[str, list[str]] = {
    AwardKind.GROWTH_STAR: ["cadence", "threshold_percent", "amount", "is_active"],
    AwardKind.SURPASS_TEAM: ["cadence", "measure", "top_n", "amount", "is_active"],
    AwardKind.PIONEER_STAR: ["cadence", "amount", "is_active"],
}


class IndicatorForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Indicator
        fields = INDICATOR_CREATE_FIELDS
        help_texts = {
            "score_weight": _("绩效得分按各指标完成率加权平均（上不封顶）；0 表示不计入得分。"),
            "is_sales": _("成长之星按此指标的完成率评选；只能有一个，勾选后其他指标的勾选取消。"),
            "business_line": _("按销售记录计时：留空则计所有业务线。"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in set(INDICATOR_CREATE_FIELDS) - set(INDICATOR_EDIT_FIELDS):
                del self.fields[name]


class AwardRuleForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = AwardRule
        fields = ["cadence", "threshold_percent", "measure", "top_n", "amount", "is_active"]
        help_texts = {
            "threshold_percent": _("销售完成率达到（含）此百分比即获成长之星，如 120。"),
            "top_n": _("排名前 N 的团队获奖（并列第 N 名同样获奖）。"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.instance.kind
        for name in list(self.Meta.fields):
            if name not in RULE_FIELDS_BY_KIND.get(kind, []):
                del self.fields[name]
        self.criteria_rows: list[tuple[str, Any, str, str, str]] = []
        if kind != AwardKind.PIONEER_STAR:
            return
        current = {c["code"]: c for c in self.instance.criteria or []}
        for code, label in CRITERIA.items():
            c = current.get(code, {})
            self.fields[f"w_{code}"] = forms.DecimalField(
                label=_("%(name)s 分值") % {"name": label},
                required=False,
                min_value=Decimal(0),
                max_digits=7,
                decimal_places=2,
                initial=c.get("weight"),
            )
            self.fields[f"f_{code}"] = forms.DecimalField(
                label=_("%(name)s 满分标准") % {"name": label},
                required=False,
                min_value=Decimal(0),
                max_digits=10,
                decimal_places=2,
                initial=c.get("full_at"),
            )
            self.fields[f"l_{code}"] = forms.BooleanField(
                label=_("%(name)s 越低越好") % {"name": label},
                required=False,
                initial=bool(c.get("lower_is_better")),
            )
            self.criteria_rows.append((code, label, f"w_{code}", f"f_{code}", f"l_{code}"))

    @property
    def main_fields(self) -> list[Any]:
        """The rule's own settings (the scorecard's inputs are laid out as a table)."""
        skip = {name for row in self.criteria_rows for name in row[2:]}
        return [f for f in self.visible_fields() if f.name not in skip]

    @property
    def criteria_fields(self) -> list[tuple[Any, Any, Any, Any]]:
        return [(label, self[w], self[f], self[lo]) for _c, label, w, f, lo in self.criteria_rows]

    def criteria(self) -> list[dict[str, Any]] | None:
        """The scorecard from the rows with a weight (None: this award has no scorecard)."""
        if not self.criteria_rows:
            return None
        out = []
        for code, _label, w, f, lo in self.criteria_rows:
            weight = self.cleaned_data.get(w)
            if not weight:
                continue
            full_at = self.cleaned_data.get(f)
            if not full_at:
                self.add_error(f, _("有分值的评分项须填满分标准。"))
                continue
            out.append(
                {
                    "code": code,
                    "weight": weight,
                    "full_at": full_at,
                    "lower_is_better": self.cleaned_data.get(lo),
                }
            )
        return out

    def rule_data(self) -> dict[str, Any]:
        data = {
            name: self.cleaned_data[name]
            for name in RULE_FIELDS_BY_KIND.get(self.instance.kind, [])
        }
        criteria = self.criteria()
        if criteria is not None:
            data["criteria"] = criteria
        return data


class TeamWeightsForm(forms.Form):
    department_weight = forms.DecimalField(
        label=_("部门考核权重"), min_value=Decimal(0), max_value=Decimal(1), decimal_places=2
    )
    team_weight = forms.DecimalField(
        label=_("团队考核权重"),
        min_value=Decimal(0),
        max_value=Decimal(1),
        decimal_places=2,
        help_text=_("两部分权重之和须为 1，如部门 0.6、团队 0.4。"),
    )
    #: The row's version the editor opened; 0 when the team was on the defaults.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
