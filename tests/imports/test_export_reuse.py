"""One running export per person and kind: a repeat request gets the job already running."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.personas import World
from tests.territory_world import Territory, build_territory
from wangge.core import clock
from wangge.core.imports import get_spec
from wangge.core.imports.exports import export_run, export_start
from wangge.core.models import ExportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory(world: World, settings: Any) -> Territory:
    settings.WANGGE_EXPORT_INLINE_ROWS = 2
    return build_territory(world, per_grid=4)


def test_a_repeat_request_reuses_the_running_job_and_a_later_one_starts_anew(
    territory: Territory,
) -> None:
    admin = territory.world.user("market_admin")
    spec = get_spec("estates")
    first = export_start(admin, spec, {"q": "A"})
    assert export_start(admin, spec, {"q": "A"}).pk == first.pk
    assert export_start(admin, spec, {"q": "B"}).pk == first.pk  # one at a time, whatever filter
    other_kind = export_start(admin, get_spec("grids"), {})
    other_person = export_start(territory.world.user("manager_a"), spec, {})
    assert len({first.pk, other_kind.pk, other_person.pk}) == 3
    export_run(first.pk)
    assert export_start(admin, spec, {"q": "A"}).pk != first.pk  # done: a new one


def test_a_job_queued_long_ago_no_longer_holds_the_place(territory: Territory) -> None:
    admin = territory.world.user("market_admin")
    spec = get_spec("estates")
    stuck = export_start(admin, spec, {})
    ExportJob.objects.filter(pk=stuck.pk).update(created_at=clock.now() - dt.timedelta(hours=2))
    assert export_start(admin, spec, {}).pk != stuck.pk


def test_the_export_link_clicked_twice_leads_to_one_job(territory: Territory) -> None:
    client = territory.world.client("market_admin")
    first = client.get("/exports/estates/")
    second = client.get("/exports/estates/")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert ExportJob.objects.count() == 1
