from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tests.personas import World, build_world
from wangge.core import clock, workdays


def next_workday_after(day: dt.date) -> dt.date:
    """A working day after `day` whose previous working day is also after it (so a test
    has a clean 'yesterday' and 'today' of its own, whatever today's date is)."""
    return workdays.add_workdays(day, 2)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture(scope="module")
def _built_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The persona world, built once per module (it was most of each test's time) inside a
    transaction rolled back at the module's end; each test runs in a savepoint on top of it
    (pytest-django's `db`), so what a test writes is gone for the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(_built_world: World, db: None) -> World:
    """A copy of the objects as built: a test that changes or refreshes one in memory (a
    version, a cached scope) leaves the next test the world as the database has it again."""
    return copy.deepcopy(_built_world)


@pytest.fixture
def workday(time_machine: Any) -> Iterator[dt.date]:
    """Travel to 18:00 on a working day in the near future; yields that day."""
    day = next_workday_after(clock.today())
    time_machine.move_to(at(day, 18), tick=False)
    yield day


@pytest.fixture
def users(world: World) -> dict[str, Any]:
    return {k: world.user(k) for k in world.staff}
