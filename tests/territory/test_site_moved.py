"""`site_moved` is announced whenever a site's grid changes: by the form's service, by the
site import (and a moved estate's buildings with it), as by a plan's activation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.imports.sheets import xlsx
from tests.personas import World
from tests.territory_world import Territory, build_territory
from wangge.core import events
from wangge.core.access import SYSTEM
from wangge.core.imports import get_spec
from wangge.core.imports.pipeline import run_import
from wangge.territory import services
from wangge.territory.events import SiteMoved
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db

EAST_LON = 111.735  # inside grid B
Capture = Callable[..., Any]


@pytest.fixture
def t(world: World) -> Territory:
    return build_territory(world, per_grid=4)


@pytest.fixture
def heard() -> Iterator[list[SiteMoved]]:
    got: list[SiteMoved] = []
    events.subscribe(SiteMoved, got.append)
    yield got
    events.unsubscribe(SiteMoved, got.append)


def _building(code: str, estate: Site) -> Site:
    return services.site_create(
        actor=SYSTEM, code=code, kind=Site.Kind.BUILDING, name=f"{code} 栋",
        lon=estate.lon, lat=estate.lat, estate=estate,
    )  # fmt: skip


def _moves(t: Territory, *sites: Site) -> set[SiteMoved]:
    a, b = t.world.grid_a.pk, t.world.grid_b.pk
    return {SiteMoved(site_id=s.pk, from_grid_id=a, to_grid_id=b) for s in sites}


def test_a_site_moved_by_the_form_service_is_announced_with_its_buildings(
    t: Territory, heard: list[SiteMoved], django_capture_on_commit_callbacks: Capture
) -> None:
    estate = t.sites_a[0]
    building = _building("B1", estate)
    with django_capture_on_commit_callbacks(execute=True):
        services.site_update(actor=SYSTEM, site=estate, data={"lon": EAST_LON})
        assert heard == []  # on commit, not before
    assert len(heard) == 2 and set(heard) == _moves(t, estate, building)


def test_a_form_edit_that_keeps_the_grid_announces_nothing(
    t: Territory, heard: list[SiteMoved], django_capture_on_commit_callbacks: Capture
) -> None:
    estate = t.sites_a[0]
    _building("B1", estate)
    with django_capture_on_commit_callbacks(execute=True):
        services.site_update(actor=SYSTEM, site=estate, data={"lon": estate.lon + 0.001})
        services.site_update(actor=SYSTEM, site=estate, data={"name": "改名"})
    assert Site.objects.get(pk=estate.pk).grid_id == t.world.grid_a.pk
    assert heard == []


def _sheet(estate: Site, lon: float) -> bytes:
    return xlsx([["编码", "小区名称", "经度"], [estate.code, estate.name, lon]])


def test_a_site_moved_by_import_is_announced_with_its_buildings(
    t: Territory, heard: list[SiteMoved], django_capture_on_commit_callbacks: Capture
) -> None:
    estate = t.sites_a[0]
    building = _building("B1", estate)
    admin = t.world.user("market_admin")
    with django_capture_on_commit_callbacks(execute=True):
        dry = run_import(get_spec("estates"), admin, _sheet(estate, EAST_LON))
    assert dry.updated == 1 and heard == []  # a dry run moves and announces nothing
    with django_capture_on_commit_callbacks(execute=True):
        report = run_import(get_spec("estates"), admin, _sheet(estate, EAST_LON), commit=True)
    assert report.committed and report.updated == 1
    assert len(heard) == 2 and set(heard) == _moves(t, estate, building)


def test_an_import_that_keeps_the_grid_announces_nothing(
    t: Territory, heard: list[SiteMoved], django_capture_on_commit_callbacks: Capture
) -> None:
    estate = t.sites_a[0]
    _building("B1", estate)
    admin = t.world.user("market_admin")
    with django_capture_on_commit_callbacks(execute=True):
        report = run_import(
            get_spec("estates"), admin, _sheet(estate, estate.lon + 0.001), commit=True
        )
    assert report.committed and report.updated == 1
    assert heard == []
