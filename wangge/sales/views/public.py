"""The public lead form behind a promotion piece's QR code: no login, CSRF-protected,
validated by the service and throttled per client address and per piece."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core import clock
from wangge.core.forms import add_service_errors
from wangge.sales import selectors, services
from wangge.sales.models import PromoPiece

#: The defaults of `settings.WANGGE_LEAD_THROTTLE`.
THROTTLE = {"per_ip": 5, "ip_window_s": 600, "per_piece": 30, "piece_window_s": 3600}


class LeadForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("您的称呼"), max_length=64)
    phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    need = forms.CharField(
        label=gettext_lazy("您的需求"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind `WANGGE_PROXY_COUNT` trusted proxies the
    X-Forwarded-For entry they added (a header the client wrote itself is not believed)."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if proxies and len(forwarded) >= proxies and forwarded[-proxies]:
        return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def _limits() -> dict[str, int]:
    return {**THROTTLE, **getattr(settings, "WANGGE_LEAD_THROTTLE", {})}


def _over(key: str, limit: int, window_s: int) -> bool:
    """Count one submission in the current fixed window of `key`; over the limit?"""
    window = int(clock.now().timestamp()) // window_s
    full = f"sales:lead:{key}:{window}"
    cache.add(full, 0, timeout=window_s + 60)
    try:
        count = cache.incr(full)
    except ValueError:  # expired between add and incr
        cache.set(full, 1, timeout=window_s + 60)
        count = 1
    return count > limit


def throttled(request: HttpRequest, piece: PromoPiece) -> bool:
    """Both counters move on every submission, so a flood from one address cannot hide
    behind the per-piece limit or the other way round."""
    lim = _limits()
    by_ip = _over(f"ip:{client_ip(request)}", lim["per_ip"], lim["ip_window_s"])
    by_piece = _over(f"piece:{piece.pk}", lim["per_piece"], lim["piece_window_s"])
    return by_ip or by_piece


@csrf_protect
@require_http_methods(["GET", "POST"])
def lead_form(request: HttpRequest, token: str) -> HttpResponse:
    piece = selectors.piece_for_lead(token=token)
    ctx: dict[str, Any] = {"piece": piece, "removed": piece.state == PromoPiece.State.REMOVED}
    form = LeadForm(request.POST or None)
    if request.method == "POST":
        if throttled(request, piece):
            return render(request, "sales/lead_throttled.html", ctx, status=429)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.lead_submit(piece=piece, name=d["name"], phone=d["phone"], need=d["need"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                # Post, redirect, get: a reload of the thank-you page sends nothing again.
                return redirect("sales:lead_thanks", token=piece.token)
    ctx["form"] = form
    return render(request, "sales/lead_form.html", ctx)


@require_GET
def lead_thanks(request: HttpRequest, token: str) -> HttpResponse:
    piece = selectors.piece_for_lead(token=token)
    return render(request, "sales/lead_thanks.html", {"piece": piece})


urls: list[URLPattern] = [
    path("l/<str:token>/", lead_form, name="lead_form"),
    path("l/<str:token>/thanks/", lead_thanks, name="lead_thanks"),
]
