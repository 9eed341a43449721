"""Matrix rows of the grid's 包干 technician form (an org route, service's concern: it
decides who gets the grid's new work orders)."""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld

ALL = frozenset({"market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a"})
#: The grid's manager names the technician; the market department may too.
MANAGERS = frozenset({"market_admin", "manager_a"})

PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "org:grid_technician": ("grid", {p: 200 if p in MANAGERS else 404 for p in ALL}),
}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {}
WRITES: dict[str, str] = {}


def objects(crm: CrmWorld) -> dict[str, Any]:
    return {}
