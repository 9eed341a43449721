"""What grid division announces to higher apps (published on commit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wangge.core.events import Event, event


@event
@dataclass(frozen=True)
class PlanActivated(Event):
    """A grid plan came into force; `sites_moved` sites changed grid with it."""

    name = "plan_activated"
    plan_id: int
    effective_from: dt.date
    sites_moved: int


@event
@dataclass(frozen=True)
class SiteMoved(Event):
    """A site now belongs to another grid (a form, an import or a plan's activation)."""

    name = "site_moved"
    site_id: int
    from_grid_id: int | None
    to_grid_id: int | None
