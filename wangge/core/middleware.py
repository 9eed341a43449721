"""Request-level guards every page and API call passes through.

- `BodyLimitMiddleware`: a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` answers 413 (the API in its
  one error shape, pages with a short page), not Django's 400/500 with a traceback in DEBUG.
- `ContentSecurityPolicyMiddleware`: the `Content-Security-Policy` header, with a per-request
  nonce for the few inline scripts. Shaped like Django 6's built-in one (`SECURE_CSP`, the
  `csp_nonce` template variable that django-htmx already reads), so moving to Django 6 means
  deleting this class and the context processor.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.views import defaults

Handler = Callable[[HttpRequest], HttpResponseBase]

#: The API's error answer for a body over the limit (the shape of `wangge.core.api`).
TOO_LARGE = {"detail": "Request body is too large.", "code": "too_large", "errors": []}


def _is_api(request: HttpRequest) -> bool:
    try:
        return resolve(request.path_info).namespace == "api"
    except Resolver404:
        return False


def too_large_response(request: HttpRequest) -> HttpResponse:
    """413 for a body over the limit: JSON in the error shape for the API, a page otherwise."""
    if _is_api(request):
        return JsonResponse(TOO_LARGE, status=413)
    return HttpResponse(render_to_string("413.html", request=request), status=413)


def _declared_too_big(request: HttpRequest) -> bool:
    """The body's declared length is over the limit, and the whole body would be read.

    Multipart bodies are left to Django's parser: uploaded files do not count towards the
    limit, only the form fields beside them (`process_exception` and the 400 handler turn
    that refusal into 413 too).
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or request.content_type == "multipart/form-data":
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > limit


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler400`: a body refused by a middleware (CSRF reads forms first) is still a 413."""
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request)
    return defaults.bad_request(request, exception)


class BodyLimitMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _declared_too_big(request):
            return too_large_response(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(request)
        return None


NONCE = "'nonce'"  # placeholder in SECURE_CSP replaced by the request's nonce, as in Django 6


def build_policy(policy: Mapping[str, Sequence[str]], nonce: str) -> str:
    parts = []
    for directive, sources in policy.items():
        values = [f"'nonce-{nonce}'" if s == NONCE else s for s in sources]
        parts.append(" ".join([directive, *values]))
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    """Sets `Content-Security-Policy` from `settings.SECURE_CSP` on every answer.

    `request.csp_nonce` (and the `csp_nonce` template variable) holds a fresh nonce for the
    request; inline `<script nonce="{{ csp_nonce }}">` blocks run, injected ones do not.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        policy: Mapping[str, Sequence[str]] = getattr(settings, "SECURE_CSP", {})
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = build_policy(policy, nonce)
        return response


def csp(request: HttpRequest) -> dict[str, str]:
    """Template context processor: `{{ csp_nonce }}` (the name Django 6 and django-htmx use)."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
