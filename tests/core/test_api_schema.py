"""Schemathesis against the live OpenAPI schema, in-process over WSGI.

Proves two things for every operation: malformed input never produces a 500, and every
answer (status, content type, body) is one the schema declares. Runs in the SQLite pass only:
schemathesis builds every operation's coverage cases while collecting this module (about a
minute of CPU per xdist worker), and the PostgreSQL pass keeps its 500 sources (NUL characters,
out-of-range integers) covered by the apps' own API tests and tests/test_query_strings.py.
The shared schema, rows and token are in `api_world.py`.

Notes on the wiring:

* The schema is loaded at import (fetching `/api/openapi.json` touches no database).
  `schemathesis.pytest.from_fixture` would be the lazy alternative, but with pytest 9.2 it
  fails on `request.node._nodeid`, which pytest no longer has (schemathesis 4.32.5).
* `transaction=True`: the WSGI handler closes "old" connections at every request, and inside
  the test transaction of a plain `django_db` test that closes the connection it runs in.
* Deterministic: fixed schemathesis seed, derandomized Hypothesis, no example database.
  Hypothesis still keeps its own caches under `.hypothesis/` (gitignored).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from schemathesis import Case

from tests.core.api_world import MAX_EXAMPLES, TOKEN_PLACEHOLDER, ApiData, api_data, schema

__all__ = ["api_data"]  # the fixture, imported for pytest


#: Generated ids up to this point are sent to existing rows; larger ones (up to MAX_ID) stay
#: as they are and exercise "not found".
REAL_ROW_IDS = 1000


def _aim(value: Any, ids: list[int]) -> Any:
    # The coverage phase hands path parameters over already serialised, as strings.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        aimed = _aim(int(value), ids)
        return str(aimed) if aimed != int(value) else value
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= REAL_ROW_IDS:
        return ids[value % len(ids)]
    return value


def _aim_at_real_rows(case: Case, data: ApiData) -> None:
    """Point small generated ids at real rows, so detail, PATCH and POST reach real data.

    Only schema-valid ids are replaced, and schemathesis re-checks whether a case is still
    negative after the edit, so negative cases stay negative.
    """
    path_ids = {"grid_id": data.grid_ids, "staff_id": data.staff_ids, **data.crm_ids}
    params = dict(case.path_parameters or {})
    for name, ids in path_ids.items():
        if name in params:
            params[name] = _aim(params[name], ids)
    if params != (case.path_parameters or {}):
        case.path_parameters = params
    if isinstance(case.body, dict):
        body_ids = {
            "region_id": data.region_ids,
            "service_point_id": data.service_point_ids,
            **data.crm_ids,
        }
        body = dict(case.body)
        for name, ids in body_ids.items():
            if name in body:
                body[name] = _aim(body[name], ids)
        if body != case.body:
            case.body = body


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The rows are shared by all examples on purpose: they are what the ids point at. The
    # generation health checks are suppressed because they depend on the machine's load and on
    # which ids earlier tests left (a loaded run failed `filter_too_much` on an operation that
    # passed alone): the test is about the API's answers, not about Hypothesis's throughput.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
        HealthCheck.too_slow,
    ],
)
def test_api_conforms_to_its_schema(case: Case, api_data: ApiData) -> None:
    if case.headers.get("Authorization") == f"Bearer {TOKEN_PLACEHOLDER}":
        case.headers["Authorization"] = f"Bearer {api_data.token}"
    _aim_at_real_rows(case, api_data)
    case.call_and_validate()
