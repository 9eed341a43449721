"""Matrix rows of the figures, dashboards and map (merged by tests/insights/matrix.py).

Everyone in a grid reads its figures (the dashboard's home redirects them to it) and their
own; a grid manager their team's; the county and its regions are the market department's;
agents have no dashboards.
"""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld

ALL = ("market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a")
READERS = set(ALL) - {"agent_a"}
GRID_A = {"market_admin", "manager_a", "account_a", "tech_a"}
#: account_a's own figures: theirs, their manager's, the market department's.
PERSON_A = {"market_admin", "manager_a", "account_a"}


def ok(who: set[str], status: int = 200, other: int = 404) -> dict[str, int]:
    return {p: status if p in who else other for p in ALL}


#: The market department sees the county; the others are sent to their own grid's page.
HOME = {**ok(READERS, 302), "market_admin": 200}

PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "insights:dashboard": (None, HOME),
    "insights:region": ("insights_region", ok({"market_admin"})),
    "insights:grid": ("insights_grid", ok(GRID_A)),
    "insights:person": ("insights_person", ok(PERSON_A)),
    "insights:map": (None, ok(READERS)),
    # One app's panel of the dashboard (here care, on one's own dashboard): those who
    # read the dashboard and care in the retention app.
    "insights:headline_panel": ("insights_panel", ok(READERS - {"tech_a"})),
}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/insights/kpis": (None, ok(READERS)),
    "/api/insights/trend": (None, ok(READERS)),
    "/api/insights/ranking": (None, ok(READERS)),
    "/api/insights/people": (None, ok(READERS)),
}
WRITES: dict[str, str] = {}


def objects(crm: CrmWorld) -> dict[str, Any]:
    w = crm.world
    return {
        "insights_region": w.region_a.pk,
        "insights_grid": w.grid_a.pk,
        "insights_person": w.staff["account_a"].pk,
        "insights_panel": "care",
    }
