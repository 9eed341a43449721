"""The service app's rows of the permission matrix (merged by tests/test_route_matrix.py):
each part of the app keeps its own rows in `matrix_<part>.py`, gathered here."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from tests.crm.world import CrmWorld

PARTS = [
    importlib.import_module(f"tests.service.{p.stem}")
    for p in sorted(Path(__file__).parent.glob("matrix_*.py"))
]
PAGES: dict[str, tuple[str | None, dict[str, int]]] = {}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {}
WRITES: dict[str, str] = {}
PUBLIC: set[str] = set()
for _part in PARTS:
    PUBLIC.update(getattr(_part, "PUBLIC", ()))
    PAGES.update(_part.PAGES)
    API_READS.update(_part.API_READS)
    WRITES.update(_part.WRITES)


def objects(crm: CrmWorld) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    for part in PARTS:
        ids.update(part.objects(crm))
    return ids
