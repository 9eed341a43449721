"""Matrix rows of the sales pages routes (merged by tests/sales/matrix.py).

The actions on an opportunity are POST only (a GET is 405 for everyone; the dispatch's GET
is its form, for the dispatchers); who may post
them is proven with bodies in tests/sales/test_pages.py and, for the same services,
tests/sales/test_api.py::test_who_may_write_what.
"""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld

ALL = frozenset({"market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a"})
#: Those who visit: everyone but the technician (the market department plans too).
VISITORS = ALL - {"tech_a"}
#: account_a's own visit: its author, grid A's manager, the market department.
VISIT_A = frozenset({"market_admin", "manager_a", "account_a"})
#: The dispatch board: who dispatches.
DISPATCHERS = frozenset({"market_admin", "manager_a"})


def ok(who: frozenset[str], status: int = 200) -> dict[str, int]:
    return {p: status if p in who else 404 for p in ALL}


POST_ONLY = dict.fromkeys(ALL, 405)

PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "sales:opportunity_create": (None, ok(ALL)),
    "sales:opportunity_move": ("opportunity", POST_ONLY),
    "sales:opportunity_lose": ("opportunity", POST_ONLY),
    "sales:opportunity_win": ("opportunity", POST_ONLY),
    "sales:opportunity_accept": ("opportunity", POST_ONLY),
    "sales:opportunity_return": ("opportunity", POST_ONLY),
    # GET: its dispatch form (a board row's fragment, or a page); the POST is the action.
    "sales:opportunity_dispatch": ("opportunity", ok(DISPATCHERS)),
    # account_a's own: its assignee, grid A's manager, the market department.
    "sales:opportunity_edit": ("opportunity", ok(VISIT_A)),
    "sales:board": (None, ok(DISPATCHERS)),
    "sales:visit_create": (None, ok(VISITORS)),
    "sales:visit_detail": ("visit", ok(VISIT_A)),
    "sales:day_plan": (None, ok(VISITORS)),
}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {}
WRITES: dict[str, str] = {}


def objects(crm: CrmWorld) -> dict[str, Any]:
    return {}
