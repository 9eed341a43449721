"""Inspection schedules, the daily generation of inspection tasks, and doing one.

Generation is set-based and idempotent: for each active schedule one query finds the
assets falling due within `LEAD_DAYS` that have no open task, and one bulk insert makes
their tasks; the database keeps one open task per asset, so running twice (two
schedulers, a retry) creates nothing new.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from wangge.core import clock
from wangge.core.access import is_person, scope_for
from wangge.core.checkin import distance_m
from wangge.core.events import publish
from wangge.core.permissions import require
from wangge.core.services import audited_create, audited_update
from wangge.org.models import Grid, GridMembership, Staff
from wangge.org.roles import Role
from wangge.service.events import DefectFound
from wangge.service.models import Asset, Inspection, InspectionSchedule
from wangge.service.permissions_assets import AssetAction

#: Tasks are made this many days before the asset falls due, so the day can be planned.
LEAD_DAYS = 7
MAX_PHOTO_BYTES = 5 * 1024 * 1024
#: Photo types by their first bytes: the browser's claimed content type is not trusted.
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
SCHEDULE_FIELDS = ("kind", "grid", "every", "unit", "is_active", "note")


# --- period arithmetic (pure) -----------------------------------------------------------------


def add_period(day: dt.date, every: int, unit: str) -> dt.date:
    """`day` plus `every` days or months (the 31st of a short month is its last day)."""
    if unit == InspectionSchedule.Unit.DAY:
        return day + dt.timedelta(days=every)
    month = day.month - 1 + every
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def sub_period(day: dt.date, every: int, unit: str) -> dt.date:
    if unit == InspectionSchedule.Unit.DAY:
        return day - dt.timedelta(days=every)
    month = day.month - 1 - every
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- schedules --------------------------------------------------------------------------------


def _require_plan(actor: Any, grid: Grid | None) -> None:
    require(actor, AssetAction.PLAN, grid)
    if grid is None and not scope_for(actor).everything:
        raise PermissionDenied(_("全县巡检计划由市场部制定。"))


@transaction.atomic
def schedule_create(
    *,
    actor: Any,
    kind: str,
    every: int,
    unit: str,
    grid: Grid | None = None,
    is_active: bool = True,
    note: str = "",
) -> InspectionSchedule:
    _require_plan(actor, grid)
    return audited_create(
        actor=actor,
        instance=InspectionSchedule(
            kind=kind, grid=grid, every=every, unit=unit, is_active=is_active, note=note
        ),
    )


@transaction.atomic
def schedule_update(
    *,
    actor: Any,
    schedule: InspectionSchedule,
    data: dict[str, Any],
    version: int | None = None,
) -> InspectionSchedule:
    _require_plan(actor, schedule.grid)
    if "grid" in data and data["grid"] != schedule.grid:
        _require_plan(actor, data["grid"])
    schedule, _changed = audited_update(
        actor=actor, instance=schedule, data=data, fields=SCHEDULE_FIELDS, version=version
    )
    return schedule


# --- generation -------------------------------------------------------------------------------


def grid_technicians() -> dict[int, int]:
    """Each grid's named technician (包干): the one org records on the grid while they are
    still its technician, else the one whose primary grid it is, then the longest-standing;
    two queries."""
    named = dict(Grid.objects.filter(technician__isnull=False).values_list("pk", "technician_id"))
    rows = (
        GridMembership.objects.filter(role=Role.TECHNICIAN)
        .order_by("grid_id", "-is_primary", "since", "staff_id")
        .values_list("grid_id", "staff_id")
    )
    out: dict[int, int] = {}
    for grid_id, staff_id in rows:
        out.setdefault(grid_id, staff_id)
        if named.get(grid_id) == staff_id:
            out[grid_id] = staff_id
    return out


def _due_q(schedule: InspectionSchedule, horizon: dt.date) -> Q:
    """Assets whose next inspection (last one, else installation, plus the period) falls
    on or before `horizon`; never inspected nor dated: due now."""
    cutoff = sub_period(horizon, schedule.every, schedule.unit)
    never = Q(last_inspected_on__isnull=True)
    return (
        Q(last_inspected_on__lte=cutoff)
        | (never & Q(installed_on__isnull=True))
        | (never & Q(installed_on__lte=cutoff))
    )


def inspections_generate(*, today: dt.date | None = None) -> int:
    """Make the inspection tasks of every asset falling due (the scheduled job; acts as
    the system). Returns the tasks made (a task another run inserted in the same moment
    is skipped by the database, though still counted here)."""
    today = today or clock.today()
    horizon = today + dt.timedelta(days=LEAD_DAYS)
    technicians = grid_technicians()
    schedules = list(InspectionSchedule.objects.filter(is_active=True).order_by("pk"))
    overridden: dict[str, set[int]] = {}
    for s in schedules:
        if s.grid_id is not None:
            overridden.setdefault(s.kind, set()).add(s.grid_id)
    open_tasks = Inspection.objects.filter(asset_id=OuterRef("pk"), done_on__isnull=True)
    created = 0
    for s in schedules:
        assets = Asset.objects.filter(kind=s.kind, grid__isnull=False).exclude(
            state=Asset.State.RETIRED
        )
        if s.grid_id is not None:
            assets = assets.filter(grid_id=s.grid_id)
        elif s.kind in overridden:
            assets = assets.exclude(grid_id__in=overridden[s.kind])
        rows = (
            assets.filter(_due_q(s, horizon))
            .filter(~Exists(open_tasks))
            .values_list("id", "grid_id", "last_inspected_on", "installed_on")
        )
        tasks = []
        for asset_id, grid_id, last, installed in rows.iterator(chunk_size=2000):
            since = last or installed
            due = add_period(since, s.every, s.unit) if since else today
            tasks.append(
                Inspection(
                    asset_id=asset_id,
                    grid_id=grid_id,
                    assignee_id=technicians.get(grid_id),
                    schedule=s,
                    created_on=today,
                    due_on=max(due, today),
                )
            )
        with transaction.atomic():
            made = Inspection.objects.bulk_create(tasks, batch_size=1000, ignore_conflicts=True)
        created += len(made)
    return created


# --- doing one --------------------------------------------------------------------------------


def photo_type(data: bytes | None) -> str:
    """The photo's type from its content, or a ValidationError naming the limit."""
    if not data:
        return ""
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": _("照片不能超过 5 MB。")})
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    raise ValidationError({"photo": _("照片只能是 JPEG 或 PNG 格式。")})


