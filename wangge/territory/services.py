"""Every write to sites and grid plans: validated, audited, atomic."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape

from wangge.core import clock, events
from wangge.core.access import is_person
from wangge.core.audit import audit_record, snapshot
from wangge.core.imports.bulk import bulk_audit, bulk_update_changed
from wangge.core.models import AuditEntry
from wangge.core.permissions import can, require
from wangge.core.services import audited_create, audited_delete, audited_update
from wangge.org import services as org_services
from wangge.org.models import Grid, GridMembership, Staff
from wangge.org.roles import Role
from wangge.territory import attributes, compactness, geometry, kml, selectors
from wangge.territory.attributes import BALANCE_ATTRIBUTES
from wangge.territory.events import PlanActivated, SiteMoved
from wangge.territory.messages import geometry_message
from wangge.territory.models import (
    SURVEY_FIELDS,
    SURVEYED_KINDS,
    GridPlan,
    PlanGrid,
    ServiceArea,
    Site,
    SiteAssignment,
    SurveyAssignment,
)
from wangge.territory.permissions import Action as TerritoryAction

log = logging.getLogger(__name__)

#: What the site form (and the site import) edit. Not `customers` (现有用户数): the crm
#: counts it from the customer register (`crm.services.site_counts_refresh`), so a typed
#: figure would disagree with the customers listed at the site.
SITE_FIELDS = (
    "code",
    "kind",
    "name",
    "address",
    "lon",
    "lat",
    "region",
    "estate",
    "households",
    "covered_households",
    "free_ports",
    "delivery_date",
    "occupancy_rate",
    "property_company",
    "property_contact",
    "property_phone",
    "premises_kind",
    *SURVEY_FIELDS,
)
VERIFY_FIELDS = ("verified_at", "verified_by")


def require_plan_editor(actor: Any) -> None:
    if not can(actor, TerritoryAction.EDIT_PLANS):
        raise PermissionDenied(_("只有市场部可以编辑网格方案。"))


# --- sites ------------------------------------------------------------------------------------


def _check_fields(fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(SITE_FIELDS)
    if unknown:
        raise ValueError(f"Fields not editable here: {sorted(unknown)}")


def _require_site_editor(actor: Any, site: Site) -> None:
    """The market department edits any site; a grid manager the sites of their grids."""
    if not can(actor, TerritoryAction.EDIT_SITES, site):
        raise PermissionDenied(_("您没有权限维护这个网格单元。"))


def _require_placement(actor: Any, placement: Placement, estate: Site | None) -> None:
    """A grid manager places sites only in their grids (the rule the imports apply): a
    refusal of the place, not of the site, so it names the field that chose it."""
    if not can(actor, TerritoryAction.EDIT_SITES, placement):
        field = "estate" if estate is not None else "lon"
        raise ValidationError({field: _("位置不在您负责的网格内。")})


def _staff_of(actor: Any) -> Staff | None:
    if not is_person(actor):
        return None
    return Staff.objects.filter(user_id=actor.pk).first()


def site_verification(actor: Any) -> dict[str, Any]:
    """The verification mark: by the actor's staff record (none for the system), now."""
    return {"verified_at": clock.now(), "verified_by": _staff_of(actor)}


def _check_kind(fields: Mapping[str, Any], site: Site | None = None) -> None:
    kind = fields.get("kind", site.kind if site else None)
    estate = fields.get("estate", site.estate if site else None)
    if estate is not None and kind != Site.Kind.BUILDING:
        raise ValidationError({"estate": _("只有楼宇可以属于小区。")})


@transaction.atomic
def site_create(*, actor: Any, verified: bool = False, **fields: Any) -> Site:
    """A new site; its 现有用户数 starts at 0 and is counted by the crm from then on.
    `verified`: entered from a survey on the ground, so verified as of now."""
    require(actor, TerritoryAction.EDIT_SITES)
    _check_fields(fields)
    _check_kind(fields)
    placer = Placer.active()
    site = Site(**fields, **(site_verification(actor) if verified else {}))
    placement = placer.one(lon=site.lon, lat=site.lat, estate=site.estate)
    _require_placement(actor, placement, site.estate)
    site.grid_id = placement.grid_id
    site = audited_create(actor=actor, instance=site)
    sites_place(actor=actor, plan=placer.plan, placed={site.pk: placement})
    return site


