from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """`{{ totals|get_item:attr }}`: a dict lookup by a variable key."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.filter
def percent(value: Any, digits: int = 1) -> str:
    """0.0234 → "2.3%"; signed when asked through `signed_percent`."""
    try:
        return f"{float(value) * 100:.{digits}f}%"
    except (TypeError, ValueError):
        return "—"


@register.filter
def signed_percent(value: Any) -> str:
    try:
        return f"{float(value) * 100:+.1f}%"
    except (TypeError, ValueError):
        return "—"
