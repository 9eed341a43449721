"""Demo network assets per estate, the county's inspection schedules, and a month of
inspections (most on time, some late, some still open past their day, a few defects).

Assets are written in bulk with one audit entry each (the services cost milliseconds per
record); the capacity of every site with assets is then derived once. The month's
inspections are history, written as rows dated back from the clock's today; defects found
are announced (`DefectFound`) on commit like any other, so the repair side can follow
them. Today's open tasks come from the real generation job at the end.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from django.db import connection, transaction

from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.core.audit import snapshot
from wangge.core.events import publish_many
from wangge.core.imports.bulk import bulk_audit
from wangge.core.models import AuditEntry
from wangge.service.events import DefectFound
from wangge.service.models import Asset, Inspection, InspectionSchedule
from wangge.service.services import inspections as svc
from wangge.service.services.assets_capacity import site_capacity_refresh
from wangge.territory.models import Site

#: kind → (every, unit): building switches and receivers monthly, ducts quarterly.
SCHEDULES = {
    Asset.Kind.BUILDING_SWITCH: (1, "month"),
    Asset.Kind.OPTICAL_RECEIVER: (1, "month"),
    Asset.Kind.ONU: (2, "month"),
    Asset.Kind.SPLITTER: (3, "month"),
    Asset.Kind.ODF: (3, "month"),
    Asset.Kind.DUCT: (3, "month"),
    Asset.Kind.PIPE: (6, "month"),
}
PREFIX = {"duct": "GX", "optical_receiver": "GS", "onu": "ONU", "building_switch": "SW",
          "splitter": "FG", "odf": "ODF", "pipe": "GD"}  # fmt: skip
#: Building switches per estate at full scale (one per building, up to this many).
MAX_SWITCHES = 12
NOTES = ("箱门锁损坏", "光缆外皮破损", "设备风扇异响", "井盖缺失", "尾纤弯折过度", "机箱进水")


def reset_service_assets() -> None:
    with connection.cursor() as cursor:
        for model in (Inspection, InspectionSchedule, Asset):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _near(rng: random.Random, lat: float, lon: float, metres: float) -> tuple[float, float]:
    bearing, d = rng.uniform(0, 2 * math.pi), rng.uniform(0, metres)
    dlat = d * math.cos(bearing) / 111_320
    dlon = d * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _assets(
    rng: random.Random, estates: list[Site], buildings: dict[int, list[Site]], switches: int
) -> list[Asset]:
    today = clock.today()
    out: list[Asset] = []

    def add(site: Site, kind: str, n: int, **fields: object) -> None:
        lat, lon = _near(rng, site.lat, site.lon, 80)
        installed = today - dt.timedelta(days=rng.randint(200, 3000))
        out.append(Asset(code=f"{PREFIX[kind]}-{site.code}-{n:02d}", kind=kind, site=site,
                         grid_id=site.grid_id, lon=lon, lat=lat, installed_on=installed,
                         **fields))  # fmt: skip

    for estate in estates:
        homes = max(estate.households, 20)
        add(estate, "optical_receiver", 1, covered_households=homes)
        add(estate, "duct", 1, building="小区主干")
        if rng.random() < 0.3:
            add(estate, "odf", 1, ports_total=48, ports_used=rng.randint(10, 40))
        blocks = buildings.get(estate.pk) or [estate]
        per = math.ceil(homes / len(blocks))
        for n, block in enumerate(blocks[:switches], start=1):
            total = 24 if per <= 24 else 48
            used = min(total, int(per * rng.uniform(0.2, 0.8)))
            add(block, "building_switch", n, building=block.name[-8:], ports_total=total,
                ports_used=used, covered_households=min(per, total))  # fmt: skip
        add(estate, "splitter", 1, ports_total=32, ports_used=rng.randint(4, 30),
            covered_households=min(homes, 32))  # fmt: skip
        if rng.random() < 0.2:
            add(estate, "pipe", 1, building="地下管井")
    return out


def _history(rng: random.Random, assets: list[Asset], technicians: dict[int, int]) -> int:
    """A month of inspections, dated back from today; returns the defects found."""
    today = clock.today()
    schedules = {s.kind: s for s in InspectionSchedule.objects.filter(grid__isnull=True)}
    now = clock.now()
    rows: list[Inspection] = []
    for a in assets:
        grid_id = a.site.grid_id
        if grid_id is None:
            continue
        s = schedules[a.kind]
        period = (svc.add_period(today, s.every, s.unit) - today).days
        due = today - dt.timedelta(days=rng.randint(1, min(period, 35)))
        roll = rng.random()
        done_on: dt.date | None = due - dt.timedelta(days=rng.randint(0, 3))
        if roll > 0.9:
            done_on = None  # still open past its day
        elif roll > 0.8:
            done_on = min(today, due + dt.timedelta(days=rng.randint(1, 5)))  # late
        tech = technicians.get(grid_id)
        i = Inspection(asset=a, grid_id=grid_id, assignee_id=tech, schedule=s,
                       created_on=due - dt.timedelta(days=svc.LEAD_DAYS), due_on=due)  # fmt: skip
        if done_on is not None:
            lat, lon = _near(rng, a.lat, a.lon, 60 if rng.random() < 0.9 else 900)
            verdict = svc.judge_position(a, lat, lon, rng.choice([8.0, 15.0, 30.0]))
            defect = rng.random() < 0.07
            i.done_on, i.done_by_id, i.lat, i.lon, i.accuracy_m = done_on, tech, lat, lon, 15.0
            i.done_at = now - dt.timedelta(days=(today - done_on).days, hours=rng.randint(1, 6))
            i.verified, i.distance_m, i.flags = verdict[0], verdict[1], verdict[2]
            i.finding = Inspection.Finding.DEFECT if defect else Inspection.Finding.OK
            if defect:
                i.severity = rng.choice(["minor", "major", "major", "critical"])
                i.note = rng.choice(NOTES)
        rows.append(i)
    made = Inspection.objects.bulk_create(rows, batch_size=1000)
    last: dict[int, dt.date] = {}
    faulty: list[int] = []
    found: list[DefectFound] = []
    for i in made:
        if i.done_on is None:
            continue
        last[i.asset_id] = i.done_on
        if i.finding == Inspection.Finding.DEFECT:
            if i.severity in ("major", "critical"):
                faulty.append(i.asset_id)
            found.append(DefectFound(inspection_id=i.pk, asset_id=i.asset_id,
                                     site_id=i.asset.site_id, severity=i.severity, note=i.note,
                                     found_on=i.done_on, inspector_id=i.done_by_id))  # fmt: skip
    # One UPDATE per day (a month of days) instead of a CASE over thousands of rows, which
    # PostgreSQL evaluates row by row.
    by_day: dict[dt.date, list[int]] = {}
    for asset_id, day in last.items():
        by_day.setdefault(day, []).append(asset_id)
    for day, ids in sorted(by_day.items()):
        Asset.objects.filter(pk__in=ids).update(last_inspected_on=day)
    Asset.objects.filter(pk__in=faulty).update(state=Asset.State.FAULTY)
    publish_many(found)
    return len(found)


@transaction.atomic
def load_service_assets(seed: int, scale: float = 1.0) -> dict[str, int]:
    """Assets for every estate in a grid, the county's schedules, a month of inspections
    and today's tasks; returns counts by kind. Below `scale` 1 (a county with a fraction of
    its customers, as the tests load) an estate's buildings get fewer switches (at least one)."""
    rng = random.Random(seed * 7919 + 11)
    estates = list(Site.objects.filter(kind=Site.Kind.ESTATE, grid__isnull=False).order_by("code"))
    buildings: dict[int, list[Site]] = {}
    for b in Site.objects.filter(kind=Site.Kind.BUILDING, estate__isnull=False).order_by("code"):
        buildings.setdefault(b.estate_id, []).append(b)
    switches = max(1, round(MAX_SWITCHES * min(scale, 1.0)))
    assets = Asset.objects.bulk_create(_assets(rng, estates, buildings, switches), batch_size=1000)
    bulk_audit(
        actor=SYSTEM,
        action=AuditEntry.Action.CREATE,
        changes=((a, None, snapshot(a)) for a in assets),
    )
    site_capacity_refresh(site_ids={a.site_id for a in assets})
    for kind, (every, unit) in SCHEDULES.items():
        svc.schedule_create(actor=SYSTEM, kind=kind, every=every, unit=unit)
    technicians = svc.grid_technicians()
    defects = _history(rng, assets, technicians)
    today_tasks = svc.inspections_generate()
    return {
        "assets": len(assets),
        "inspections": Inspection.objects.count(),
        "defects": defects,
        "inspection_tasks_today": today_tasks,
    }