@transaction.atomic
def site_update(
    *,
    actor: Any,
    site: Site,
    data: dict[str, Any],
    verified: bool = False,
    version: int | None = None,
) -> Site:
    """Edit a site; a new point or estate places it again, and an estate takes its buildings.
    `verified=True` when the editor has just checked it on the ground; `version`, the one
    the editor loaded (a stale one is refused with `StaleVersion`)."""
    _require_site_editor(actor, site)
    _check_fields(data)
    _check_kind(data, site)
    stamp = site_verification(actor) if verified else {}
    fields = (*SITE_FIELDS, *VERIFY_FIELDS)
    if not {"lon", "lat", "estate"} & set(data):
        site, _changed = audited_update(
            actor=actor, instance=site, data={**data, **stamp}, fields=fields, version=version
        )
        return site
    placer = Placer.active()
    placement = placer.one(
        lon=data.get("lon", site.lon),
        lat=data.get("lat", site.lat),
        estate=data.get("estate", site.estate),
    )
    _require_placement(actor, placement, data.get("estate", site.estate))
    # The grid as stored (the caller's copy may be stale), to announce a real move only.
    was = Site.objects.filter(pk=site.pk).values_list("grid_id", flat=True).first()
    # The grid change is part of the same edit, so it is in the same audit entry.
    site, _changed = audited_update(
        actor=actor,
        instance=site,
        data={**data, **stamp, "grid_id": placement.grid_id},
        fields=(*fields, "grid_id"),
        version=version,
    )
    sites_moved_announce([(site.pk, was, site.grid_id)])
    sites_place(actor=actor, plan=placer.plan, placed={site.pk: placement})
    return site


@transaction.atomic
def site_verify(*, actor: Any, site: Site) -> Site:
    """Confirm the site's survey unchanged on the ground: who and when, nothing else."""
    _require_site_editor(actor, site)
    site, _changed = audited_update(
        actor=actor, instance=site, data=site_verification(actor), fields=VERIFY_FIELDS
    )
    return site


# --- placement: the one rule for where a site goes --------------------------------------------

#: Ids per query: under SQLite's limit on bound parameters.
_ID_BATCH = 900


class Placement(NamedTuple):
    """Where a site goes: its grid, and the active plan's grid recording it (None: outside)."""

    grid_id: int | None
    plan_grid_id: int | None


OUTSIDE = Placement(None, None)


class Placer:
    """Where new or moved sites go: the active plan's grid containing their point, except
    that a building inside an estate goes with its estate, so no estate is ever split.

    Reads and parses the plan's grids once, so one form edit and a 100,000-row import
    place by the same rule at the same cost per site. Without an active plan every point
    lies outside every grid.
    """

    def __init__(self, plan: GridPlan | None) -> None:
        self.plan = plan
        self._grids = list(plan.grids.exclude(boundary=None)) if plan else []
        self._shapes = [shape(g.boundary) for g in self._grids]

    @classmethod
    def active(cls) -> Placer:
        return cls(GridPlan.objects.active())

    def at(self, lon: Sequence[float], lat: Sequence[float]) -> list[Placement]:
        """Placement of each point (WGS-84): the grid containing it, else outside."""
        where = geometry.locate(
            self._shapes, np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        )
        inside = [Placement(g.grid_id, g.pk) for g in self._grids]
        return [inside[w] if w >= 0 else OUTSIDE for w in where.tolist()]

    def of_estates(self, estates: Iterable[Site]) -> dict[int, Placement]:
        """Where each estate is now, by id: where a building placed in it goes."""
        estates = list(estates)
        plan_grids: dict[int, int | None] = {}
        if self.plan is not None:
            ids = [e.pk for e in estates]
            for start in range(0, len(ids), _ID_BATCH):
                plan_grids.update(
                    SiteAssignment.objects.filter(
                        plan=self.plan, site_id__in=ids[start : start + _ID_BATCH]
                    ).values_list("site_id", "plan_grid_id")
                )
        return {e.pk: Placement(e.grid_id, plan_grids.get(e.pk)) for e in estates}

    def one(self, *, lon: float, lat: float, estate: Site | None) -> Placement:
        if estate is not None:
            return self.of_estates([estate])[estate.pk]
        return self.at([lon], [lat])[0]


