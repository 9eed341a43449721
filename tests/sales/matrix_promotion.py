"""Matrix rows of the sales promotion routes (merged by tests/sales/matrix.py)."""

from __future__ import annotations

from typing import Any

from tests.crm.world import CrmWorld

PAGES: dict[str, tuple[str | None, dict[str, int]]] = {}
API_READS: dict[str, tuple[str | None, dict[str, int]]] = {}
WRITES: dict[str, str] = {}


def objects(crm: CrmWorld) -> dict[str, Any]:
    return {}
