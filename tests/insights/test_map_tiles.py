"""The figures map's optional tile layer: off by default, and on GCJ-02 tiles every point the
page sends is moved to GCJ-02 (stored coordinates stay WGS-84)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse

from config.env import env_tile_url, tile_origin
from tests.insights.world import InsightsWorld
from wangge.core.coords import wgs84_to_gcj02

AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&style=8&x={x}&y={y}&z={z}"
ROOT = Path(__file__).resolve().parents[2]


def test_a_tile_template_is_checked_and_its_host_admitted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANGGE_MAP_TILES", raising=False)
    assert env_tile_url("WANGGE_MAP_TILES") == ""
    for bad in ("ftp://tiles.example/{z}/{x}/{y}.png", "https://tiles.example/{z}/{x}.png"):
        monkeypatch.setenv("WANGGE_MAP_TILES", bad)
        with pytest.raises(ImproperlyConfigured, match="WANGGE_MAP_TILES"):
            env_tile_url("WANGGE_MAP_TILES")
    monkeypatch.setenv("WANGGE_MAP_TILES", AMAP)
    assert env_tile_url("WANGGE_MAP_TILES") == AMAP
    assert tile_origin(AMAP) == "https://*.is.autonavi.com"
    assert tile_origin("https://t.example.cn/{z}/{x}/{y}.png") == "https://t.example.cn"


def test_the_content_security_policy_admits_the_tile_host_only_when_set() -> None:
    script = "from django.conf import settings; print(settings.SECURE_CSP['img-src'])"
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    base.pop("WANGGE_MAP_TILES", None)
    seen = []
    for env in (base, {**base, "WANGGE_MAP_TILES": AMAP}):
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        seen.append(out.stdout.strip())
    assert "autonavi" not in seen[0]
    assert "https://*.is.autonavi.com" in seen[1]


def _first_position(coords: list) -> list[float]:
    while not isinstance(coords[0], int | float):
        coords = coords[0]
    return coords


def _map_data(client, query):  # type: ignore[no-untyped-def]
    html = client.get(reverse("insights:map"), query).content.decode()
    start = html.index(">", html.index('id="map-data"')) + 1
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.django_db
def test_on_gcj02_tiles_the_map_sends_every_point_moved(county: InsightsWorld) -> None:
    w = county.world
    client = w.client("market_admin")
    query = {"grid": str(w.grid_a.pk)}
    plain = _map_data(client, query)
    assert "tiles" not in plain
    with override_settings(WANGGE_MAP_TILES=AMAP, WANGGE_MAP_TILES_CRS="gcj02"):
        shifted = _map_data(client, query)
    assert shifted["tiles"]["url"] == AMAP and shifted["tiles"]["crs"] == "gcj02"
    placed = [s for s in plain["sites"] if s["lon"] is not None]
    assert placed
    lon, lat = wgs84_to_gcj02(
        np.array([s["lon"] for s in placed]), np.array([s["lat"] for s in placed])
    )
    moved = {s["code"]: (s["lon"], s["lat"]) for s in shifted["sites"]}
    for s, x, y in zip(placed, lon, lat, strict=True):
        assert moved[s["code"]] == pytest.approx((x, y), abs=1e-9)
        assert moved[s["code"]] != pytest.approx((s["lon"], s["lat"]), abs=1e-4)
    first = _first_position(plain["grids"]["features"][0]["geometry"]["coordinates"])
    x, y = wgs84_to_gcj02(np.array([first[0]]), np.array([first[1]]))
    again = _first_position(shifted["grids"]["features"][0]["geometry"]["coordinates"])
    assert again[:2] == pytest.approx([x[0], y[0]], abs=1e-9)
    # WGS-84 tiles (e.g. 天地图) take the stored coordinates as they are.
    with override_settings(WANGGE_MAP_TILES=AMAP, WANGGE_MAP_TILES_CRS="wgs84"):
        same = _map_data(client, query)
    assert same["sites"] == plain["sites"] and same["grids"] == plain["grids"]