def sites_place(*, actor: Any, plan: GridPlan | None, placed: Mapping[int, Placement]) -> int:
    """Record where new or moved sites went, and move each moved estate's buildings with it.

    `placed` maps site ids to what `Placer` said; the caller has saved those sites in their
    placement's grid and audits that with the rest of its change. Every building of an
    estate among them follows the estate here, each building whose grid changes with its
    own audit entry, even one the caller placed itself. The active plan's assignments
    record them all. Runs in the caller's transaction; returns how many buildings moved.
    """
    followers, moved = _buildings_follow(actor, placed)
    if plan is not None:
        grids = {site_id: p.plan_grid_id for site_id, p in placed.items()}
        grids.update((site_id, p.plan_grid_id) for site_id, p in followers.items())
        _assignments_replace(plan, grids)
    return moved


def sites_moved_announce(moves: Iterable[tuple[int, int | None, int | None]]) -> None:
    """`site_moved` for each (site id, grid before, grid after) whose grid changed, on
    commit: a form edit, an import, a building following its estate, a plan's activation."""
    events.publish_many(
        SiteMoved(site_id=site_id, from_grid_id=before, to_grid_id=after)
        for site_id, before, after in moves
        if before != after
    )


def _buildings_follow(
    actor: Any, placed: Mapping[int, Placement]
) -> tuple[dict[int, Placement], int]:
    ids = list(placed)
    followers: dict[int, Placement] = {}
    rows: list[tuple[Site, set[str]]] = []
    changes = []
    moves: list[tuple[int, int | None, int | None]] = []
    for start in range(0, len(ids), _ID_BATCH):
        for building in Site.objects.filter(estate_id__in=ids[start : start + _ID_BATCH]):
            assert building.estate_id is not None
            placement = followers[building.pk] = placed[building.estate_id]
            if building.grid_id != placement.grid_id:
                before = snapshot(building)
                moves.append((building.pk, building.grid_id, placement.grid_id))
                building.grid_id = placement.grid_id
                rows.append((building, {"grid"}))
                changes.append((building, before, snapshot(building)))
    bulk_update_changed(Site, rows)
    sites_moved_announce(moves)
    bulk_audit(actor=actor, action=AuditEntry.Action.UPDATE, changes=changes)
    return followers, len(rows)


def _assignments_replace(plan: GridPlan, grids: Mapping[int, int | None]) -> None:
    """The plan's assignment of each site, by id, is now the given plan grid (or none)."""
    ids = list(grids)
    for start in range(0, len(ids), _ID_BATCH):
        batch = ids[start : start + _ID_BATCH]
        SiteAssignment.objects.filter(plan=plan, site_id__in=batch).delete()
    SiteAssignment.objects.bulk_create(
        [SiteAssignment(plan=plan, site_id=s, plan_grid_id=pg) for s, pg in grids.items()],
        batch_size=1000,
    )


# --- plan contents ----------------------------------------------------------------------------


def service_area_geometry() -> Any | None:
    area = ServiceArea.objects.order_by("id").first()
    return shape(area.boundary) if area else None


def unit_arrays() -> dict[str, np.ndarray]:
    """Figures of the units grids are made of, in id order.

    Buildings inside an estate are not units of their own: the estate carries the figures
    and the buildings follow it (see `write_assignments`), so no estate is ever split.
    """
    qs = Site.objects.filter(estate__isnull=True).order_by("id")
    fields = attributes.site_fields()
    rows = list(qs.values_list("id", "lon", "lat", *fields))
    arr = np.array(rows, dtype=np.float64).reshape(-1, 3 + len(fields))
    out = {"id": arr[:, 0].astype(np.int64), "lon": arr[:, 1], "lat": arr[:, 2]}
    out.update((f, arr[:, 3 + n]) for n, f in enumerate(fields))
    out.update((a, fn(out)) for a, fn in attributes.DERIVED.items())
    return out


