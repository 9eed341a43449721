"""Widgets drawn without the template engine, for forms repeated down a page.

The dispatch board carries a form per row (25 rows, each with its grid's people and, for the
market department, every grid): Django's widget templates (an include per option and per
attribute list) cost more than all the rest of the page at a hundred thousand open
opportunities. These write the same HTML in Python; the attributes the bound field adds
(id, required, aria-invalid) come in `attrs` as for any widget.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class _QuickInput(Input):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        shown = self.format_value(value)
        if shown is not None:
            final["value"] = shown
        return format_html('<input type="{}" name="{}"{}>', self.input_type, name, flatatt(final))


class QuickHiddenInput(_QuickInput, forms.HiddenInput):
    pass


class QuickDateTimeInput(_QuickInput, forms.DateTimeInput):
    pass


class SharedChoices(BaseChoiceIterator):
    """(value, label) pairs that the same select shows on many rows (a grid's people, the
    grids): `QuickSelect` draws their options once per selected value for all the rows."""

    def __init__(self, pairs: Iterable[tuple[Any, str]]) -> None:
        self.pairs = list(pairs)
        self.drawn: dict[str, SafeString] = {}

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


class QuickSelect(forms.Select):
    """A single choice from plain (value, label) pairs (no option groups)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = "" if value is None else str(value)
        drawn: dict[str, SafeString] = getattr(self.choices, "drawn", {})
        options = drawn.get(chosen)
        if options is None:
            options = drawn[chosen] = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((v, " selected" if str(v) == chosen else "", label) for v, label in self.choices),
            )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)
