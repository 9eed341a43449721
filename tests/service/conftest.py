from __future__ import annotations

import pytest

from tests.crm.world import CrmWorld, build_crm
from tests.personas import World


@pytest.fixture
def crm(world: World) -> CrmWorld:
    return build_crm(world)