def plan_refresh_totals(plan: GridPlan) -> None:
    """Per-grid totals and compactness, and the plan's balance summary, from its assignments."""
    sites = unit_arrays()
    index = {int(sid): i for i, sid in enumerate(sites["id"])}
    grids = list(plan.grids.order_by("code"))
    pos = {g.pk: n for n, g in enumerate(grids)}
    assigned = np.full(len(sites["id"]), -1, dtype=np.int64)
    for site_id, pg_id in plan.assignments.values_list("site_id", "plan_grid_id"):
        if pg_id is not None and site_id in index:
            assigned[index[site_id]] = pos[pg_id]
    inside = assigned >= 0
    balance: dict[str, Any] = {}
    for attr in BALANCE_ATTRIBUTES:
        totals = np.bincount(assigned[inside], weights=sites[attr][inside], minlength=len(grids))
        mean = totals.mean() if len(grids) else 0.0
        dev = (totals - mean) / mean if mean else np.zeros_like(totals)
        balance[attr] = {
            "mean": float(mean),
            "max_deviation": float(np.abs(dev).max()) if len(dev) else 0.0,
            "min": float(totals.min()) if len(totals) else 0.0,
            "max": float(totals.max()) if len(totals) else 0.0,
        }
        for g, total, d in zip(grids, totals.tolist(), dev.tolist(), strict=True):
            g.totals[attr] = round(total, 2)
            g.totals[f"{attr}_dev"] = round(d, 4)
    counts = np.bincount(assigned[inside], minlength=len(grids))
    shapes = [shape(g.boundary) if g.boundary else None for g in grids]
    fair = compactness.measure_all(shapes, service_area_geometry())
    for g, c, geom, m in zip(grids, counts.tolist(), shapes, fair, strict=True):
        g.totals["sites"] = c
        g.compactness = geometry.polsby_popper(geom) if geom is not None else None
        # Beside Polsby-Popper, the measure the county outline cannot spoil (compactness.py).
        g.totals["hull_fill"] = round(m.hull_fill, 3) if geom is not None else None
    PlanGrid.objects.bulk_update(grids, ["totals", "compactness"])
    drawn = [m.hull_fill for geom, m in zip(shapes, fair, strict=True) if geom is not None]
    outside_ids = sites["id"][~inside].tolist()
    plan.summary = {
        **plan.summary,
        "balance": balance,
        "grids": len(grids),
        "sites": len(sites["id"]),
        "outside_site_ids": outside_ids[:500],
        "outside_count": len(outside_ids),
        "hull_fill_mean": round(float(np.mean(drawn)), 3) if drawn else None,
    }
    plan.save(update_fields=["summary"])


def _assign_by_polygons(plan: GridPlan) -> dict[str, Any]:
    """Place every site in the plan grid containing it; report sites outside or in two."""
    grids = list(plan.grids.exclude(boundary=None).order_by("code"))
    sites = unit_arrays()
    where = geometry.locate([shape(g.boundary) for g in grids], sites["lon"], sites["lat"])
    write_assignments(plan, sites["id"], [grids[w] if w >= 0 else None for w in where.tolist()])
    return {
        "ambiguous_site_ids": sites["id"][where == geometry.AMBIGUOUS].tolist()[:500],
        "ambiguous_count": int((where == geometry.AMBIGUOUS).sum()),
    }


def write_assignments(
    plan: GridPlan, unit_ids: np.ndarray, plan_grids: Sequence[PlanGrid | None]
) -> None:
    """Replace the plan's assignments: the units as given, buildings with their estate."""
    plan.assignments.all().delete()
    grid_of = dict(zip(unit_ids.tolist(), plan_grids, strict=True))
    rows = [SiteAssignment(plan=plan, site_id=sid, plan_grid=pg) for sid, pg in grid_of.items()]
    children = Site.objects.filter(estate__isnull=False).values_list("id", "estate_id")
    rows += [SiteAssignment(plan=plan, site_id=c, plan_grid=grid_of.get(e)) for c, e in children]
    SiteAssignment.objects.bulk_create(rows, batch_size=2000)


