"""API foundations: authentication, the error shape, the answers every operation declares,
the router the apps' API packages use, choices read off the models, and one pagination.

Every error is `{"detail": str, "code": str, "errors": [{"loc": [...], "msg": str}]}` so an
integration handles one shape. Operations list 400/401/404/422 in the schema (django-ninja
does not add them itself), which is what lets schemathesis check conformance; write
operations (`ApiRouter` adds them) also 409 (a stale `version`) and 413 (a body too large).

Each app's API is a package, `wangge/<app>/api/`: `schemas.py` and one module of endpoints
per resource, each with an `ApiRouter`, gathered by the package's `router`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Choices, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import core_schema

from wangge.core import pagination
from wangge.core.middleware import TOO_LARGE
from wangge.core.pagination import bounded_count
from wangge.core.permissions import CoreAction, can
from wangge.core.services import StaleVersion

MAX_ID = 2**63 - 1


def _integral(value: Any) -> Any:
    # JSON Schema counts 4.0 as an integer, so a strict body must take it (as 4) too.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: A primary key: bounded to bigint, so PostgreSQL never sees an out-of-range integer.
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_integral)]


def integer(ge: int, le: int) -> Any:
    """A bounded integer for request bodies that, like JSON Schema, takes 4.0 as 4."""
    return Annotated[int, Field(ge=ge, le=le), BeforeValidator(_integral)]


#: PostgreSQL text cannot hold NUL, so input strings refuse it rather than fail in the database.
#: A `pattern` (not a validator) so the schema says so too: clients and schemathesis see the
#: rule. pydantic's pattern check also refuses lone surrogates, which psycopg cannot encode.
QUERY_TEXT_PATTERN = r"^[^\x00]*$"


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable() -> Any:
    """Default of a PATCH field that may be left out but not sent as null.

    `X | None = None` tells clients null is fine, and for a NOT NULL column it is not: Django
    skips its null check on `blank=True` fields, so `"note": null` reached the database and
    failed there (500). Left out, the field keeps its value (`exclude_unset`); null is a 422.
    The schema shows no default, so it never offers null either.
    """
    return Field(None, json_schema_extra=_no_default)


def text(max_length: int, min_length: int = 0) -> Any:
    """A string field for input schemas: bounded and NUL-free."""
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length, pattern=QUERY_TEXT_PATTERN)
    ]


#: A `Versioned` record's `version`, as GET returned it (a PositiveIntegerField).
VersionIn = Annotated[int, Field(ge=1, le=2_147_483_647), BeforeValidator(_integral)]


def version_in() -> Any:
    """The optional `version` of a PATCH body (`version: VersionIn = version_in()`): sent,
    it must still be the record's, else 409 `stale_version` and nothing changes; left out,
    the fields sent are written over whatever is there (older clients)."""
    return Field(
        None,
        description="读取时得到的 version：若他人已修改（版本已变）则答 409 stale_version，"
        "不作任何修改；不填则不检查",
        json_schema_extra=_no_default,
    )


class BodyIn(BaseModel):
    """Base of JSON request bodies.

    A plain pydantic model, not ninja's `Schema`: that one reads fields off any object, so a
    body of `[null, null]` or `"x"` passed as an empty PATCH. Strict, so that `"is_active": 0`
    or `"region_id": "4"` is refused (422) as the schema says, not silently coerced.
    """

    model_config = ConfigDict(strict=True)


class FieldError(Schema):
    loc: list[str | int]
    msg: str


class ErrorOut(Schema):
    detail: str
    code: str
    errors: list[FieldError] = []


ERRORS: dict[int, type[ErrorOut]] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


#: What a write may answer besides those: a stale `version` (409), a body too large (413).
WRITE_ERRORS: dict[int, type[ErrorOut]] = {409: ErrorOut, 413: ErrorOut}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def with_errors(ok: dict[int, Any]) -> dict[int, Any]:
    return {**ok, **ERRORS}


class ApiRouter(Router):
    """The router of an app's endpoint module.

    Operation ids stay those of the app's API package (`wangge_crm_api_customer_list`),
    whichever module of the package holds the endpoint, so splitting or moving endpoints
    never renames an operation clients use. Write operations declare the write errors.
    """

    def add_api_operation(
        self, path: str, methods: list[str], view_func: Callable[..., Any], **kwargs: Any
    ) -> None:
        if kwargs.get("operation_id") is None:
            kwargs["operation_id"] = operation_id(view_func)
        response = kwargs.get("response")
        if isinstance(response, dict) and WRITE_METHODS.intersection(m.upper() for m in methods):
            kwargs["response"] = {**WRITE_ERRORS, **response}
        super().add_api_operation(path, methods, view_func, **kwargs)


def operation_id(view_func: Callable[..., Any]) -> str:
    """`wangge.crm.api.customers.customer_list` → `wangge_crm_api_customer_list`."""
    module = view_func.__module__
    package, sep, _rest = module.partition(".api.")
    if sep:
        module = f"{package}.api"
    return f"{module}_{view_func.__name__}".replace(".", "_")


@dataclass(frozen=True)
class Choice:
    """`Annotated[str, Choice(Customer.Status)]`: one of a model's `choices` (or of the keys
    of a mapping that names the allowed values), read from the model so the API never lists
    them by hand. Validates and documents like a `Literal` of the values (the schema's
    `enum`); `blank=True` adds "" (a filter left empty)."""

    choices: type[Choices] | Iterable[str]
    blank: bool = False

    @property
    def values(self) -> list[str]:
        given = self.choices
        values = given.values if isinstance(given, type) and issubclass(given, Choices) else given
        return ([""] if self.blank else []) + [str(v) for v in values]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.literal_schema(self.values)


class PageParams(Schema):
    """`limit` and `offset` of every list endpoint; a list that pages differently subclasses
    this and re-declares `limit`."""

    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


def paginate(
    qs: QuerySet[Any], page: PageParams, shape: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """One page of `qs` as `{"count": …, "items": […]}`, the rows passed through `shape`.

    `count` is exact up to `COUNT_CAP` (10,000) and `COUNT_CAP + 1` for any longer list:
    counting a million scoped rows on every page costs more than the page. A search (`q`,
    `pagination.searched`) lists at most `SEARCH_CAP` (1,000) of its matches and counts
    `SEARCH_CAP + 1` when more match. Integrations page on until a page comes back shorter
    than `limit`."""
    rows: Iterable[Any]
    if pagination.is_search(qs):  # a search lists at most SEARCH_CAP of its matches
        cap = pagination.SEARCH_CAP
        ids = pagination.search_ids(qs, cap)
        count = len(ids)
        rows = pagination.rows_of(qs, ids[:cap][page.offset : page.offset + page.limit])
    elif pagination.ranked(qs):  # one sorted read of the ids serves the count and the page
        cap = pagination.COUNT_CAP
        ids = pagination.ranked_ids(qs, max(cap, page.offset + page.limit) + 1)
        count = min(len(ids), cap + 1)
        rows = pagination.rows_of(qs, ids[page.offset : page.offset + page.limit])
    else:
        rows = qs[page.offset : page.offset + page.limit]
        count = bounded_count(qs)
    return {"count": count, "items": [shape(r) for r in rows] if shape else list(rows)}


#: `lookup(raw_key) -> token | None`, registered by `wangge.org` (which keeps the tokens):
#: core must not import the apps above it.
_token_lookup: Callable[[str], Any] | None = None


def register_token_lookup(lookup: Callable[[str], Any]) -> None:
    global _token_lookup
    _token_lookup = lookup


class TokenAuth(HttpBearer):
    """`Authorization: Bearer wg_…` for integrations. The user must be active and allowed the API.

    Only the key's hash is stored; an unknown, revoked or malformed key is simply no login.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if _token_lookup is None:
            raise RuntimeError("No API token lookup registered; is wangge.org installed?")
        found = _token_lookup(token)
        if found is None or not can(found.user, CoreAction.USE_API):
            return None
        request.user = found.user
        return found.user


