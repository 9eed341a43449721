"""County-like synthetic sites for tests, benchmarks and CLI demonstrations.

The layout follows the research note: an urban core, towns, and sparse rural sites, with
lognormal household counts and a customer penetration that differs by area (about 0.55 in the
core, 0.39 in towns and 0.31 in the countryside), which is what makes balancing households and
customers together hard.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

EARTH_RADIUS_M = 6_371_008.8


@dataclass
class Instance:
    ids: list[str]
    lon: np.ndarray
    lat: np.ndarray
    households: np.ndarray
    customers: np.ndarray
    area: np.ndarray  # 0 core, 1 town, 2 rural
    outline: shapely.Polygon


def county(
    n: int,
    seed: int = 0,
    *,
    radius_km: float = 40.0,
    center: tuple[float, float] = (113.0, 28.0),
    towns: int = 12,
) -> Instance:
    rng = np.random.default_rng(seed)
    n_core, n_town = int(0.45 * n), int(0.35 * n)
    n_rural = n - n_core - n_town
    r_m = radius_km * 1000.0

    core = rng.normal(0.0, 0.08 * r_m, size=(n_core, 2))
    ang = rng.uniform(0, 2 * np.pi, towns)
    dist = rng.uniform(0.35, 0.8, towns) * r_m
    town_xy = np.column_stack([np.cos(ang), np.sin(ang)]) * dist[:, None]
    sizes = rng.dirichlet(np.full(towns, 2.0))
    which = rng.choice(towns, size=n_town, p=sizes)
    town = town_xy[which] + rng.normal(0.0, 0.025 * r_m, size=(n_town, 2))
    rr = r_m * 0.95 * np.sqrt(rng.uniform(0, 1, n_rural))
    ra = rng.uniform(0, 2 * np.pi, n_rural)
    rural = np.column_stack([rr * np.cos(ra), rr * np.sin(ra)])
    xy = np.vstack([core, town, rural])
    area = np.repeat(np.array([0, 1, 2]), [n_core, n_town, n_rural])

    # A wobbly county outline that contains every site.
    t = np.linspace(0, 2 * np.pi, 181)[:-1]
    wob = 1.0 + 0.08 * np.sin(3 * t + rng.uniform(0, 6)) + 0.05 * np.sin(7 * t + rng.uniform(0, 6))
    ring = np.column_stack([np.cos(t), np.sin(t)]) * (r_m * 1.02 * wob / wob.min())[:, None]
    hh = np.maximum(1, np.round(rng.lognormal(3.5, 1.0, n))).astype(np.float64)
    pen = np.array([0.55, 0.39, 0.31])[area] * rng.uniform(0.85, 1.15, n)
    customers = np.round(hh * np.clip(pen, 0, 1))

    lon0, lat0 = center
    k = 180.0 / np.pi / EARTH_RADIUS_M
    lon = lon0 + xy[:, 0] * k / np.cos(np.radians(lat0))
    lat = lat0 + xy[:, 1] * k
    olon = lon0 + ring[:, 0] * k / np.cos(np.radians(lat0))
    olat = lat0 + ring[:, 1] * k
    order = rng.permutation(n)
    return Instance(
        ids=[f"S{i:06d}" for i in range(n)],
        lon=lon[order],
        lat=lat[order],
        households=hh[order],
        customers=customers[order],
        area=area[order],
        outline=shapely.Polygon(np.column_stack([olon, olat])),
    )


def perturb(
    weights: dict[str, np.ndarray], share: float = 0.10, sigma: float = 0.3, seed: int = 1
) -> dict[str, np.ndarray]:
    """A data change: `share` of the sites get all weights multiplied by one lognormal(0, sigma)."""
    rng = np.random.default_rng(seed)
    n = len(next(iter(weights.values())))
    factor = np.ones(n)
    pick = rng.random(n) < share
    factor[pick] = rng.lognormal(0.0, sigma, int(pick.sum()))
    return {a: np.asarray(w, dtype=np.float64) * factor for a, w in weights.items()}
