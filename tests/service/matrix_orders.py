"""Matrix rows of the work-order routes (merged by tests/service/matrix.py)."""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld
from wangge.service.services import orders as svc

ALL = frozenset({"market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a"})
#: Agents see nothing of service.
STAFF = ALL - {"agent_a"}
#: Grid A's order: its team (the market department sees everything).
TEAM_A = frozenset({"market_admin", "manager_a", "account_a", "tech_a"})
#: Those who work orders on a phone (the manager steps in; the market department may).
WORKERS = frozenset({"market_admin", "manager_a", "tech_a"})
MANAGERS = frozenset({"market_admin", "manager_a"})
ADMIN = frozenset({"market_admin"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def ok(who: frozenset[str], status: int = 200) -> dict[str, int]:
    return {p: status if p in who else 404 for p in ALL}


def every(status: int) -> dict[str, int]:
    return dict.fromkeys(ALL, status)


PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "service:order_list": (None, ok(STAFF)),
    "service:my_orders": (None, ok(WORKERS)),
    "service:order_create": (None, ok(STAFF)),
    "service:order_detail": ("work_order", ok(TEAM_A)),
    "service:order_act": ("work_order", every(405)),  # POST only
    "service:order_photo": ("work_order_photo", ok(TEAM_A)),
    "service:board": (None, ok(MANAGERS)),
    "service:sla_dashboard": (None, ok(MANAGERS)),
    "service:sla_edit": ("sla_kind", ok(ADMIN)),
}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/service/work-orders": (None, ok(STAFF)),
    "/api/service/work-orders/{code}": ("work_order", ok(TEAM_A)),
}
_WRITES = "tests/service/test_orders_api.py::test_who_may_write_what"
WRITES: dict[str, str] = {
    "POST /api/service/work-orders": _WRITES,
    "POST /api/service/work-orders/{code}/transition": _WRITES,
    "POST /api/service/work-orders/{code}/photos": (
        "tests/service/test_orders_api.py::test_a_photo_through_the_api_is_checked_stored_and_scoped"
    ),
}


def objects(crm: CrmWorld) -> dict[str, Any]:
    tech = crm.world.user("tech_a")
    order, _ = svc.work_order_create(
        actor=crm.world.user("account_a"),
        kind="repair",
        source="call",
        customer=crm.customers["a_home"],
        description="电视没信号",
    )
    order = svc.work_order_accept(actor=tech, order=order, version=order.version)
    photo = svc.work_order_add_photo(actor=tech, order=order, data=PNG)
    return {"work_order": order.code, "work_order_photo": photo.pk, "sla_kind": "install"}
