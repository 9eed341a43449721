"""The worklog app's rows of the permission matrix (merged by tests/test_route_matrix.py).

A log is a report to one's manager: its author, the manager of its grid and the market
department see it; the field people write logs, managers and the market department review.
"""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld
from wangge.core import clock
from wangge.worklog import services

ALL = frozenset({"market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a"})
#: Everyone but the agent reads log pages (their own logs, or their grids').
READERS = ALL - {"agent_a"}
#: Who files a log (the market department may, holding every right).
WRITERS = frozenset({"market_admin", "account_a", "sales_b", "tech_a"})
REVIEWERS = frozenset({"market_admin", "manager_a"})
#: account_a's log: its author, grid A's manager, the market department.
LOG_A = frozenset({"market_admin", "manager_a", "account_a"})


def ok(who: frozenset[str], status: int = 200) -> dict[str, int]:
    return {p: status if p in who else 404 for p in ALL}


PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "worklog:today": (None, ok(WRITERS)),
    "worklog:log_list": (None, ok(READERS)),
    "worklog:log_detail": ("worklog_log", ok(LOG_A)),
    "worklog:log_review": ("worklog_log", dict.fromkeys(ALL, 405)),
    "worklog:review": (None, ok(REVIEWERS)),
    "worklog:kpi": (None, ok(REVIEWERS)),
}

API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/worklog/logs": (None, ok(READERS)),
    "/api/worklog/logs/{log_id}": ("worklog_log", ok(LOG_A)),
}

_WRITES = "tests/worklog/test_api.py::test_who_may_write_what"
WRITES: dict[str, str] = {
    "POST /api/worklog/logs": _WRITES,
    "PATCH /api/worklog/logs/{log_id}": _WRITES,
    "POST /api/worklog/logs/{log_id}/submit": _WRITES,
    "POST /api/worklog/logs/{log_id}/review": _WRITES,
}


def objects(crm: CrmWorld) -> dict[str, Any]:
    account = crm.world.user("account_a")
    log = services.log_create(actor=account, day=clock.today(), findings="走访", plan="明天")
    log = services.log_submit(actor=account, log=log, version=log.version)
    return {"worklog_log": log.pk}
