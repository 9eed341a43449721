from __future__ import annotations

from tests.crm.conftest import crm

__all__ = ["crm"]
