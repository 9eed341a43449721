"""The sales app's rows of the permission matrix (merged by tests/test_route_matrix.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.crm.world import CrmWorld
from tests.sales import matrix_funnel, matrix_pages, matrix_promotion
from wangge.sales import services
from wangge.sales.models import Opportunity, Visit

ALL = frozenset({"market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a"})
#: Grid A's team sees its board; the agent only what is theirs; grid B's people nothing.
TEAM_A = frozenset({"market_admin", "manager_a", "account_a", "tech_a"})
#: Those who visit (and the managers who review visits): everyone but the technician.
VISITORS = ALL - {"tech_a"}
#: account_a's own visit: its author, grid A's manager, the market department.
VISIT_A = frozenset({"market_admin", "manager_a", "account_a"})


def ok(who: frozenset[str], status: int = 200) -> dict[str, int]:
    return {p: status if p in who else 404 for p in ALL}


PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "sales:opportunity_list": (None, ok(ALL)),
    "sales:opportunity_detail": ("opportunity", ok(TEAM_A)),
    "sales:visit_list": (None, ok(VISITORS)),
}

API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/sales/opportunities": (None, ok(ALL)),
    "/api/sales/opportunities/{opportunity_id}": ("opportunity", ok(TEAM_A)),
    "/api/sales/visits": (None, ok(VISITORS)),
}

_WRITES = "tests/sales/test_api.py::test_who_may_write_what"
WRITES: dict[str, str] = {
    "POST /api/sales/opportunities": _WRITES,
    "PATCH /api/sales/opportunities/{opportunity_id}": _WRITES,
    "POST /api/sales/opportunities/{opportunity_id}/dispatch": _WRITES,
    "POST /api/sales/opportunities/{opportunity_id}/accept": _WRITES,
    "POST /api/sales/opportunities/{opportunity_id}/return": _WRITES,
    "POST /api/sales/opportunities/{opportunity_id}/win": _WRITES,
    "POST /api/sales/visits": _WRITES,
}


#: The parts of the sales app keep their own rows (one file each, merged here).
PARTS = (matrix_pages, matrix_promotion, matrix_funnel)
#: Pages anyone may open without logging in (the QR codes' lead form).
PUBLIC: set[str] = set()
for _part in PARTS:
    PUBLIC.update(getattr(_part, "PUBLIC", ()))
    PAGES.update(_part.PAGES)
    API_READS.update(_part.API_READS)
    WRITES.update(_part.WRITES)


def objects(crm: CrmWorld) -> dict[str, Any]:
    account = crm.world.user("account_a")
    opp = services.opportunity_create(
        actor=account,
        source=Opportunity.Source.VISIT,
        customer=crm.customers["a_home"],
        kind=Opportunity.Kind.UPLIFT,
        need="想升级到千兆",
        expected_monthly=Decimal("30.00"),
    )
    visit = services.visit_record(
        actor=account,
        kind=Visit.Kind.PHONE,
        outcome=Visit.Outcome.INTERESTED,
        customer=crm.customers["a_home"],
    )
    ids: dict[str, Any] = {"opportunity": opp.pk, "visit": visit.pk}
    for part in PARTS:
        ids.update(part.objects(crm))
    return ids
