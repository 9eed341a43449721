"""Inspection schedules, the daily generation of tasks (idempotent, assigned to the grid's
technician), doing one on site, a defect's announcement, and coverage."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.service.conftest_assets import *  # noqa: F403
from tests.service.conftest_assets import JPEG, PNG, AssetWorld
from wangge.core import events, schedule
from wangge.core.access import SYSTEM
from wangge.core.models import Notification
from wangge.service import selectors_assets as selectors
from wangge.service.events import DefectFound
from wangge.service.models import Asset, Inspection, InspectionSchedule
from wangge.service.services import inspections as svc
from wangge.service.services.assets import asset_update
from wangge.service.services.inspections_alerts import notify_overdue_inspections

#: A Wednesday, far from month ends: the arithmetic below is read off it.
DAY = dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def on_day(time_machine: Any) -> dt.date:
    time_machine.move_to(DAY, tick=False)
    return DAY.date()


@pytest.fixture
def plans(assets: AssetWorld) -> dict[str, InspectionSchedule]:
    return {
        "switch": svc.schedule_create(
            actor=SYSTEM, kind=Asset.Kind.BUILDING_SWITCH, every=1, unit="month"
        ),
        "duct": svc.schedule_create(actor=SYSTEM, kind=Asset.Kind.DUCT, every=3, unit="month"),
    }


def test_period_arithmetic_keeps_month_ends() -> None:
    assert svc.add_period(dt.date(2026, 1, 31), 1, "month") == dt.date(2026, 2, 28)
    assert svc.add_period(dt.date(2026, 11, 30), 3, "month") == dt.date(2027, 2, 28)
    assert svc.sub_period(dt.date(2026, 3, 31), 1, "month") == dt.date(2026, 2, 28)
    assert svc.sub_period(dt.date(2026, 1, 15), 2, "month") == dt.date(2025, 11, 15)
    assert svc.add_period(dt.date(2026, 1, 1), 10, "day") == dt.date(2026, 1, 11)


def test_generation_is_idempotent_and_assigns_the_grids_technician(
    assets: AssetWorld, plans: Any, on_day: dt.date
) -> None:
    made = svc.inspections_generate()
    # Both switches and the duct were never inspected: due today. The ONU has no schedule.
    assert made == 3
    assert svc.inspections_generate() == 0
    assert svc.inspections_generate(today=on_day + dt.timedelta(days=5)) == 0
    tasks = {i.asset.code: i for i in Inspection.objects.select_related("asset")}
    assert set(tasks) == {"SW-A-001", "SW-B-001", "GX-A-001"}
    assert tasks["SW-A-001"].assignee == assets.world.staff["tech_a"]
    assert tasks["SW-A-001"].due_on == on_day
    assert tasks["SW-B-001"].assignee is None  # grid B has no technician
    assert tasks["SW-B-001"].grid_id == assets.world.grid_b.pk


def test_a_retired_asset_gets_no_task(assets: AssetWorld, plans: Any, on_day: dt.date) -> None:
    sw = assets.a["switch_b"]
    asset_update(actor=SYSTEM, asset=sw, data={"state": "retired"}, version=sw.version)
    svc.inspections_generate()
    assert not Inspection.objects.filter(asset=sw).exists()


def test_next_task_comes_a_period_after_the_last_inspection(
    assets: AssetWorld, plans: Any, time_machine: Any, on_day: dt.date
) -> None:
    svc.inspections_generate()
    task = Inspection.objects.get(asset=assets.a["switch_a"])
    svc.inspection_complete(
        actor=assets.world.user("tech_a"), inspection=task, finding="ok", version=task.version
    )
    # Done on 11 March, monthly: the next is due 11 April, made a week ahead (4 April).
    assert svc.inspections_generate(today=dt.date(2026, 4, 3)) == 0
    assert svc.inspections_generate(today=dt.date(2026, 4, 4)) == 1
    nxt = Inspection.objects.get(asset=assets.a["switch_a"], done_on__isnull=True)
    assert nxt.due_on == dt.date(2026, 4, 11)


def test_a_grid_schedule_overrides_the_countywide_one(
    assets: AssetWorld, plans: Any, on_day: dt.date
) -> None:
    w = assets.world
    svc.schedule_create(
        actor=w.user("manager_a"), kind=Asset.Kind.BUILDING_SWITCH, grid=w.grid_a,
        every=10, unit="day",
    )  # fmt: skip
    svc.inspections_generate()
    task = Inspection.objects.get(asset=assets.a["switch_a"])
    assert task.schedule.grid_id == w.grid_a.pk  # type: ignore[union-attr]
    assert Inspection.objects.get(asset=assets.a["switch_b"]).schedule == plans["switch"]


def test_who_plans_what(assets: AssetWorld) -> None:
    w = assets.world
    with pytest.raises(PermissionDenied):  # county-wide: the market department's
        svc.schedule_create(actor=w.user("manager_a"), kind="onu", every=1, unit="month")
    with pytest.raises(PermissionDenied):
        svc.schedule_create(
            actor=w.user("manager_a"), kind="onu", grid=w.grid_b, every=1, unit="month"
        )
    for p in ("tech_a", "account_a", "agent_a"):
        with pytest.raises(PermissionDenied):
            svc.schedule_create(actor=w.user(p), kind="onu", grid=w.grid_a, every=1, unit="month")
    s = svc.schedule_create(actor=w.user("market_admin"), kind="onu", every=2, unit="month")
    with pytest.raises(ValidationError):  # one county-wide schedule per kind
        svc.schedule_create(actor=SYSTEM, kind="onu", every=3, unit="month")
    svc.schedule_update(actor=SYSTEM, schedule=s, data={"every": 6}, version=s.version)
    assert InspectionSchedule.objects.get(pk=s.pk).every == 6


def _task(assets: AssetWorld, key: str = "switch_a") -> Inspection:
    svc.inspections_generate()
    return Inspection.objects.get(asset=assets.a[key], done_on__isnull=True)


def test_the_assignee_does_it_on_site(assets: AssetWorld, plans: Any, on_day: dt.date) -> None:
    w = assets.world
    task = _task(assets)
    sw = assets.a["switch_a"]
    done = svc.inspection_complete(
        actor=w.user("tech_a"), inspection=task, finding="ok", photo=JPEG,
        lat=sw.lat + 0.0005, lon=sw.lon, accuracy_m=20, version=task.version,
    )  # fmt: skip
    assert done.done_on == on_day and done.verified
    assert done.distance_m is not None and 50 < done.distance_m < 60
    assert done.done_by == w.staff["tech_a"]
    assert bytes(Inspection.objects.get(pk=task.pk).photo or b"") == JPEG
    assert Asset.objects.get(pk=sw.pk).last_inspected_on == on_day
    with pytest.raises(ValidationError):  # done once
        svc.inspection_complete(actor=w.user("tech_a"), inspection=task, finding="ok")


def test_a_far_check_in_is_kept_but_flagged(
    assets: AssetWorld, plans: Any, on_day: dt.date
) -> None:
    task = _task(assets)
    done = svc.inspection_complete(
        actor=assets.world.user("tech_a"), inspection=task, finding="ok",
        lat=27.3, lon=111.9, accuracy_m=500,
    )  # fmt: skip
    assert not done.verified and set(done.flags) == {"too_far", "poor_accuracy"}
    task2 = _task(assets, "duct_a")
    assert svc.inspection_complete(
        actor=assets.world.user("tech_a"), inspection=task2, finding="ok"
    ).flags == ["no_position"]


def test_only_the_assignee_or_the_grids_manager_inspects(
    assets: AssetWorld, plans: Any, on_day: dt.date
) -> None:
    w = assets.world
    task = _task(assets)
    for p in ("account_a", "sales_b", "agent_a"):
        with pytest.raises(PermissionDenied):
            svc.inspection_complete(actor=w.user(p), inspection=task, finding="ok")
    assert svc.inspection_complete(actor=w.user("manager_a"), inspection=task, finding="ok")


def test_bad_findings_and_photos_write_nothing(
    assets: AssetWorld, plans: Any, on_day: dt.date
) -> None:
    task = _task(assets)
    tech = assets.world.user("tech_a")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"finding": "maybe"}, "finding"),
        ({"finding": "defect", "note": "门坏了"}, "severity"),
        ({"finding": "defect", "severity": "major"}, "note"),
        ({"finding": "ok", "photo": b"GIF89a" + b"\x00" * 10}, "photo"),
        ({"finding": "ok", "photo": PNG + b"\x00" * (5 * 1024 * 1024)}, "photo"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as err:
            svc.inspection_complete(actor=tech, inspection=task, **kwargs)
        assert field in err.value.message_dict, kwargs
    task.refresh_from_db()
    assert task.done_on is None and task.version == 1


def test_a_defect_is_announced_once_committed_and_marks_the_asset_faulty(
    assets: AssetWorld, plans: Any, on_day: dt.date, django_capture_on_commit_callbacks: Any
) -> None:
    heard: list[DefectFound] = []
    events.subscribe(DefectFound, heard.append)
    try:
        task = _task(assets)
        with django_capture_on_commit_callbacks(execute=True):
            svc.inspection_complete(
                actor=assets.world.user("tech_a"), inspection=task, finding="defect",
                severity="major", note="交换机风扇不转",
            )  # fmt: skip
        task2 = _task(assets, "duct_a")
        with django_capture_on_commit_callbacks(execute=True):
            svc.inspection_complete(
                actor=assets.world.user("tech_a"), inspection=task2, finding="ok"
            )
    finally:
        events.unsubscribe(DefectFound, heard.append)
    assert len(heard) == 1
    ev = heard[0]
    sw = assets.a["switch_a"]
    assert (ev.inspection_id, ev.asset_id, ev.site_id) == (task.pk, sw.pk, sw.site_id)
    assert (ev.severity, ev.note, ev.found_on) == ("major", "交换机风扇不转", on_day)
    assert ev.inspector_id == assets.world.staff["tech_a"].pk
    assert Asset.objects.get(pk=sw.pk).state == Asset.State.FAULTY


def test_my_inspections_today_and_coverage(
    assets: AssetWorld, plans: Any, time_machine: Any, on_day: dt.date
) -> None:
    w = assets.world
    svc.inspections_generate()
    tech = w.user("tech_a")
    assert {i.asset.code for i in selectors.my_today(user=tech)} == {"SW-A-001", "GX-A-001"}
    assert list(selectors.my_today(user=w.user("manager_a"))) == []
    task = Inspection.objects.get(asset=assets.a["switch_a"])
    svc.inspection_complete(actor=tech, inspection=task, finding="ok")
    time_machine.move_to(DAY + dt.timedelta(days=3), tick=False)
    rows = {
        c.grid.code: c
        for c in selectors.coverage(
            user=w.user("market_admin"), start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)
        )
    }
    a = rows["A"]
    assert (a.due, a.on_time, a.late, a.overdue) == (2, 1, 0, 1)
    assert a.rate == 0.5
    assert set(rows) == {"A", "B"}
    mine = selectors.coverage(user=w.user("manager_a"), start=on_day, end=on_day)
    assert [c.grid.code for c in mine] == ["A"]


def test_the_job_is_registered_daily() -> None:
    job = schedule.jobs()["service.generate_inspections"]
    assert job.monthly_on is None


def test_scope_predicates_agree_with_the_querysets(assets: AssetWorld, on_day: dt.date) -> None:
    """`visible(scope, obj)` and `visible_to_scope(scope)` agree for every scope that
    differs in what these rules read (assets, schedules county-wide and per grid,
    inspections assigned or not): each subset of the grids, with and without own records
    only, as nobody, an assignee or another person, and everything. Enumerated, not
    sampled: about 25 scopes, fewer queries than the 120 random examples, and all of them."""
    from itertools import product

    from wangge.core.access import Scope

    w = assets.world
    svc.schedule_create(actor=SYSTEM, kind="building_switch", every=1, unit="month")
    svc.schedule_create(actor=SYSTEM, kind="duct", grid=w.grid_a, every=3, unit="month")
    svc.inspections_generate()
    a, b = w.grid_a.pk, w.grid_b.pk
    grid_sets = [frozenset(g) for g in ((), (a,), (b,), (a, b))]
    assignees = set(Inspection.objects.exclude(assignee=None).values_list("assignee", flat=True))
    assert assignees  # "mine" is exercised
    staff = [None, *sorted(assignees), w.staff["manager_a"].pk]
    scopes = [
        Scope(user_id=1, staff_id=s, role="technician", grid_ids=g, own_records_only=own)
        for s, g, own in product(staff, grid_sets, (False, True))
    ] + [Scope(user_id=1, everything=True)]
    for model, related in ((Asset, ("site",)), (InspectionSchedule, ()), (Inspection, ())):
        qs = model.objects.all()
        rows = list(model.objects.select_related(*related))
        assert rows
        for scope in scopes:
            by_query = set(qs.visible_to_scope(scope).values_list("pk", flat=True))
            assert by_query == {r.pk for r in rows if type(qs).visible(scope, r)}, (model, scope)


def test_a_defect_opens_one_repair_order_for_the_grids_technician(
    assets: AssetWorld, plans: Any, on_day: dt.date, django_capture_on_commit_callbacks: Any
) -> None:
    from wangge.service.models import WorkOrder
    from wangge.service.services.orders import repair_for_defect

    w = assets.world
    task = _task(assets)
    with django_capture_on_commit_callbacks(execute=True):
        svc.inspection_complete(
            actor=w.user("tech_a"), inspection=task, finding="defect", severity="critical",
            note="光缆被挖断",
        )  # fmt: skip
    repair = WorkOrder.objects.get(source_ref=f"inspection:{task.pk}")
    assert repair.kind == "repair"
    assert repair.source == WorkOrder.Source.INSPECTION
    assert repair.site_id == assets.a["switch_a"].site_id
    assert repair.assignee_id == w.staff["tech_a"].pk
    assert "光缆被挖断" in repair.description
    # The event delivered again (a retry) opens nothing new.
    again = repair_for_defect(
        inspection_id=task.pk, asset_id=task.asset_id, site_id=repair.site_id,
        severity="critical", note="光缆被挖断",
    )  # fmt: skip
    assert again.pk == repair.pk
    assert WorkOrder.objects.filter(source_ref=f"inspection:{task.pk}").count() == 1
    page = w.client("tech_a").get(reverse("service:inspection_detail", args=[task.pk]))
    assert f'data-testid="repair">{repair.code}<' in page.content.decode()


def test_overdue_inspections_are_told_once_a_day_per_person_and_grid(
    assets: AssetWorld,
    plans: Any,
    on_day: dt.date,
    time_machine: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    svc.inspections_generate()  # grid A: the switch and the duct (tech_a); grid B: a switch
    assert notify_overdue_inspections() == 0  # due today is not late
    time_machine.move_to(DAY + dt.timedelta(days=2), tick=False)
    for _ in range(2):  # the scheduler may run twice: still one note each
        with django_capture_on_commit_callbacks(execute=True):
            assert notify_overdue_inspections() == 3
    notes = Notification.objects.filter(kind="service.inspection_overdue")
    user = assets.world.user
    titles = dict(notes.values_list("recipient_id", "title"))
    assert titles == {
        user("tech_a").pk: "你有 2 个逾期巡检",
        user("manager_a").pk: f"网格 {assets.world.grid_a.name} 有 2 个逾期巡检",
        user("manager_b").pk: f"网格 {assets.world.grid_b.name} 有 1 个逾期巡检",
    }
    # The next morning they are told again (the backlog is still there).
    time_machine.move_to(DAY + dt.timedelta(days=3), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify_overdue_inspections()
    assert notes.count() == 6
    assert "service.inspections_overdue" in schedule.jobs()
