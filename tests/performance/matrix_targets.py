"""Matrix rows of the targets, rankings and awards routes (merged by tests/performance/matrix.py).

Targets and completion: everyone opens their own (agents carry named targets too); the
market department sets the company's and grids' targets; a grid's manager splits their
grid. Rankings and awards are the company's staff's; the committee is the market department.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.crm.world import CrmWorld
from wangge.performance.models import Award, AwardKind

ALL = ("market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a")


def ok(*who: str) -> dict[str, int]:
    return {p: 200 if p in who else 404 for p in ALL}


EVERYONE = ok(*ALL)
STAFF = ok(*(p for p in ALL if p != "agent_a"))
POST_ONLY = dict.fromkeys(ALL, 405)

PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "performance:targets": (None, EVERYONE),
    "performance:targets_company": (None, ok("market_admin")),
    "performance:targets_grid": ("grid", ok("market_admin", "manager_a")),
    "performance:my_targets": (None, EVERYONE),
    "performance:completion": (None, EVERYONE),
    "performance:rankings": (None, STAFF),
    "performance:awards": (None, STAFF),
    "performance:awards_grant": (None, POST_ONLY),
    "performance:pioneer_nominate": (None, ok("market_admin", "manager_a")),
    "performance:pioneer_decide": ("targets_nomination", POST_ONLY),
    # An award is announced: every member of staff sees it; an agent only their own.
    "performance:award_certificate": ("targets_award", STAFF),
}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/performance/targets": (None, EVERYONE),
    "/api/performance/completion": (None, EVERYONE),
}
WRITES: dict[str, str] = {}


def objects(crm: CrmWorld) -> dict[str, Any]:
    staff = crm.world.staff
    award = Award.objects.create(
        kind=AwardKind.GROWTH_STAR, period="2026-03", staff=staff["account_a"],
        status=Award.Status.AWARDED, figure=Decimal("125.00"), amount=Decimal("500.00"),
    )  # fmt: skip
    nomination = Award.objects.create(
        kind=AwardKind.PIONEER_STAR, period="2026-Q1", staff=staff["account_a"],
        status=Award.Status.NOMINATED, figure=Decimal("70.00"),
    )  # fmt: skip
    return {"targets_award": award.pk, "targets_nomination": nomination.pk}
