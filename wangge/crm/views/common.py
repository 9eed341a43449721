"""What the crm pages share: query-string parsing, and one way to run a form page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from wangge.core import params
from wangge.core.forms import add_service_errors, add_stale_error
from wangge.core.services import StaleVersion


def int_param(request: HttpRequest, name: str) -> int | None:
    return params.int_param(request.GET, name)


def choice_param(request: HttpRequest, name: str, choices: Any) -> str:
    return params.choice_param(request.GET, name, choices)


def text_param(request: HttpRequest, name: str) -> str:
    return params.text_param(request.GET, name)


def flag_param(request: HttpRequest, name: str) -> bool:
    return params.flag_param(request.GET, name)


def allow(allowed: bool) -> None:
    """Refused looks like missing: a 404, never a 403 that confirms the record exists."""
    if not allowed:
        raise Http404


def _attach(all_forms: tuple[forms.BaseForm, ...], exc: ValidationError) -> None:
    """A service's refusal goes to the form that has the field it names, else on top."""
    if not hasattr(exc, "error_dict"):
        add_service_errors(all_forms[0], exc)
        return
    for name, messages in exc.message_dict.items():
        target = next((f for f in all_forms if name in f.fields), all_forms[0])
        for message in messages:
            target.add_error(name if name in target.fields else None, message)


def form_page(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    title: str,
    save: Callable[[dict[str, Any]], Model],
    done: Callable[[Model], str],
    cancel: str,
    extra_forms: tuple[forms.BaseForm, ...] = (),
) -> HttpResponse:
    """Show the form; on a valid POST call the service, mapping its refusals onto fields
    (and a stale `version`, someone else's save in between, onto the form)."""
    all_forms = (form, *extra_forms)
    if request.method == "POST" and all(f.is_valid() for f in all_forms):
        data: dict[str, Any] = {}
        for f in all_forms:
            data.update(f.cleaned_data)
        try:
            obj = save(data)
        except ValidationError as exc:
            _attach(all_forms, exc)
        except StaleVersion:
            add_stale_error(form)  # nothing was written: the service's transaction rolled back
        else:
            return redirect(done(obj))
    return render(
        request,
        "crm/form.html",
        {"forms": all_forms, "title": title, "cancel": cancel},
    )
