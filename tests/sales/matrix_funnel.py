"""Matrix rows of the sales funnel routes (merged by tests/sales/matrix.py)."""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld

ALL = ("market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a")
#: The funnel is the managers' and the market department's (`Action.FUNNEL`).
ANALYSTS = {"market_admin", "manager_a"}


def _ok() -> dict[str, int]:
    return {p: 200 if p in ANALYSTS else 404 for p in ALL}


PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "sales:funnel": (None, _ok()),
    "sales:funnel_export": (None, _ok()),
}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/sales/funnel": (None, _ok()),
}
WRITES: dict[str, str] = {}


def objects(crm: CrmWorld) -> dict[str, Any]:
    return {}
