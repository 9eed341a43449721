"""Fixtures of the asset and inspection tests (the app's conftest.py belongs to the work
order tests): import them into a test module with
`from tests.service.conftest_assets import *  # noqa: F403`."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.personas import World
from tests.territory_world import Territory, build_territory
from wangge.core.access import SYSTEM
from wangge.service.models import Asset
from wangge.service.services.assets import asset_create

__all__ = ["JPEG", "PNG", "AssetWorld", "assets", "build_assets"]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@dataclass
class AssetWorld:
    t: Territory
    a: dict[str, Asset]

    @property
    def world(self) -> World:
        return self.t.world


def build_assets(t: Territory) -> AssetWorld:
    """Grid A: a building switch and an ONU at its first site, a duct at its second;
    grid B: one switch."""
    a0, a1, b0 = t.sites_a[0], t.sites_a[1], t.sites_b[0]
    made = {
        "switch_a": asset_create(
            actor=SYSTEM, site=a0, code="SW-A-001", kind=Asset.Kind.BUILDING_SWITCH,
            building="1栋", ports_total=24, ports_used=20, covered_households=48,
        ),
        "onu_a": asset_create(
            actor=SYSTEM, site=a0, code="ONU-A-001", kind=Asset.Kind.ONU,
            ports_total=8, ports_used=2, covered_households=30,
        ),
        "duct_a": asset_create(
            actor=SYSTEM, site=a1, code="GX-A-001", kind=Asset.Kind.DUCT,
            covered_households=0,
        ),
        "switch_b": asset_create(
            actor=SYSTEM, site=b0, code="SW-B-001", kind=Asset.Kind.BUILDING_SWITCH,
            ports_total=16, ports_used=4, covered_households=20,
        ),
    }  # fmt: skip
    return AssetWorld(t=t, a=made)


@pytest.fixture
def assets(world: World) -> AssetWorld:
    return build_assets(build_territory(world, per_grid=4))