class ActiveSessionAuth(SessionAuth):
    """The browser's session cookie. CSRF is checked only when the session logs someone in.

    ninja's cookie auth runs the CSRF check before it looks at the session and answers 403
    straight away, so a bearer-token POST from an integration (no cookie, no CSRF token)
    never reached `TokenAuth`. Here a session that fails CSRF simply does not authenticate
    the request: the next scheme gets its turn, and without one the answer is the declared 401.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or not can(user, CoreAction.USE_API):
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request) is not None:
            request._wangge_csrf_failed = True  # type: ignore[attr-defined]
            return None
        return user


def _error(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"detail": detail, "code": code, "errors": errors or []}, status=status
    )


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {
                "loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", [])],
                "msg": str(e.get("msg", "")),
            }
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

    @api.exception_handler(StaleVersion)
    def on_stale(request: HttpRequest, exc: StaleVersion) -> HttpResponse:
        # Another edit was saved since the client read `version`: nothing was written.
        msg = f"The record is at version {exc.current} now; read it again and resend."
        return _error(
            api,
            request,
            409,
            "stale_version",
            "The record was changed by someone else since you read it.",
            [{"loc": ["body", "version"], "msg": msg}],
        )

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, 404, "not_found", "Not found.")

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        # Forbidden answers like missing, so the API never confirms what exists.
        return _error(api, request, 404, "not_found", "Not found.")

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        if getattr(request, "_wangge_csrf_failed", False):
            # Say why a logged-in browser was refused, or the 401 makes no sense to its user.
            return _error(
                api,
                request,
                401,
                "csrf_failed",
                "CSRF check failed: send the X-CSRFToken header or use a bearer token.",
            )
        return _error(api, request, 401, "unauthenticated", "Authentication required.")

    @api.exception_handler(RequestDataTooBig)
    def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        # Bodies that declare their length are refused before this by BodyLimitMiddleware.
        return _error(api, request, 413, str(TOO_LARGE["code"]), str(TOO_LARGE["detail"]))

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return _error(api, request, exc.status_code, "error", str(exc))
