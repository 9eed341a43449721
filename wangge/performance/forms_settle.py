"""Forms of the commission pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import VersionedFormMixin
from wangge.org.models import Staff
from wangge.performance.models import CommissionPolicy
from wangge.performance.models.commission import commission_cap
from wangge.performance.services_settle import POLICY_FIELDS


class PolicyForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = CommissionPolicy
        fields = POLICY_FIELDS
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "effective_to": forms.DateInput(attrs={"type": "date"}),
            "tiers": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "tiers": _(
                '可选，如 [{"min_units": 20, "value": "0.14"}]：当月达到 20 单起每单按 0.14 计提'
            ),
            "value": _("按比例时填小数（0.12 = 12%），按单时填每单金额（元）"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pct = f"{(commission_cap() * 100).normalize()}%"
        self.fields["share_seller"].help_text = _(
            "各方分成合计不超过 1。宽带：所有人的佣金合计不得超过销售金额的 %(cap)s，"
            "按最高阶梯计算，超过的政策不能保存。"
        ) % {"cap": pct}


class AdjustmentForm(forms.Form):
    staff: forms.ModelChoiceField[Staff] = forms.ModelChoiceField(
        queryset=Staff.objects.none(), label=_("员工")
    )
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=12, decimal_places=2)
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]


class PeriodForm(forms.Form):
    period = forms.RegexField(
        regex=r"^2\d{3}-(0[1-9]|1[0-2])$",
        label=_("月份"),
        error_messages={"invalid": _("月份格式应为 YYYY-MM。")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )
