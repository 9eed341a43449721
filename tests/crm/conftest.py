from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.crm.world import CrmWorld, build_crm
from tests.personas import World, build_world


@pytest.fixture
def crm(world: World) -> CrmWorld:
    return build_crm(world)


@pytest.fixture(scope="module")
def crm_shared(django_db_setup: Any, django_db_blocker: Any) -> Iterator[CrmWorld]:
    """One crm world for a whole module (built once, not once per test: the world's
    services and plan activation are most of a crm test's time), inside a transaction
    rolled back after the module; each test runs in its own savepoint on top of it
    (pytest-django's `db`), so what a test writes is gone for the next. For modules whose
    tests change the database only, never the world's Python objects; a module uses
    either this or `crm`, not both (the two worlds' codes would collide)."""
    with django_db_blocker.unblock(), transaction.atomic():
        crm = build_crm(build_world())
        for persona in crm.world.staff:  # API tokens made now outlive each savepoint
            crm.world.token(persona)
        yield crm
        transaction.set_rollback(True)
