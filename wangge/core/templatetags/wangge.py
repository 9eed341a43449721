from __future__ import annotations

from typing import Any

from django import template

from wangge.core.imports import get_spec

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


@register.inclusion_tag("core/_excel_links.html", takes_context=True)
def excel_links(context: template.Context, *kinds: str) -> dict[str, Any]:
    """A list page's Excel links: `{% excel_links "estates" "buildings" %}`.

    Export carries the page's current filters (not its page number: the export is the whole
    filtered list); import and template only for those who may import the kind. A kind not
    registered (yet) shows nothing, so a page never fails for want of its spec.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"links": []}
    links = []
    for kind in kinds:
        try:
            spec = get_spec(kind)
        except LookupError:
            continue
        can_export, can_import = spec.can_export(user), spec.can_import(user)
        if can_export or can_import:
            links.append(
                {"kind": kind, "label": spec.label, "export": can_export, "import": can_import}
            )
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    return {"links": links, "query": query, "several": len(links) > 1}


@register.simple_tag(takes_context=True)
def main_menu(context: template.Context) -> list[Any]:
    """`{% main_menu as entries %}`: the navigation entries the apps registered, for this user."""
    from wangge.core.extensions import menu_for

    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return []
    return menu_for(user)


@register.simple_tag(takes_context=True)
def panels(context: template.Context, page: str, obj: Any) -> str:
    """`{% panels "site" object %}`: the panels higher apps registered for this detail page."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    from wangge.core.extensions import panels_for

    request = context.get("request")
    html = [
        render_to_string(panel.template, {**ctx, "panel_object": obj}, request=request)
        for panel, ctx in panels_for(page, request, obj)
    ]
    return mark_safe("".join(html))
