"""Form helpers: choice lists only offer what the user may see."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core.access import ScopedQuerySet

#: Shown when someone else saved the record after the editor opened the form.
STALE_MESSAGE = _("这条记录已被他人修改，请刷新后再改")


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


class VersionedFormMixin:
    """The edit form of a `Versioned` record carries the version it was opened with (a
    hidden `version`) and hands it to the service with the changes: if someone saved the
    record since, the service refuses (`StaleVersion`) and `add_stale_error` says so,
    instead of the second save silently undoing the first. Forms that create a record
    have no version."""

    fields: dict[str, forms.Field]
    instance: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if getattr(self.instance, "pk", None) is not None:
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput,
                required=False,
                min_value=1,
                initial=self.instance.version,
            )


def add_stale_error(form: forms.BaseForm) -> None:
    form.add_error(None, STALE_MESSAGE)


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
