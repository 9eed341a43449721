"""Forms of the log pages (phone-first: three text boxes, one review row)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.worklog.models import LogReview, WorkLog


class LogForm(forms.Form):
    findings = forms.CharField(
        label=_("成果与信息"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("今天的成果、客户与竞争对手的新信息。"),
    )
    problems = forms.CharField(
        label=_("遇到的问题"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    plan = forms.CharField(
        label=_("明日计划"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    @classmethod
    def for_log(cls, log: WorkLog | None, data: object = None) -> LogForm:
        initial = {}
        if log is not None:
            initial = {
                "findings": log.findings,
                "problems": log.problems,
                "plan": log.plan,
                "version": log.version,
            }
        return cls(data, initial=initial)  # type: ignore[arg-type]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审阅结果"), choices=LogReview.Decision.choices)
    score = forms.TypedChoiceField(
        label=_("评分"),
        choices=[("", "—")] + [(str(i), str(i)) for i in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    comment = forms.CharField(label=_("审阅意见"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
