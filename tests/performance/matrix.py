"""The performance app's rows of the permission matrix (merged by tests/test_route_matrix.py).

Each part of the app (sales records, settlement, targets and awards) keeps its rows in its own
`matrix_<part>.py` beside this file (`PAGES`, `API_READS`, `WRITES`, optional `PUBLIC`,
`objects(crm)`); they are merged here. Pay is private: a person sees their own statement, a
manager their grids', the market department all, an agent their own commission only.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.crm.world import CrmWorld

PARTS: tuple[ModuleType, ...] = tuple(
    importlib.import_module(f"tests.performance.{path.stem}")
    for path in sorted(Path(__file__).parent.glob("matrix_*.py"))
)

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
