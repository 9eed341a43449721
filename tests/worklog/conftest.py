from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from tests.personas import World
from wangge.core import clock, workdays


def next_workday_after(day: dt.date) -> dt.date:
    """A working day after `day` whose previous working day is also after it (so a test
    has a clean 'yesterday' and 'today' of its own, whatever today's date is)."""
    return workdays.add_workdays(day, 2)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def workday(time_machine: Any) -> Iterator[dt.date]:
    """Travel to 18:00 on a working day in the near future; yields that day."""
    day = next_workday_after(clock.today())
    time_machine.move_to(at(day, 18), tick=False)
    yield day


@pytest.fixture
def users(world: World) -> dict[str, Any]:
    return {k: world.user(k) for k in world.staff}
