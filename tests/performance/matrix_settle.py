"""Matrix rows of the commission routes (merged by tests/performance/matrix.py).

Pay is private: account_a's statement is seen by account_a, grid A's manager and the
market department; the policies are read by everyone; the settlement page is for those who
run or approve it (the market department, grid managers)."""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld
from tests.performance import factories_settle as f
from wangge.core.access import SYSTEM
from wangge.performance import services_settle
from wangge.performance.models import Statement

ALL = ("market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a")
ADMIN = {"market_admin"}
APPROVERS = {"market_admin", "manager_a"}
OWN_A = {"market_admin", "manager_a", "account_a"}


def ok(who: set[str] | tuple[str, ...]) -> dict[str, int]:
    return {p: 200 if p in who else 404 for p in ALL}


def every(status: int) -> dict[str, int]:
    return dict.fromkeys(ALL, status)


PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "performance:policy_list": (None, ok(ALL)),
    "performance:policy_create": (None, ok(ADMIN)),
    "performance:policy_edit": ("commission_policy", ok(ADMIN)),
    "performance:settlement_list": (None, ok(APPROVERS)),
    "performance:settlement_start": (None, every(405)),
    "performance:settlement_detail": ("settlement", ok(APPROVERS)),
    "performance:settlement_rerun": ("settlement", every(405)),
    "performance:settlement_grid_approve": ("settlement", every(405)),
    "performance:settlement_approve": ("settlement", every(405)),
    "performance:settlement_lock": ("settlement", every(405)),
    "performance:adjustment_create": ("settlement", every(405)),
    "performance:payroll_export": ("settlement", ok(ADMIN)),
    "performance:statement_list": (None, ok(ALL)),
    "performance:statement_export": (None, ok(ALL)),
    "performance:statement_detail": ("statement", ok(OWN_A)),
    "performance:statement_pdf": ("statement", ok(OWN_A)),
}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/performance/statements": (None, ok(ALL)),
    "/api/performance/statements/{statement_id}": ("statement", ok(OWN_A)),
    "/api/performance/statements/{statement_id}.pdf": ("statement", ok(OWN_A)),
    "/api/performance/policies": (None, ok(ALL)),
}
WRITES: dict[str, str] = {}


def objects(crm: CrmWorld) -> dict[str, Any]:
    policy = f.policy()
    f.sale(crm, "MX-1", "200.00")
    services_settle.settle_now(actor=SYSTEM, period=f.PERIOD)
    statement = Statement.objects.get(
        settlement__period=f.PERIOD, staff=crm.world.staff["account_a"]
    )
    return {"commission_policy": policy.pk, "settlement": f.PERIOD, "statement": statement.pk}
