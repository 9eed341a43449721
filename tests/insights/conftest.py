"""The insights worlds, built once per test module.

Building them (personas, territory, crm, a contact of every kind) through the services was
most of this app's test time, paid by every test. Tests only read them or write on top of
them, so each module builds them once inside a transaction rolled back at the module's end,
and each test runs in its own savepoint on top (pytest-django's `db`), as tests/demo/
test_month.py does with the demo county. `world` here is that module's persona world (it
replaces tests/conftest.py's, built per test).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.insights.world import InsightsWorld, build_insights, rolled_back
from tests.personas import World, build_world


@pytest.fixture(scope="module")
def world_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with rolled_back(django_db_blocker):
        yield build_world()


@pytest.fixture
def world(world_once: World, db: None) -> World:
    # A token made by an earlier test was rolled back with it: make them afresh.
    world_once.tokens.clear()
    return world_once


@pytest.fixture(scope="module")
def _county_once(world_once: World, django_db_blocker: Any) -> Iterator[InsightsWorld]:
    with rolled_back(django_db_blocker):
        yield build_insights(world_once)


@pytest.fixture
def county(_county_once: InsightsWorld, world: World) -> InsightsWorld:
    return _county_once
