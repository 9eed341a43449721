from __future__ import annotations

import pytest

from tests.insights.world import InsightsWorld, build_insights
from tests.personas import World


@pytest.fixture
def county(world: World) -> InsightsWorld:
    return build_insights(world)
