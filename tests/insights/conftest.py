"""The insights world, built once per test module.

Building it (personas, territory, crm, a contact of every kind) through the services was
most of this app's test time, paid by every test. Tests only read it or write on top of it,
so each module builds it once inside a transaction rolled back at the module's end, and
each test runs in its own savepoint on top (pytest-django's `db`), as tests/demo/
test_month.py does with the demo county.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.insights.world import InsightsWorld, build_insights
from tests.personas import build_world


@pytest.fixture(scope="module")
def _county_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[InsightsWorld]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_insights(build_world())
        transaction.set_rollback(True)


@pytest.fixture
def county(_county_once: InsightsWorld, db: None) -> InsightsWorld:
    # A token made by an earlier test was rolled back with it: make them afresh.
    _county_once.world.tokens.clear()
    return _county_once
