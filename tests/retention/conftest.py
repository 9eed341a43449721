from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.crm.world import CrmWorld, build_crm
from tests.personas import build_world


@pytest.fixture(scope="package")
def _built_crm(django_db_setup: Any, django_db_blocker: Any) -> Iterator[CrmWorld]:
    """The persona world with its customers, built once for the retention tests (once per
    module it was still a fifth of their time) inside a transaction rolled back at their
    end; each test runs in a savepoint on top of it (pytest-django's `db`), so what a test
    writes is gone for the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_crm(build_world())
        transaction.set_rollback(True)


@pytest.fixture
def crm(_built_crm: CrmWorld, db: None) -> CrmWorld:
    """A copy of the objects as built: a test that changes or refreshes one in memory (a
    version, a cached scope) leaves the next test the world as the database has it again."""
    return copy.deepcopy(_built_crm)
