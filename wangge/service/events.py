"""What the service app announces (published on commit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wangge.core.events import Event, event


@event
@dataclass(frozen=True)
class DefectFound(Event):
    """An inspection found a defect on an asset: a repair work order follows."""

    name = "defect_found"
    inspection_id: int
    asset_id: int
    site_id: int
    severity: str
    note: str
    found_on: dt.date
    inspector_id: int | None


@event
@dataclass(frozen=True)
class WorkOrderDone(Event):
    """A work order was completed on site (performance counts installs, worklog the day)."""

    name = "work_order_done"
    work_order_id: int
    kind: str
    customer_id: int | None
    site_id: int
    grid_id: int | None
    technician_id: int | None
    done_on: dt.date
    on_time: bool
