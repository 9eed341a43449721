"""The information base's new territory routes in the permission matrix (merged by
tests/test_route_matrix.py): site forms and verification, survey assignment."""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld

PERSONAS = ("market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a")
STAFF = frozenset(PERSONAS) - {"agent_a"}
SITE_EDITORS = frozenset({"market_admin", "manager_a"})  # grid A's site: its manager


def ok(who: frozenset[str], status: int = 200) -> dict[str, int]:
    return {p: status if p in who else 404 for p in PERSONAS}


def every(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "territory:site_create": ("site_kind", ok(SITE_EDITORS)),
    "territory:site_edit": ("site", ok(SITE_EDITORS)),
    "territory:site_verify": ("site", every(405)),
    "territory:survey_board": (None, ok(STAFF)),
}

API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/territory/surveys": (None, ok(STAFF)),
}

SITE_WRITES = "tests/territory/test_site_api.py::test_who_may_write_sites_through_the_api"
WRITES: dict[str, str] = {
    "POST /api/territory/sites": SITE_WRITES,
    "PATCH /api/territory/sites/{site_id}": SITE_WRITES,
    "POST /api/territory/sites/{site_id}/verify": SITE_WRITES,
    "POST /api/territory/surveys": SITE_WRITES,
}


def objects(crm: CrmWorld) -> dict[str, Any]:
    return {"site_kind": "estate"}