def _findings(plan: GridPlan) -> dict[str, Any]:
    shapes = [
        geometry.GridShape(g.code, g.name, shape(g.boundary))
        for g in plan.grids.exclude(boundary=None).order_by("code")
    ]
    overlaps = geometry.find_overlaps(shapes)
    area = service_area_geometry()
    gaps = geometry.find_gaps(shapes, area) if area is not None and shapes else []

    def row(f: geometry.Finding) -> dict[str, Any]:
        return {
            "kind": f.kind,
            "area_m2": round(f.area_m2),
            "lon": round(f.lon, 6),
            "lat": round(f.lat, 6),
            "codes": list(f.codes),
            "geometry": geometry.rounded(f.geometry) if f.geometry is not None else None,
        }

    return {
        "overlaps": [row(f) for f in overlaps],
        "gaps": [row(f) for f in gaps[:50]],
        "gap_count": len(gaps),
    }


def _validate_plan_geometry(plan: GridPlan) -> None:
    placement = _assign_by_polygons(plan)
    plan.summary = {**plan.summary, **placement, **_findings(plan)}
    plan.save(update_fields=["summary"])
    plan_refresh_totals(plan)


def _from_gcj02(coords: np.ndarray) -> np.ndarray:
    from wangge.core.coords import gcj02_to_wgs84

    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def _grid_by_code() -> dict[str, Grid]:
    return {g.code: g for g in Grid.objects.all()}


@transaction.atomic
def plan_snapshot_current(*, actor: Any, name: str) -> GridPlan:
    """A draft plan holding today's grids as drawn in the organisation (their boundaries)."""
    require_plan_editor(actor)
    plan = audited_create(
        actor=actor,
        instance=GridPlan(name=name, source=GridPlan.Source.CURRENT, created_by=acting_user(actor)),
    )
    PlanGrid.objects.bulk_create(
        [
            PlanGrid(
                plan=plan, grid=g, code=g.code, name=g.name, region=g.region, boundary=g.boundary
            )
            for g in Grid.objects.filter(is_active=True).exclude(boundary=None)
        ]
    )
    _validate_plan_geometry(plan)
    return plan


@transaction.atomic
def plan_import_geojson(
    *, actor: Any, name: str, data: bytes | str, crs: str = "wgs84"
) -> GridPlan:
    """A draft plan from a GeoJSON file of grids. Refuses unreadable or unrepairable input.

    `crs="gcj02"` converts coordinates exported from Chinese map providers to WGS-84 first.
    """
    require_plan_editor(actor)
    try:
        shapes = geometry.read_grid_features(data)
    except geometry.GeometryError as exc:
        raise ValidationError({"file": geometry_message(exc)}) from exc
    return _plan_from_shapes(actor=actor, name=name, shapes=shapes, crs=crs)


def _plan_from_shapes(
    *, actor: Any, name: str, shapes: list[geometry.GridShape], crs: str
) -> GridPlan:
    """The draft of an imported file's grids, its sites placed by the polygons."""
    if crs == "gcj02":
        for s in shapes:
            s.geometry = shapely.transform(s.geometry, _from_gcj02)
    existing = _grid_by_code()
    plan = audited_create(
        actor=actor,
        instance=GridPlan(
            name=name,
            source=GridPlan.Source.IMPORT,
            created_by=acting_user(actor),
            summary={"repaired": [s.code for s in shapes if s.repaired]},
        ),
    )
    PlanGrid.objects.bulk_create(
        [
            PlanGrid(
                plan=plan,
                grid=existing.get(s.code),
                code=s.code,
                name=s.name,
                region=existing[s.code].region if s.code in existing else None,
                boundary=geometry.rounded(s.geometry),
            )
            for s in shapes
        ]
    )
    _validate_plan_geometry(plan)
    return plan


