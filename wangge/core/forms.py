"""Form helpers: choice lists only offer what the user may see."""

from __future__ import annotations

from typing import Any

from django import forms

from wangge.core.access import ScopedQuerySet


class ScopedFormMixin:
    """Narrows every model-choice field whose queryset is scoped to the acting user."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            qs = getattr(field, "queryset", None)
            if isinstance(qs, ScopedQuerySet):
                field.queryset = qs.visible_to(user)  # type: ignore[attr-defined]


def add_service_errors(form: forms.BaseForm, error: Any) -> None:
    """Attach a service's ValidationError to the form: per field where named, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
