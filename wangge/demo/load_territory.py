"""Demo sites, the county outline as service area, and the current grids as the active plan."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
from django.db import transaction
from shapely.geometry import shape

from wangge.core.access import SYSTEM
from wangge.demo.county import OUTLINE_PATH
from wangge.demo.sites import generate_sites
from wangge.org.models import Grid
from wangge.territory import geometry, services
from wangge.territory.models import ServiceArea, Site

PLAN_EFFECTIVE = dt.date(2026, 1, 1)


@transaction.atomic
def load_territory(seed: int) -> dict[str, int]:
    data = json.loads(OUTLINE_PATH.read_text(encoding="utf-8"))
    feature = data["features"][0]
    ServiceArea.objects.create(
        name=feature["properties"]["name"],
        boundary=feature["geometry"],
        source=feature["properties"].get("source", ""),
    )
    specs = generate_sites(seed)
    grids = list(Grid.objects.exclude(boundary=None).select_related("region").order_by("code"))
    where = geometry.locate(
        [shape(g.boundary) for g in grids],
        np.array([s.lon for s in specs]),
        np.array([s.lat for s in specs]),
    )
    sites = Site.objects.bulk_create(
        [
            Site(
                code=s.code,
                kind=s.kind,
                name=s.name,
                address=s.address,
                lon=s.lon,
                lat=s.lat,
                households=s.households,
                covered_households=s.covered_households,
                customers=s.customers,
                free_ports=s.free_ports,
                delivery_date=s.delivery_date,
                occupancy_rate=Decimal(str(s.occupancy_rate)) if s.occupancy_rate else None,
                property_company=s.property_company,
                property_contact=s.property_contact,
                property_phone=s.property_phone,
                premises_kind=s.premises_kind,
                region=grids[w].region if w >= 0 else None,
            )
            for s, w in zip(specs, where.tolist(), strict=True)
        ],
        batch_size=1000,
    )
    by_code = {s.code: s for s in sites}
    children = [s for s in specs if s.estate]
    for spec in children:
        by_code[spec.code].estate = by_code[spec.estate]  # type: ignore[index]
    Site.objects.bulk_update([by_code[s.code] for s in children], ["estate"], batch_size=1000)
    plan = services.plan_snapshot_current(actor=SYSTEM, name="现行网格（2026 年版）")
    services.plan_activate(actor=SYSTEM, plan=plan, effective_from=PLAN_EFFECTIVE)
    return {"sites": len(sites), "plan": 1}