@transaction.atomic
def plan_set_grid_boundary(
    *, actor: Any, plan_grid: PlanGrid, boundary: dict[str, Any]
) -> PlanGrid:
    """Redraw one grid of a draft by hand; sites are placed again and findings refreshed."""
    require_plan_editor(actor)
    plan = plan_grid.plan
    if not plan.editable:
        raise ValidationError(_("只有草稿方案可以修改。"))
    try:
        shapes = geometry.read_grid_features(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": plan_grid.code},
                        "geometry": boundary,
                    }
                ],
            }
        )
    except geometry.GeometryError as exc:
        raise ValidationError({"boundary": geometry_message(exc)}) from exc
    audited_update(
        actor=actor,
        instance=plan_grid,
        data={"boundary": geometry.rounded(shapes[0].geometry)},
        fields=["boundary"],
    )
    _validate_plan_geometry(plan)
    return plan_grid


@transaction.atomic
def plan_move_sites(*, actor: Any, plan: GridPlan, site_ids: Sequence[int], to_code: str) -> int:
    """Move sites to another grid of a draft; boundaries are redrawn from the sites' cells."""
    require_plan_editor(actor)
    if not plan.editable:
        raise ValidationError(_("只有草稿方案可以修改。"))
    target = plan.grids.filter(code=to_code).first()
    if target is None:
        raise ValidationError({"to_code": _("方案中没有这个网格。")})
    # An estate moves whole: picking one of its buildings picks the estate and its buildings.
    picked = set(site_ids)
    estates = set(
        Site.objects.filter(id__in=picked, estate__isnull=False).values_list("estate_id", flat=True)
    )
    units = picked | estates
    family = units | set(Site.objects.filter(estate_id__in=units).values_list("id", flat=True))
    moved = (
        plan.assignments.filter(site_id__in=family)
        .exclude(plan_grid=target)
        .update(plan_grid=target, locked=True)
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=plan,
        before=None,
        after={"moved_sites": list(site_ids)[:200], "to": to_code, "count": moved},
    )
    redraw_from_sites(plan)
    plan_refresh_totals(plan)
    return moved


def redraw_from_sites(plan: GridPlan) -> None:
    """Grid boundaries as the union of their sites' cells, so the plan tiles the area."""
    from wangge.territory.cells import site_cells

    sites = unit_arrays()
    area = service_area_geometry()
    cells = site_cells(sites["lon"], sites["lat"], area)
    by_site = dict(plan.assignments.values_list("site_id", "plan_grid_id"))
    members: dict[int, list[int]] = {}
    for i, sid in enumerate(sites["id"].tolist()):
        pg = by_site.get(sid)
        if pg is not None:
            members.setdefault(pg, []).append(i)
    grids = list(plan.grids.all())
    for g in grids:
        idx = members.get(g.pk, [])
        g.boundary = geometry.rounded(shapely.union_all(cells[idx])) if idx else None
    PlanGrid.objects.bulk_update(grids, ["boundary"])


# --- activation -------------------------------------------------------------------------------


def acting_user(actor: Any) -> Any:
    return actor if is_person(actor) else None


