"""The demo county's network: assets per estate with the sites' capacity derived from them,
the county's schedules, a month of inspections (on time, late, overdue, defects announced),
and today's tasks for the technicians."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from wangge.core import clock, events
from wangge.service.events import DefectFound
from wangge.service.models import Asset, Inspection, InspectionSchedule
from wangge.service.services.inspections import inspections_generate
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db


def test_the_demo_county_has_a_maintained_network(
    django_capture_on_commit_callbacks: Any,
) -> None:
    heard: list[DefectFound] = []
    events.subscribe(DefectFound, heard.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            call_command(
                "demo", "--grids", "3", "--crm-scale", "0.02", "--sales-scale", "0.05",
                stdout=StringIO(),
            )  # fmt: skip
    finally:
        events.unsubscribe(DefectFound, heard.append)
    estates = Site.objects.filter(kind="estate", grid__isnull=False)
    assert estates.exists()
    assert not estates.exclude(pk__in=Asset.objects.values("site_id")).exists()
    assert set(Asset.objects.values_list("kind", flat=True)) >= {
        "duct", "optical_receiver", "building_switch", "splitter",
    }  # fmt: skip
    assert InspectionSchedule.objects.count() == len(Asset.Kind.values)
    today = clock.today()
    done = Inspection.objects.filter(done_on__isnull=False)
    assert done.exists() and not done.filter(done_on__gt=today).exists()
    assert Inspection.objects.filter(done_on__isnull=True, due_on__lt=today).exists()
    defects = done.filter(finding="defect")
    assert defects.exists() and len(heard) == defects.count()
    assert Asset.objects.filter(state="faulty").exists()
    # Every site with a working subscriber port shows its free ports.
    with_ports = Site.objects.filter(free_ports__gt=0)
    assert with_ports.exists()
    # The day's job has already run: running it again makes nothing new.
    assert inspections_generate() == 0
