"""The retention pages' forms (the services check everything again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core.forms import VersionedFormMixin
from wangge.org.models import Grid
from wangge.retention.models import CareRule, CollectionTask
from wangge.retention.models.care import ContactKind


class RuleForm(VersionedFormMixin, forms.ModelForm):
    contact_kinds = forms.MultipleChoiceField(
        label=_("计入的联系方式"),
        choices=ContactKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    # Bounds the number before the database's: a clear message, never an overflow.
    period_days = forms.IntegerField(label=_("周期（天）"), max_value=3660)
    min_contacts = forms.IntegerField(label=_("至少联系次数"), max_value=1000, initial=1)

    class Meta:
        model = CareRule
        fields = [
            "name", "is_active", "customer_kind", "tier", "relationship",
            "activated_within_months", "grid", "contact_kinds", "mode", "period_days",
            "min_contacts", "starts_on",
        ]  # fmt: skip
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = Grid.objects.filter(is_active=True).order_by("code")  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        # The service validates and saves; the form's own instance is not written.
        pass


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("联系方式"), choices=ContactKind.choices)
    note = forms.CharField(label=_("情况记录"), max_length=500, required=False)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("催缴结果"),
        choices=[(v, label) for v, label in CollectionTask.Status.choices if v != "open"],
        widget=forms.RadioSelect,
    )
    promised_on = forms.DateField(
        label=_("承诺缴费日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)
    note = forms.CharField(label=_("情况记录"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PeriodForm(forms.Form):
    """The period care compliance is judged over (the rates page's filter)."""

    start = forms.DateField(
        label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self) -> dict[str, Any]:
        from wangge.retention.compliance import MAX_PERIOD_DAYS

        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("截止日期不能早于起始日期。"))
            if (end - start).days >= MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("期间最长一年。"))
        return data