@transaction.atomic
def plan_activate(*, actor: Any, plan: GridPlan, effective_from: dt.date) -> GridPlan:
    """Put a draft in force from `effective_from`; the previous plan retires the same day.

    Grids of the plan become (or update) the organisation's grids; every site's current grid
    follows the plan. Past attribution stays answerable through the retired plan.
    """
    require_plan_editor(actor)
    plan = GridPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.editable:
        raise ValidationError(_("只有草稿方案可以启用。"))
    if plan.running:
        raise ValidationError(_("方案仍在计算中。"))
    if not plan.grids.exists():
        raise ValidationError(_("方案中没有网格。"))
    if plan.summary.get("overlaps") or plan.summary.get("ambiguous_count"):
        raise ValidationError(_("方案中存在重叠的网格，请先修正。"))
    previous = GridPlan.objects.select_for_update().filter(status=GridPlan.Status.ACTIVE).first()
    if previous is not None:
        if previous.effective_from and effective_from <= previous.effective_from:
            raise ValidationError(
                {
                    "effective_from": _("生效日期必须晚于现行方案的生效日期（%(d)s）。")
                    % {"d": previous.effective_from}
                }
            )
        audited_update(
            actor=actor,
            instance=previous,
            data={"status": GridPlan.Status.RETIRED, "effective_to": effective_from},
            fields=["status", "effective_to"],
        )
    existing = _grid_by_code()
    for pg in plan.grids.select_related("region"):
        grid = pg.grid or existing.get(pg.code)
        if grid is None:
            region = pg.region or _nearest_region(pg)
            grid = org_services.grid_create(
                actor=actor, code=pg.code, name=pg.name, region=region, boundary=pg.boundary
            )
        else:
            org_services.grid_update(
                actor=actor,
                grid=grid,
                data={"boundary": pg.boundary, "name": pg.name, "is_active": True},
            )
        if pg.grid_id != grid.pk:
            pg.grid = grid
            pg.save(update_fields=["grid"])
    in_plan = plan.grids.values("grid_id")
    for grid in Grid.objects.filter(is_active=True).exclude(id__in=in_plan):
        org_services.grid_update(actor=actor, grid=grid, data={"is_active": False})
    before = dict(Site.objects.values_list("id", "grid_id"))
    after = dict(plan.assignments.values_list("site_id", "plan_grid__grid_id"))
    changed: Counter[int | None] = Counter()
    for site_id, grid_id in after.items():
        if before.get(site_id) != grid_id:
            changed[grid_id] += 1
    for target in changed:
        ids = [s for s, g in after.items() if g == target and before.get(s) != target]
        for start in range(0, len(ids), 900):
            Site.objects.filter(id__in=ids[start : start + 900]).update(grid_id=target)
    sites_moved_announce((s, before.get(s), grid_id) for s, grid_id in after.items())
    plan_before = snapshot(plan)
    plan.status = GridPlan.Status.ACTIVE
    plan.effective_from = effective_from
    plan.activated_at = clock.now()
    plan.summary = {**plan.summary, "sites_moved_on_activation": sum(changed.values())}
    plan.full_clean()
    plan.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=plan,
        before=plan_before,
        after=snapshot(plan),
    )
    events.publish(
        PlanActivated(
            plan_id=plan.pk, effective_from=effective_from, sites_moved=sum(changed.values())
        )
    )
    return plan


def _nearest_region(pg: PlanGrid) -> Any:
    """A new grid's region: the region its sites mostly belong to (by their current grid)."""
    from wangge.org.models import Region

    votes: Counter[int] = Counter()
    for grid_region, own_region in pg.assignments.values_list(
        "site__grid__region_id", "site__region_id"
    ):
        if grid_region or own_region:
            votes[grid_region or own_region] += 1
    if votes:
        return Region.objects.get(pk=votes.most_common(1)[0][0])
    region = Region.objects.order_by("code").first()
    if region is None:
        raise ValidationError(_("请先建立至少一个区域。"))
    return region


def plan_discard(*, actor: Any, plan: GridPlan) -> None:
    require_plan_editor(actor)
    if not plan.editable:
        raise ValidationError(_("只有草稿方案可以删除。"))
    from wangge.core.services import audited_delete

    audited_delete(actor=actor, instance=plan)


def plan_export_geojson(plan: GridPlan) -> str:
    return json.dumps(selectors.plan_feature_collection(plan), ensure_ascii=False)


