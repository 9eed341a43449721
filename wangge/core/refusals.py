"""Refused looks like missing: the one place where a page turns a refusal into 404.

Services own the rights (`wangge.core.permissions.require` raises `PermissionDenied`);
views do not catch it. Answering 404 rather than 403 means a URL never tells a user that a
record they may not touch exists (the API does the same in `wangge.core.api`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse


class RefusalAsNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        match = getattr(request, "resolver_match", None)
        if match is not None and match.app_name == "admin":
            return  # Django's admin (superusers only) keeps its own 403s
        if isinstance(exception, PermissionDenied):
            raise Http404 from exception
