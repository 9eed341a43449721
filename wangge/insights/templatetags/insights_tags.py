"""Shares as the pages print them."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """0.8754 → 87.5%; nothing counted → —."""
    return "—" if value is None else f"{100 * value:.1f}%"