@transaction.atomic
def plan_import_kml(*, actor: Any, name: str, data: bytes, crs: str = "wgs84") -> GridPlan:
    """A draft plan from a KML/KMZ file of grids (as `plan_export_kml` writes, or drawn in a
    GIS): the polygons decide where sites go, as with GeoJSON. Site points the file lists
    must be sites we know in grids it draws; where a point's grid differs from the polygon
    holding the site, the summary says so (`kml_sites`) instead of silently choosing."""
    require_plan_editor(actor)
    try:
        parsed = kml.read_kml(data)
    except geometry.GeometryError as exc:
        raise ValidationError({"file": geometry_message(exc)}) from exc
    listed = [s.code for s in parsed.sites]
    twice = sorted(code for code, n in Counter(listed).items() if n > 1)
    if twice:
        raise ValidationError(
            {"file": _("文件中的单元编码重复：%(codes)s") % {"codes": ", ".join(twice[:20])}}
        )
    known: dict[str, int] = {}
    for start in range(0, len(listed), _ID_BATCH):
        batch = listed[start : start + _ID_BATCH]
        known.update(Site.objects.filter(code__in=batch).values_list("code", "id"))
    unknown = [c for c in listed if c not in known]
    if unknown:
        raise ValidationError(
            {
                "file": _("文件中的单元编码在系统中不存在：%(codes)s")
                % {"codes": ", ".join(unknown[:20])}
            }
        )
    plan = _plan_from_shapes(actor=actor, name=name, shapes=parsed.grids, crs=crs)
    if parsed.sites:
        placed = dict(plan.assignments.values_list("site_id", "plan_grid__code"))
        differ = [s.code for s in parsed.sites if placed.get(known[s.code]) != s.grid_code]
        plan.summary = {
            **plan.summary,
            "kml_sites": {
                "listed": len(listed),
                "differ": len(differ),
                "differ_codes": differ[:50],
            },
        }
        plan.save(update_fields=["summary"])
    return plan


def plan_export_kml(
    plan: GridPlan, *, grid_ids: set[int] | None = None, sites: Any | None = None
) -> bytes:
    """The plan as KML 2.2: the grids `grid_ids` allows (None: all), and with `sites` (the
    caller's visible sites) their points in those grids."""
    features = selectors.plan_feature_collection(plan, grid_ids=grid_ids)["features"]
    extra = ("sites", *BALANCE_ATTRIBUTES, "compactness", "hull_fill")
    grids = [
        (
            f["properties"]["code"],
            f["properties"]["name"],
            shape(f["geometry"]),
            {k: f["properties"].get(k) for k in extra},
        )
        for f in features
    ]
    points: list[tuple[str, str, float, float, str]] = []
    if sites is not None:
        codes = {f["properties"]["code"] for f in features}
        points = [
            row
            for row in plan.assignments.filter(plan_grid__isnull=False, site__in=sites)
            .order_by("site__code")
            .values_list("site__code", "site__name", "site__lon", "site__lat", "plan_grid__code")
            if row[4] in codes
        ]
    return kml.write_kml(
        plan.name, grids, points, grids_folder=_("网格"), sites_folder=_("网格单元")
    )


# --- survey assignment (分工逐一拜访) ---------------------------------------------------------


@transaction.atomic
def survey_assign(*, actor: Any, sites: Sequence[Site], assignee: Staff | None) -> int:
    """Give each site's survey to `assignee` (None: take it back), replacing any earlier
    assignment. Only estates and premises are surveyed (a building is part of its estate's
    survey); the assignee must belong to the site's grid and not be an agent. All or
    nothing: one refused site refuses the lot. Returns how many sites changed hands."""
    for site in sites:
        _require_site_editor(actor, site)
        if site.kind not in SURVEYED_KINDS:
            raise ValidationError(_("只有小区和单位需要分派调查：%(name)s") % {"name": site.name})
    if assignee is not None:
        grids = set(
            GridMembership.objects.filter(staff=assignee)
            .exclude(role=Role.AGENT)
            .values_list("grid_id", flat=True)
        )
        outside = [s.name for s in sites if s.grid_id not in grids]
        if outside:
            raise ValidationError(
                _("%(person)s 不是这些单元所在网格的成员：%(sites)s")
                % {"person": assignee.name, "sites": "、".join(outside[:5])}
            )
    by = _staff_of(actor)
    current = {a.site_id: a for a in SurveyAssignment.objects.filter(site__in=sites)}
    changed = 0
    for site in sites:
        now = current.get(site.pk)
        if assignee is None:
            if now is not None:
                audited_delete(actor=actor, instance=now)
                changed += 1
        elif now is None:
            audited_create(
                actor=actor,
                instance=SurveyAssignment(site=site, assignee=assignee, assigned_by=by),
            )
            changed += 1
        elif now.assignee_id != assignee.pk:
            audited_update(
                actor=actor,
                instance=now,
                data={"assignee": assignee, "assigned_by": by, "assigned_at": clock.now()},
                fields=("assignee", "assigned_by", "assigned_at"),
            )
            changed += 1
    return changed
