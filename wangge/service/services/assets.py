"""Writes of the network asset register: register, edit (versioned), and the site
capacity derived from it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.core.access import scope_for
from wangge.core.permissions import require
from wangge.core.services import audited_create, audited_update
from wangge.service.models import Asset
from wangge.service.permissions_assets import AssetAction
from wangge.service.services.assets_capacity import site_capacity_refresh
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
    asset = audited_create(actor=actor, instance=Asset(site=site, **fields))
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
    asset, _changed = audited_update(
        actor=actor, instance=asset, data=dict(data), fields=ASSET_FIELDS, version=version
    )
    if refresh:
        site_capacity_refresh(site_ids={old_site, asset.site_id})
    return asset
