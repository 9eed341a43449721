"""Writes of the network asset register: register, edit (versioned), the site capacity
derived from it, and the asset's copy of its site's grid (`Asset.grid`) kept in step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from wangge.core.access import scope_for
from wangge.core.permissions import require
from wangge.core.services import audited_create, audited_update
from wangge.service.models import Asset
from wangge.service.permissions_assets import AssetAction
from wangge.service.services.assets_capacity import site_capacity_refresh
from wangge.territory.events import SiteMoved
from wangge.territory.models import Site

#: What forms, the API and imports may set (`last_inspected_on` is the inspections').
ASSET_FIELDS = (
    "code",
    "kind",
    "site",
    "building",
    "lon",
    "lat",
    "ports_total",
    "ports_used",
    "covered_households",
    "installed_on",
    "state",
    "note",
)


def _require_grid(actor: Any, site: Site) -> None:
    if site.grid_id is None:
        # Outside every grid nobody but the market department would see it.
        require(actor, AssetAction.MANAGE)
        if not scope_for(actor).everything:
            raise PermissionDenied(_("该小区尚未划入网格。"))
        return
    require(actor, AssetAction.MANAGE, site.grid_id)


@transaction.atomic
def asset_create(*, actor: Any, site: Site, refresh: bool = True, **fields: Any) -> Asset:
    """A new asset at `site`; without a position it stands at the site's. `refresh=False`
    leaves the site's capacity to the caller (an import refreshes once per chunk)."""
    unknown = set(fields) - set(ASSET_FIELDS)
    if unknown:
        raise ValueError(f"Fields not editable here: {sorted(unknown)}")
    _require_grid(actor, site)
    if fields.get("lon") is None or fields.get("lat") is None:
        fields["lon"], fields["lat"] = site.lon, site.lat
    asset = audited_create(actor=actor, instance=Asset(site=site, grid_id=site.grid_id, **fields))
    if refresh:
        site_capacity_refresh(site_ids=[site.pk])
    return asset


@transaction.atomic
def asset_update(
    *,
    actor: Any,
    asset: Asset,
    data: Mapping[str, Any],
    version: int | None = None,
    refresh: bool = True,
) -> Asset:
    """Edit an asset (`version`: the one the editor read, else 409). Moving it to another
    site needs the right in both grids."""
    _require_grid(actor, asset.site)
    new_site = data.get("site")
    if new_site is not None and new_site.pk != asset.site_id:
        _require_grid(actor, new_site)
    old_site = asset.site_id
    changes = dict(data)
    if new_site is not None:
        # The asset goes with its site's grid (and an unmoved one mends a stale copy).
        changes["grid_id"] = new_site.grid_id
    asset, _changed = audited_update(
        actor=actor,
        instance=asset,
        data=changes,
        fields=(*ASSET_FIELDS, "grid_id"),
        version=version,
    )
    if refresh:
        site_capacity_refresh(site_ids={old_site, asset.site_id})
    return asset


def asset_grids_follow(event: SiteMoved) -> None:
    """`site_moved`: the site's assets now carry its new grid. Subscribed inline, so the
    assets follow in the request (or plan activation) that moved the site, right after its
    commit. Reads the site's grid as it is now rather than the event's, so a late or
    repeated event cannot put an asset back. A derived copy, not an edit: no audit entry
    (the site's move is audited). One statement, on the (site, kind) index: a plan's
    activation sends one event per moved site."""
    site_grid = Site.objects.filter(pk=event.site_id).values("grid_id")[:1]
    Asset.objects.filter(site_id=event.site_id).update(grid_id=Subquery(site_grid))


def asset_grids_refresh() -> int:
    """Every asset whose grid is not its site's gets its site's: one statement, run
    nightly before the inspection tasks are made, for assets written past the services (a
    bulk load) or a move whose handler failed. Returns the assets mended."""
    stale = Asset.objects.filter(
        Q(grid__isnull=True, site__grid__isnull=False)
        | Q(grid__isnull=False, site__grid__isnull=True)
        | (Q(grid__isnull=False, site__grid__isnull=False) & ~Q(grid_id=F("site__grid_id")))
    )
    site_grid = Subquery(Site.objects.filter(pk=OuterRef("site_id")).values("grid_id")[:1])
    return Asset.objects.filter(pk__in=stale.values("pk")).update(grid_id=site_grid)
