from __future__ import annotations

import pytest

from tests.personas import World
from tests.territory_world import Territory, build_territory


@pytest.fixture
def territory(world: World) -> Territory:
    """Grid A west (lon 111.70–111.72), grid B east (111.72–111.74), an active plan."""
    return build_territory(world, per_grid=4)
