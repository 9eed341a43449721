"""Matrix rows of the asset register and inspection routes (merged by
tests/service/matrix.py)."""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld
from wangge.core.access import SYSTEM
from wangge.service.models import Asset, Inspection
from wangge.service.services import inspections as svc
from wangge.service.services.assets import asset_create

ALL = frozenset({"market_admin", "manager_a", "account_a", "sales_b", "tech_a", "agent_a"})
#: Agents see nothing of the service.
VIEWERS = ALL - {"agent_a"}
#: Grid A's own staff (an asset or inspection of grid A).
TEAM_A = frozenset({"market_admin", "manager_a", "account_a", "tech_a"})
#: Who registers and edits assets (grid A's for the object routes).
KEEPERS = frozenset({"market_admin", "manager_a", "tech_a"})
#: Who plans inspections and reads coverage.
PLANNERS = frozenset({"market_admin", "manager_a"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def ok(who: frozenset[str], status: int = 200) -> dict[str, int]:
    return {p: status if p in who else 404 for p in ALL}


def every(status: int) -> dict[str, int]:
    return dict.fromkeys(ALL, status)


PAGES: dict[str, tuple[str | None, dict[str, int]]] = {
    "service:asset_list": (None, ok(VIEWERS)),
    "service:asset_create": (None, ok(KEEPERS)),
    "service:asset_geojson": (None, ok(VIEWERS)),
    "service:asset_detail": ("asset", ok(TEAM_A)),
    "service:asset_edit": ("asset", ok(KEEPERS)),
    "service:inspection_list": (None, ok(VIEWERS)),
    "service:inspection_detail": ("inspection_done", ok(TEAM_A)),
    "service:inspection_photo": ("inspection_done", ok(TEAM_A)),
    "service:inspection_reassign": ("inspection_done", every(405)),  # POST only
    "service:schedule_list": (None, ok(PLANNERS)),
    "service:schedule_create": (None, ok(PLANNERS)),
    "service:schedule_edit": ("schedule_a", ok(PLANNERS)),
    "service:coverage": (None, ok(PLANNERS)),
}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {
    "/api/service/assets": (None, ok(VIEWERS)),
    "/api/service/assets/{code}": ("asset_code", ok(TEAM_A)),
    "/api/service/inspections": (None, ok(VIEWERS)),
    "/api/service/inspections/{inspection_id}": ("inspection_done", ok(TEAM_A)),
}
_WRITES = "tests/service/test_assets_api.py::test_who_may_write_assets"
_INSPECT = "tests/service/test_assets_api.py::test_who_may_inspect_and_reassign_by_api"
WRITES: dict[str, str] = {
    "POST /api/service/assets": _WRITES,
    "PATCH /api/service/assets/{code}": _WRITES,
    "POST /api/service/inspections/{inspection_id}/complete": _INSPECT,
    "POST /api/service/inspections/{inspection_id}/reassign": _INSPECT,
}


def objects(crm: CrmWorld) -> dict[str, Any]:
    world = crm.world
    asset = asset_create(
        actor=SYSTEM, site=crm.t.sites_a[0], code="M-SW-1", kind=Asset.Kind.BUILDING_SWITCH,
        ports_total=24, ports_used=3,
    )  # fmt: skip
    schedule = svc.schedule_create(
        actor=world.user("manager_a"), kind=Asset.Kind.BUILDING_SWITCH, grid=world.grid_a,
        every=1, unit="month",
    )  # fmt: skip
    svc.inspections_generate()
    task = Inspection.objects.get(asset=asset)
    svc.inspection_complete(actor=world.user("tech_a"), inspection=task, finding="ok", photo=PNG)
    return {
        "asset": asset.pk,
        "asset_code": asset.code,
        "schedule_a": schedule.pk,
        "inspection_done": task.pk,
    }
