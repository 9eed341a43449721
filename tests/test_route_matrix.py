"""The permission matrix over every route: persona × page and persona × API operation.

The routes are discovered from the URL configuration and the OpenAPI schema, so a new page
or operation without an entry here fails the suite. The apps above the information base
keep their entries beside their tests, in `tests/<app>/matrix.py` (`PAGES`, `API_READS`,
`WRITES` and `objects(crm)`, the records their routes are pointed at), merged in here.
Each entry says which object the route is pointed at (grid A's, mostly) and what every
persona gets: 200 for those who may, the same 404 as a missing record for everyone else.
Write operations are covered by the tests named in `WRITES` (they need bodies); the test
checks those tests exist.

`MATRIX_PRINT=1 pytest tests/test_route_matrix.py` prints the statuses seen, to read when a
rule changes on purpose.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config.api import api
from tests.crm.world import CrmWorld, build_crm
from tests.matrix_world import MatrixWorld, app_matrices, build_matrix_world
from tests.personas import PERSONAS, World

ALL = frozenset(PERSONAS)
STAFF = ALL - {"agent_a"}  # the company's own people
GRID_A = frozenset({"market_admin", "manager_a", "account_a", "tech_a", "agent_a"})
TEAM_A = GRID_A - {"agent_a"}  # grid A's own staff: agents work only their own accounts
SELLERS = ALL - {"tech_a"}  # register customers
KEEPERS_A = frozenset({"market_admin", "manager_a", "account_a"})  # a_home: owner, manager
ADMIN = frozenset({"market_admin"})
PLANNERS = frozenset({"market_admin"})
PLAN_READERS = frozenset({"market_admin", "manager_a"})  # managers: their grids' figures
JOB_OWNER = frozenset({"market_admin", "manager_a"})  # the manager's job, and the admin


def ok(who: frozenset[str], status: int = 200) -> dict[str, int]:
    return {p: status if p in who else 404 for p in PERSONAS}


def every(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


#: route name → (object key for its argument, or None; persona → status of a GET).
PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "home": (None, ok(ALL)),
    "login": (None, ok(ALL)),
    "logout": (None, every(405)),  # POST only
    "set_language": (None, every(302)),  # GET just goes back
    "org:grid_list": (None, ok(ALL)),
    "org:grid_create": (None, ok(ADMIN)),
    "org:grid_detail": ("grid", ok(GRID_A)),
    "org:grid_edit": ("grid", ok(ADMIN)),
    "org:staff_list": (None, ok(ALL)),
    "org:staff_create": (None, ok(ADMIN)),
    "org:staff_detail": ("staff", ok(TEAM_A)),
    "org:staff_edit": ("staff", ok(ADMIN)),
    "org:team_list": (None, ok(ALL)),
    "org:team_detail": ("team", ok(TEAM_A)),
    "core:audit_list": (None, ok(ADMIN)),
    "core:notifications": (None, ok(ALL)),  # each person's own inbox
    "core:notifications_read": (None, every(405)),
    "core:import_list": (None, ok(ALL)),
    "core:import_detail": ("import", ok(JOB_OWNER)),
    "core:import_commit": ("import", every(405)),
    "core:import_errors": ("import", every(404)),  # the job has no error sheet
    "core:import_template": ("kind", ok(STAFF)),  # a blank sheet: anyone who reads sites
    "core:export_job": ("export", ok(JOB_OWNER)),
    "core:export_download": ("export", ok(frozenset({"manager_a"}))),  # the requester only
    "core:export": ("kind", ok(STAFF)),
    "territory:map": (None, ok(ALL)),
    "territory:active_geojson": (None, ok(ALL)),
    "territory:site_list": (None, ok(STAFF)),
    "territory:site_detail": ("site", ok(TEAM_A)),
    "territory:plan_list": (None, ok(PLAN_READERS)),
    "territory:plan_auto": (None, ok(PLANNERS)),
    "territory:plan_import": (None, ok(PLANNERS)),
    "territory:plan_import_kml": (None, ok(PLANNERS)),
    "territory:plan_snapshot": (None, every(405)),
    "territory:plan_detail": ("plan_active", ok(PLAN_READERS)),
    "territory:plan_geojson": ("plan_active", ok(PLAN_READERS)),
    "territory:plan_kml": ("plan_active", ok(PLAN_READERS)),
    "territory:plan_compare": ("plan_active", ok(PLANNERS)),
    "territory:plan_activate": ("plan_active", every(405)),
    "territory:plan_delete": ("plan_active", every(405)),
    "territory:plan_editor": ("plan_active", ok(PLANNERS)),
    "territory:plan_frontier_pick": ("plan_active", every(405)),  # POST only
    "crm:customer_list": (None, ok(ALL)),
    "crm:customer_create": (None, ok(SELLERS)),
    "crm:customer_detail": ("customer", ok(TEAM_A)),
    "crm:customer_edit": ("customer", ok(KEEPERS_A)),
    "crm:customer_verify": ("customer", every(405)),
    "crm:organization_edit": ("org", ok(frozenset({"market_admin", "manager_a"}))),
    "crm:note_create": ("customer", every(405)),
    "crm:contact_create": ("customer", ok(KEEPERS_A)),
    "crm:subscription_create": ("customer", ok(KEEPERS_A)),
    "crm:contact_edit": ("contact", ok(KEEPERS_A)),
    "crm:contact_delete": ("contact", every(405)),
    "crm:organization_list": (None, ok(ALL)),
    "crm:organization_create": (None, ok(SELLERS)),
    "crm:subscription_list": (None, ok(ALL)),
    "crm:subscription_edit": ("subscription", ok(KEEPERS_A)),
    "crm:catalogue": (None, ok(ALL)),
    "crm:product_create": (None, ok(ADMIN)),
    "crm:product_edit": ("product", ok(ADMIN)),
    "crm:plan_create": (None, ok(ADMIN)),
    "crm:plan_edit": ("plan", ok(ADMIN)),
    "crm:competitor_create": (None, ok(ADMIN)),
    "crm:competitor_edit": ("competitor", ok(ADMIN)),
    "crm:intel_list": (None, ok(ALL)),
    "crm:intel_detail": ("intel", ok(TEAM_A)),
    "crm:intel_edit": ("intel", ok(KEEPERS_A)),
    "crm:intel_verify": ("intel", every(405)),
    "crm:offer_create": ("intel", ok(KEEPERS_A)),
    "crm:offer_edit": ("offer", ok(KEEPERS_A)),
    "crm:site_market": ("site", ok(TEAM_A)),
    "crm:intel_create": ("site", ok(KEEPERS_A)),
}

#: GET operation path → (object key for its `{…}` parameter, persona → status).
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/me": (None, ok(ALL)),
    "/api/org/staff": (None, ok(ALL)),
    "/api/org/staff/{staff_id}": ("staff", ok(TEAM_A)),
    "/api/org/teams": (None, ok(ALL)),
    "/api/org/regions": (None, ok(ALL)),
    "/api/org/grids": (None, ok(ALL)),
    "/api/org/grids/{grid_id}": ("grid", ok(GRID_A)),
    "/api/territory/grids.geojson": (None, ok(ALL)),
    "/api/territory/sites": (None, ok(STAFF)),
    "/api/territory/sites/{site_id}": ("site", ok(TEAM_A)),
    "/api/territory/plans": (None, ok(PLAN_READERS)),
    "/api/territory/plans/{plan_id}": ("plan_active", ok(PLAN_READERS)),
    "/api/territory/plans/{plan_id}/geojson": ("plan_active", ok(PLAN_READERS)),
    "/api/territory/plans/{plan_id}/kml": ("plan_active", ok(PLAN_READERS)),
    "/api/territory/plans/{plan_id}/frontier": ("plan_active", ok(PLANNERS)),
    "/api/crm/customers": (None, ok(ALL)),
    "/api/crm/customers/{customer_id}": ("customer", ok(TEAM_A)),
    "/api/crm/organizations": (None, ok(ALL)),
    "/api/crm/organizations/{customer_id}": ("org", ok(TEAM_A)),
    "/api/crm/subscriptions": (None, ok(ALL)),
    "/api/crm/subscriptions/{subscription_id}": ("subscription", ok(TEAM_A)),
    "/api/crm/products": (None, ok(ALL)),
    "/api/crm/products/{product_id}": ("product", ok(ALL)),
    "/api/crm/competitor-offers": (None, ok(ALL)),
    "/api/crm/competitor-offers/{offer_id}": ("offer", ok(TEAM_A)),
    "/api/crm/sites/{site_id}/market": ("site", ok(TEAM_A)),
    "/api/crm/intel/{intel_id}": ("intel", ok(TEAM_A)),
}

CRM_WRITES = "tests/crm/test_api_write.py::test_who_may_write_what"
PLAN_WRITES = (
    "tests/territory/test_access.py::test_api_plan_writes_are_for_the_market_department_only"
)
HERE = "tests/test_route_matrix.py::"

#: Write operations: the test that proves who may call each (persona × body).
WRITES: dict[str, str] = {
    "POST /api/org/grids": "tests/core/test_api.py::test_grid_manager_cannot_create_a_grid",
    "PATCH /api/org/grids/{grid_id}": HERE + "test_only_the_market_department_patches_grids",
    "POST /api/territory/plans/auto": HERE + "test_only_planners_start_an_automatic_plan",
    "POST /api/territory/plans/{plan_id}/activate": PLAN_WRITES,
    "POST /api/territory/plans/import/kml": (
        "tests/territory/test_kml_api.py::test_only_planners_import_kml_through_the_api"
    ),
    "POST /api/crm/customers": CRM_WRITES,
    "PATCH /api/crm/customers/{customer_id}": CRM_WRITES,
    "POST /api/crm/organizations": CRM_WRITES,
    "PATCH /api/crm/organizations/{customer_id}": CRM_WRITES,
    "POST /api/crm/customers/{customer_id}/verify": CRM_WRITES,
    "POST /api/crm/customers/{customer_id}/contacts": CRM_WRITES,
    "PATCH /api/crm/contacts/{contact_id}": CRM_WRITES,
    "DELETE /api/crm/contacts/{contact_id}": CRM_WRITES,
    "POST /api/crm/customers/{customer_id}/notes": CRM_WRITES,
    "PATCH /api/crm/subscriptions/{subscription_id}": CRM_WRITES,
    "POST /api/crm/customers/{customer_id}/subscriptions": CRM_WRITES,
    "PATCH /api/crm/competitor-offers/{offer_id}": CRM_WRITES,
    "PATCH /api/crm/intel/{intel_id}": CRM_WRITES,
    "POST /api/crm/sites/{site_id}/intel": CRM_WRITES,
    "POST /api/crm/intel/{intel_id}/verify": CRM_WRITES,
    "POST /api/crm/intel/{intel_id}/offers": CRM_WRITES,
}

#: Pages open without a login (apps add theirs as `PUBLIC`).
PUBLIC = {"login", "logout", "set_language"}

for _app in app_matrices():
    PUBLIC.update(getattr(_app, "PUBLIC", ()))
    PAGES.update(_app.PAGES)
    API_READS.update(_app.API_READS)
    WRITES.update(_app.WRITES)

#: Not ours to check: Django's admin, the API's own schema and docs.
SKIPPED = re.compile(r"^(admin:|api:)")


def _walk(patterns: list[Any], ns: str | None = None) -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, p.namespace or ns)
        elif p.name:
            yield (f"{ns}:{p.name}" if ns else p.name), p


def page_routes() -> list[str]:
    return sorted({n for n, _p in _walk(get_resolver().url_patterns) if not SKIPPED.match(n)})


def api_operations() -> list[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return sorted((m.upper(), path) for path, ops in paths.items() for m in ops)


def test_every_page_has_a_matrix_entry() -> None:
    assert sorted(set(page_routes()) - set(PAGES)) == []
    assert sorted(set(PAGES) - set(page_routes())) == []  # no stale entries either


def test_every_api_operation_has_a_matrix_entry() -> None:
    missing = [
        f"{m} {p}"
        for m, p in api_operations()
        if not (m == "GET" and p in API_READS) and f"{m} {p}" not in WRITES
    ]
    assert missing == []


def test_the_tests_named_for_writes_exist() -> None:
    root = Path(__file__).resolve().parent.parent
    for op, node in WRITES.items():
        path, _sep, name = node.partition("::")
        assert f"def {name}" in (root / path).read_text(), f"{op}: {node} not found"


@pytest.fixture
def matrix(world: World) -> MatrixWorld:
    crm: CrmWorld = build_crm(world)
    return build_matrix_world(crm)


def _url(pattern: URLPattern, name: str, key: str | None, m: MatrixWorld) -> str:
    if key is None:
        return reverse(name)
    (arg,) = pattern.pattern.converters or {"x": None}
    return reverse(name, kwargs={arg: m.ids[key]})


def _check(seen: dict[str, dict[str, int]], expected: dict[str, dict[str, int]]) -> None:
    if os.environ.get("MATRIX_PRINT"):
        for route, row in seen.items():
            print(route, row)
    wrong = [
        f"{route}: {p} got {row[p]}, expected {expected[route][p]}"
        for route, row in seen.items()
        for p in PERSONAS
        if row[p] != expected[route][p]
    ]
    assert not wrong, "\n".join(wrong)


def test_every_page_answers_each_persona_as_the_matrix_says(matrix: MatrixWorld) -> None:
    world = matrix.crm.world
    clients = {p: world.client(p) for p in PERSONAS}
    patterns = dict(_walk(get_resolver().url_patterns))
    seen = {}
    for name, (key, _expected) in PAGES.items():
        url = _url(patterns[name], name, key, matrix)
        seen[name] = {p: clients[p].get(url).status_code for p in PERSONAS}
    _check(seen, {n: e for n, (_k, e) in PAGES.items()})


def test_pages_send_strangers_to_the_login(matrix: MatrixWorld) -> None:
    anonymous = matrix.crm.world.client(None)
    patterns = dict(_walk(get_resolver().url_patterns))
    for name, (key, _expected) in PAGES.items():
        if name in PUBLIC:
            continue
        response = anonymous.get(_url(patterns[name], name, key, matrix))
        assert response.status_code in {302, 405}, name
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login")), name


def test_every_api_read_answers_each_persona_as_the_matrix_says(matrix: MatrixWorld) -> None:
    world = matrix.crm.world
    clients = {p: world.api(p) for p in PERSONAS}
    seen = {}
    for path, (key, _expected) in API_READS.items():
        url = re.sub(r"\{\w+\}", str(matrix.ids[key]), path) if key else path
        seen[path] = {p: clients[p].get(url).status_code for p in PERSONAS}
    _check(seen, {n: e for n, (_k, e) in API_READS.items()})


def test_only_planners_start_an_automatic_plan(matrix: MatrixWorld) -> None:
    world = matrix.crm.world
    for persona in PERSONAS:
        if persona in PLANNERS:
            continue  # a planner's request starts the partitioner: tests/territory/test_plans.py
        response = world.api(persona).post(
            "/api/territory/plans/auto",
            data={"name": "自动", "k": 2, "attributes": ["households"]},
            content_type="application/json",
        )
        assert response.status_code == 404, persona


def test_only_the_market_department_patches_grids(matrix: MatrixWorld) -> None:
    world = matrix.crm.world
    url = f"/api/org/grids/{world.grid_a.pk}"
    for persona in PERSONAS:
        response = world.api(persona).patch(
            url, data={"note": f"{persona} 改"}, content_type="application/json"
        )
        assert response.status_code == (200 if persona in ADMIN else 404), persona
