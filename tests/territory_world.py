"""Sites and an active plan on top of the persona world: grid A west, grid B east."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import shapely
from shapely.geometry import mapping

from tests.personas import World
from wangge.core.access import SYSTEM
from wangge.org import services as org_services
from wangge.territory import services
from wangge.territory.models import GridPlan, ServiceArea, Site

WEST = shapely.box(111.70, 27.20, 111.72, 27.22)
EAST = shapely.box(111.72, 27.20, 111.74, 27.22)


@dataclass
class Territory:
    world: World
    plan: GridPlan
    sites_a: list[Site]
    sites_b: list[Site]


def build_territory(world: World, per_grid: int = 12) -> Territory:
    ServiceArea.objects.create(name="测试县", boundary=mapping(WEST.union(EAST)))
    for grid, box in ((world.grid_a, WEST), (world.grid_b, EAST)):
        org_services.grid_update(actor=SYSTEM, grid=grid, data={"boundary": mapping(box)})
    sites: dict[str, list[Site]] = {"a": [], "b": []}
    for key, x0 in (("a", 111.701), ("b", 111.721)):
        for i in range(per_grid):
            sites[key].append(
                services.site_create(
                    actor=SYSTEM,
                    code=f"{key.upper()}{i:03d}",
                    kind=Site.Kind.ESTATE,
                    name=f"{key.upper()}小区{i}",
                    lon=round(x0 + (i % 4) * 0.005, 6),
                    lat=round(27.201 + (i // 4) * 0.005, 6),
                    households=100 + 10 * i,
                    covered_households=90,
                )
            )
    # Subscribers as the crm would have counted them (no form or import types them).
    for lst in sites.values():
        for i, site in enumerate(lst):
            Site.objects.filter(pk=site.pk).update(customers=40 + i)
    plan = services.plan_snapshot_current(actor=SYSTEM, name="现行")
    plan = services.plan_activate(actor=SYSTEM, plan=plan, effective_from=dt.date(2026, 1, 1))
    for lst in sites.values():
        for s in lst:
            s.refresh_from_db()
    return Territory(world, plan, sites["a"], sites["b"])
