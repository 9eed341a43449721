from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from wangge.core import selectors
from wangge.core.models import AuditEntry
from wangge.core.permissions import CoreAction
from wangge.core.views import ScopedListView


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作人"), required=False)
    content_type = forms.TypedChoiceField(label=_("对象类型"), required=False, coerce=int)
    action = forms.ChoiceField(
        label=_("动作"), required=False, choices=[("", "---------"), *AuditEntry.Action.choices]
    )
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["content_type"].choices = [  # type: ignore[attr-defined]
            ("", "---------"),
            *(
                (ct.id, ct.model_class()._meta.verbose_name if ct.model_class() else ct.model)  # type: ignore[union-attr]
                for ct in selectors.audited_content_types()
            ),
        ]


class AuditListView(ScopedListView):
    model = AuditEntry
    required_action = CoreAction.VIEW_AUDIT
    template_name = "core/audit_list.html"

    def get_queryset(self) -> QuerySet[AuditEntry]:
        self.filter_form = AuditFilterForm(self.request.GET or None)
        data: dict[str, Any] = {}
        if self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
        return selectors.audit_list(
            user=self.request.user,
            actor_q=data.get("actor") or "",
            content_type_id=data.get("content_type") or None,
            action=data.get("action") or "",
            object_id=data.get("object_id") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["filter_form"] = self.filter_form
        return ctx
