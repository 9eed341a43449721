"""API foundations: authentication, the error shape, and the answers every operation declares.

Every error is `{"detail": str, "code": str, "errors": [{"loc": [...], "msg": str}]}` so an
integration handles one shape. Operations list 400/401/404/422 in the schema (django-ninja
does not add them itself), which is what lets schemathesis check conformance.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import AfterValidator, Field

from wangge.core.access import user_can

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def text(max_length: int, min_length: int = 0) -> Any:
    """A string field for input schemas: bounded and NUL-free."""
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length), AfterValidator(_no_nul)
    ]


QUERY_TEXT_PATTERN = r"^[^\x00]*$"


class FieldError(Schema):
    loc: list[str | int]
    msg: str


class ErrorOut(Schema):
    detail: str
    code: str
    errors: list[FieldError] = []


ERRORS: dict[int, type[ErrorOut]] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def with_errors(ok: dict[int, Any]) -> dict[int, Any]:
    return {**ok, **ERRORS}


class TokenAuth(HttpBearer):
    """`Authorization: Bearer wg_…` for integrations. The user must be active and allowed the API."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from wangge.org.models import ApiToken

        found = ApiToken.objects.authenticate(token)
        if found is None or not user_can(found.user, "api.use"):
            return None
        request.user = found.user
        return found.user


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and user_can(user, "api.use"):
            return user
        return None


def _error(api: NinjaAPI, request: HttpRequest, status: int, code: str, detail: str,
           errors: list[dict[str, Any]] | None = None) -> HttpResponse:
    return api.create_response(
        request, {"detail": detail, "code": code, "errors": errors or []}, status=status
    )


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {"loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", [])],
             "msg": str(e.get("msg", ""))}
            for e in exc.errors
        ]
        return _error(api, request, 422, "invalid", "Request is not valid.", errors)

    @api.exception_handler(DjangoValidationError)
    def on_domain_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"loc": ["body", field], "msg": str(m)}
                for field, msgs in exc.message_dict.items()
                for m in msgs
            ]
        else:
            errors = [{"loc": ["body"], "msg": str(m)} for m in exc.messages]
        return _error(api, request, 400, "rejected", "The request was refused.", errors)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, 404, "not_found", "Not found.")

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        # Forbidden answers like missing, so the API never confirms what exists.
        return _error(api, request, 404, "not_found", "Not found.")

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _error(api, request, 401, "unauthenticated", "Authentication required.")

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return _error(api, request, exc.status_code, "error", str(exc))
