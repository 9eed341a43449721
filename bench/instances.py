"""County-like synthetic instances for the partition benchmark (numpy; shapely for the outline).

A county about 80 km across around lon 111.75, lat 27.25:

* 45% of sites in an urban core (one gaussian cluster), 35% in 12 towns (small gaussian
  clusters of Dirichlet-distributed sizes), 20% scattered uniformly over the countryside;
* households per site lognormal (σ 0.9), heavier in the core (median 75 core, 55 towns,
  40 rural; about 60 overall);
* customers = households × penetration (≈0.55 core, 0.39 towns, 0.31 rural, ±15% noise):
  the differing penetration is what makes balancing households and customers together hard;
* an irregular outline polygon containing every site;
* coordinates rounded to 1e-6° (≈0.1 m, how sites are stored), and a small share of sites
  deliberately placed at another site's exact coordinates (several access points in one
  building), so the partitioners must cope with duplicates.

Everything is drawn from one `numpy.random.Generator`, so an instance is a pure function of
(n, seed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely

EARTH_RADIUS_M = 6_371_008.8
CENTER = (111.75, 27.25)  # lon, lat
RADIUS_M = 40_000.0
TOWNS = 12
SHARES = (0.45, 0.35, 0.20)  # core, towns, rural
HH_MEDIAN = np.array([75.0, 55.0, 40.0])  # by zone: core, towns, rural
HH_SIGMA = 0.9
PENETRATION = np.array([0.55, 0.39, 0.31])
DUPLICATE_SHARE = 0.002


@dataclass(frozen=True)
class Instance:
    ids: list[str]
    lon: np.ndarray  # WGS-84 degrees
    lat: np.ndarray
    households: np.ndarray  # int64 per site
    customers: np.ndarray  # int64 per site, ≤ households
    zone: np.ndarray  # 0 core, 1 town, 2 rural
    outline: shapely.Polygon  # WGS-84, contains every site
    seed: int
    town: np.ndarray | None = None  # which of the TOWNS a town site belongs to, -1 for others

    @property
    def n(self) -> int:
        return len(self.ids)

    def weights(self) -> dict[str, np.ndarray]:
        """The attributes to balance, primary first."""
        return {"households": self.households, "customers": self.customers}


def county(n: int, seed: int = 0, duplicate_share: float = DUPLICATE_SHARE) -> Instance:
    rng = np.random.default_rng(seed)
    outline_xy = _outline(rng)
    outline_m = shapely.Polygon(outline_xy)
    shapely.prepare(outline_m)

    n_core, n_town = int(SHARES[0] * n), int(SHARES[1] * n)
    n_rural = n - n_core - n_town
    core = _core(rng, n_core, outline_m)
    town_xyt = _towns(rng, n_town, outline_m)
    town, town_of = town_xyt[:, :2], town_xyt[:, 2].astype(np.int64)
    rural = _inside(n_rural, outline_m, lambda m: _uniform_in_bounds(rng, m, outline_m))
    xy = np.vstack([core, town, rural])
    zone = np.repeat(np.array([0, 1, 2]), [n_core, n_town, n_rural])
    town_id = np.full(n, -1, dtype=np.int64)
    town_id[n_core : n_core + n_town] = town_of

    # Duplicates: a few sites take another site of the same zone's exact position.
    n_dup = round(duplicate_share * n)
    if n_dup and n > 1:
        copies = rng.choice(n, size=n_dup, replace=False)
        for c in copies.tolist():
            same = np.flatnonzero(zone == zone[c])
            xy[c] = xy[rng.choice(same)]

    households = np.maximum(1, np.round(rng.lognormal(np.log(HH_MEDIAN[zone]), HH_SIGMA)))
    penetration = np.clip(PENETRATION[zone] * rng.uniform(0.85, 1.15, n), 0.0, 1.0)
    customers = np.minimum(households, np.round(households * penetration))

    # Shuffle so that site order carries no information about the zone.
    order = rng.permutation(n)
    lon, lat = _to_degrees(xy[order])
    olon, olat = _to_degrees(outline_xy)
    return Instance(
        ids=[f"S{i:06d}" for i in range(n)],
        lon=np.round(lon, 6),
        lat=np.round(lat, 6),
        households=households[order].astype(np.int64),
        customers=customers[order].astype(np.int64),
        zone=zone[order],
        outline=shapely.Polygon(np.column_stack([olon, olat])),
        seed=seed,
        town=town_id[order],
    )


def change(instance: Instance, fraction: float = 0.1, seed: int = 1) -> Instance:
    """A data update: exactly `fraction` of the sites get both weights × lognormal(0, 0.3).

    Positions, ids and the outline stay the same (a re-balance after new counts, the common
    case); weights stay integers and customers never exceed households.
    """
    rng = np.random.default_rng(seed)
    pick = rng.choice(instance.n, size=round(fraction * instance.n), replace=False)
    factor = np.ones(instance.n)
    factor[pick] = rng.lognormal(0.0, 0.3, len(pick))
    households = np.maximum(1, np.round(instance.households * factor)).astype(np.int64)
    customers = np.minimum(households, np.round(instance.customers * factor)).astype(np.int64)
    return dataclasses.replace(instance, households=households, customers=customers)


def _outline(rng: np.random.Generator) -> np.ndarray:
    """An irregular, star-shaped county boundary (metres, 240 vertices), ~80 km across."""
    t = np.linspace(0.0, 2 * np.pi, 241)[:-1]
    phase = rng.uniform(0, 2 * np.pi, 3)
    wobble = (
        1.0
        + 0.10 * np.sin(3 * t + phase[0])
        + 0.06 * np.sin(5 * t + phase[1])
        + 0.03 * np.sin(11 * t + phase[2])
    )
    r = RADIUS_M * wobble
    return np.column_stack([r * np.cos(t), r * np.sin(t)])


def _core(rng: np.random.Generator, n: int, outline: shapely.Polygon) -> np.ndarray:
    centre = rng.normal(0.0, 0.05 * RADIUS_M, 2)
    sigma = 0.10 * RADIUS_M  # ~4 km: a county seat of a few hundred thousand people
    return _inside(n, outline, lambda m: centre + rng.normal(0.0, sigma, (m, 2)))


def _towns(rng: np.random.Generator, n: int, outline: shapely.Polygon) -> np.ndarray:
    """(n, 3): x, y and the town's number of each town site."""
    angle = rng.uniform(0, 2 * np.pi, TOWNS)
    dist = rng.uniform(0.35, 0.80, TOWNS) * RADIUS_M
    centres = np.column_stack([np.cos(angle), np.sin(angle)]) * dist[:, None]
    sigma = rng.uniform(0.03, 0.06, TOWNS) * RADIUS_M  # 1.2–2.4 km
    size = rng.dirichlet(np.full(TOWNS, 2.0))

    def draw(m: int) -> np.ndarray:
        which = rng.choice(TOWNS, size=m, p=size)
        xy = centres[which] + rng.normal(0.0, 1.0, (m, 2)) * sigma[which, None]
        return np.column_stack([xy, which])  # the town travels with its point

    return _inside(n, outline, draw)


def _uniform_in_bounds(rng: np.random.Generator, m: int, outline: shapely.Polygon) -> np.ndarray:
    x0, y0, x1, y1 = outline.bounds
    return np.column_stack([rng.uniform(x0, x1, m), rng.uniform(y0, y1, m)])


def _inside(n: int, outline: shapely.Polygon, draw: Callable[[int], np.ndarray]) -> np.ndarray:
    """Rejection sampling: draw until n points fall inside the outline (with a 200 m margin,
    so no site sits on the boundary where its cell would be a sliver). Columns after x and y
    travel with their point."""
    inner = outline.buffer(-200.0)
    shapely.prepare(inner)
    out = None
    while out is None or len(out) < n:
        cand = draw(max(2 * (n - (0 if out is None else len(out))), 16))
        cand = cand[shapely.contains_xy(inner, cand[:, 0], cand[:, 1])]
        out = cand if out is None else np.vstack([out, cand])
    return out[:n]


def _to_degrees(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular projection around CENTER, inverted."""
    lon0, lat0 = CENTER
    k = 180.0 / np.pi / EARTH_RADIUS_M
    return lon0 + xy[:, 0] * k / np.cos(np.radians(lat0)), lat0 + xy[:, 1] * k