def judge_position(
    asset: Asset, lat: float | None, lon: float | None, accuracy_m: float | None
) -> tuple[bool, float | None, list[str]]:
    """The check-in's verdict against the asset's position, by the visits' limits
    (`WANGGE_CHECKIN`): verified, distance, and the reasons when not."""
    limits = getattr(settings, "WANGGE_CHECKIN", {})
    if lat is None or lon is None:
        return False, None, [Inspection.Flag.NO_POSITION]
    flags = []
    distance = round(distance_m(asset.lat, asset.lon, lat, lon), 1)
    if distance > limits.get("max_distance_m", 300):
        flags.append(Inspection.Flag.TOO_FAR)
    if accuracy_m is None or accuracy_m > limits.get("max_accuracy_m", 150):
        flags.append(Inspection.Flag.POOR_ACCURACY)
    return not flags, distance, [str(f) for f in flags]


@transaction.atomic
def inspection_complete(
    *,
    actor: Any,
    inspection: Inspection,
    finding: str,
    severity: str = "",
    note: str = "",
    photo: bytes | None = None,
    lat: float | None = None,
    lon: float | None = None,
    accuracy_m: float | None = None,
    version: int | None = None,
) -> Inspection:
    """Record an inspection done on site. A defect marks the asset faulty when it is
    major or critical and announces `DefectFound` (a repair work order follows)."""
    locked = Inspection.objects.select_for_update().select_related("asset").get(pk=inspection.pk)
    # Judged on the row as it is now: a task handed to someone else meanwhile is theirs.
    require(actor, AssetAction.INSPECT, locked)
    if locked.done_on is not None:
        raise ValidationError(_("这次巡检已经完成。"))
    errors: dict[str, str] = {}
    if finding not in Inspection.Finding.values:
        errors["finding"] = _("请选择巡检结果。")
    if finding == Inspection.Finding.DEFECT and severity not in Inspection.Severity.values:
        errors["severity"] = _("发现缺陷时请选择严重程度。")
    if finding == Inspection.Finding.DEFECT and not note.strip():
        errors["note"] = _("发现缺陷时请说明情况。")
    if errors:
        raise ValidationError(errors)
    if finding == Inspection.Finding.OK:
        severity = ""
    kind = photo_type(photo)
    verified, distance, flags = judge_position(locked.asset, lat, lon, accuracy_m)
    staff_id = scope_for(actor).staff_id if is_person(actor) else None
    now = clock.now()
    today = clock.local_date(now)
    inspection, _changed = audited_update(
        actor=actor,
        instance=locked,
        data={
            "finding": finding,
            "severity": severity,
            "note": note.strip()[:500],
            "photo_type": kind,
            "lat": lat,
            "lon": lon,
            "accuracy_m": accuracy_m,
            "distance_m": distance,
            "verified": verified,
            "flags": flags,
            "done_at": now,
            "done_on": today,
            "done_by": Staff.objects.filter(pk=staff_id).first() if staff_id else None,
        },
        fields=(
            "finding",
            "severity",
            "note",
            "photo_type",
            "lat",
            "lon",
            "accuracy_m",
            "distance_m",
            "verified",
            "flags",
            "done_at",
            "done_on",
            "done_by",
        ),
        version=version,
    )
    if photo:
        # The bytes stay out of the audit entry (its `photo_type` says one was taken).
        Inspection.objects.filter(pk=inspection.pk).update(photo=photo)
    asset = locked.asset
    asset_data: dict[str, Any] = {"last_inspected_on": today}
    faulty = severity in (Inspection.Severity.MAJOR, Inspection.Severity.CRITICAL)
    if faulty and asset.state == Asset.State.IN_SERVICE:
        asset_data["state"] = Asset.State.FAULTY
    audited_update(actor=actor, instance=asset, data=asset_data, fields=asset_data.keys())
    if faulty:
        from wangge.service.services.assets_capacity import site_capacity_refresh

        site_capacity_refresh(site_ids=[asset.site_id])
    if finding == Inspection.Finding.DEFECT:
        publish(
            DefectFound(
                inspection_id=inspection.pk,
                asset_id=asset.pk,
                site_id=asset.site_id,
                severity=severity,
                note=inspection.note,
                found_on=today,
                inspector_id=staff_id,
            )
        )
    return inspection


@transaction.atomic
def inspection_reassign(
    *, actor: Any, inspection: Inspection, assignee: Staff, version: int | None = None
) -> Inspection:
    """A manager hands an open task to another technician of the grid."""
    require(actor, AssetAction.PLAN, inspection.grid_id)
    if inspection.done_on is not None:
        raise ValidationError(_("这次巡检已经完成。"))
    member = GridMembership.objects.filter(
        staff=assignee, grid_id=inspection.grid_id, role=Role.TECHNICIAN
    ).exists()
    if not member:
        raise ValidationError({"assignee": _("只能派给该网格的安装维护专员。")})
    inspection, _changed = audited_update(
        actor=actor,
        instance=inspection,
        data={"assignee": assignee},
        fields=("assignee",),
        version=version,
    )
    return inspection
