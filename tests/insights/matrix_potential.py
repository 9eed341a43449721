"""Matrix rows of the market potential page and its API (merged by tests/insights/matrix.py).

The market department reads the county's potential, a grid manager their grids'; the
marketers, technicians and agents have no potential page (the dispatch board shows them
the potential of the opportunities they handle).
"""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld

ALL = ("market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a")
READERS = {"market_admin", "manager_a"}


def ok(who: set[str], status: int = 200, other: int = 404) -> dict[str, int]:
    return {p: status if p in who else other for p in ALL}


PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "insights:potential": (None, ok(READERS)),
}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/insights/potential": (None, ok(READERS)),
}
WRITES: dict[str, str] = {}


def objects(crm: CrmWorld) -> dict[str, Any]:
    return {}
