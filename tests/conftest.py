from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tests.personas import World, build_world


@pytest.fixture(scope="session", autouse=True)
def _shifted_clock() -> Iterator[None]:
    """`WANGGE_TEST_CLOCK_SHIFT_DAYS=N` runs every test N days in the future (the clock
    ticks on from there); tests that need a fixed day travel further with `time_machine`."""
    days = settings.WANGGE_TEST_CLOCK_SHIFT_DAYS
    if not days:
        yield
        return
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=days), tick=True):
        yield


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: what is kept there (the leaderboard's figures)
    is keyed on the newest rows, and SQLite hands a rolled-back test's row ids out again."""
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request with an English session makes
    LocaleMiddleware activate English for the thread, and it would stay for the next test."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def world(db: None) -> World:
    return build_world()


#: Fixtures through which a test reaches the database (pytest-django's own).
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_reset_sequences"})


def uses_database(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES.intersection(names)
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`WANGGE_TEST_DATABASE_ONLY=1` (CI's PostgreSQL pass) keeps the tests that touch the
    database: a pure calculator's property test says nothing more on PostgreSQL.

    Under `--dist loadgroup` a grouped test's id must carry its group: without it xdist
    spreads the group over the workers silently, and a module that shares one expensive load
    (tests/demo/test_month.py) pays it once per worker (pytest 9.2 did this: pyproject pins)."""
    if os.environ.get("WANGGE_TEST_DATABASE_ONLY") == "1":
        kept = [i for i in items if uses_database(i)]
        config.hook.pytest_deselected(items=[i for i in items if not uses_database(i)])
        items[:] = kept
    if not getattr(config.option, "loadgroup", False):
        return
    lost = [i.nodeid for i in items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
    if lost:
        raise pytest.UsageError(f"xdist groups lost (pytest/pytest-xdist mismatch): {lost[:3]}")
