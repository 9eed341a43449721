"""Matrix rows of the sales record routes (merged by tests/performance/matrix.py).

Pay is private: a sales record of account_a in grid A is seen by its seller, grid A's
manager and the market department; the technician (who sells nothing) has no sales pages.
"""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld
from tests.performance.factories_sales import record

ALL = ("market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a")
#: Those who sell (or lead those who do) have the list, each their own rows.
SELLERS = set(ALL) - {"tech_a"}
#: account_a's sale in grid A.
RECORD_A = {"market_admin", "manager_a", "account_a"}


def ok(who: set[str]) -> dict[str, int]:
    return {p: 200 if p in who else 404 for p in ALL}


PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "performance:sales_list": (None, ok(SELLERS)),
    "performance:sales_detail": ("sales_record", ok(RECORD_A)),
    "performance:sales_cancel": ("sales_record", dict.fromkeys(ALL, 405)),  # POST only
}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/performance/sales": (None, ok(SELLERS)),
    "/api/performance/sales/{record_id}": ("sales_record", ok(RECORD_A)),
}
WRITES: dict[str, str] = {}


def objects(crm: CrmWorld) -> dict[str, Any]:
    return {"sales_record": record(crm, "MATRIX-1", days_ago=2).pk}
