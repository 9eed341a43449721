"""The partitioner's public data types (see the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Problem:
    ids: Sequence[str]  # site ids, unique
    lon: np.ndarray  # WGS-84 degrees, float64
    lat: np.ndarray
    weights: dict[str, np.ndarray]  # attribute -> non-negative weights; the first is primary
    k: int
    tolerance: float = 0.05  # primary, two-sided relative
    secondary_tolerance: float = 0.10  # every other attribute (or per attribute: tolerances)
    tolerances: dict[str, float] | None = None  # overrides per attribute
    outline: Any | None = None  # shapely Polygon/MultiPolygon, WGS-84
    locked: dict[int, int] | None = None  # site index -> grid index (0..k-1) that must hold it
    barriers: Sequence[Any] = ()  # shapely LineStrings no grid may straddle
    initial: np.ndarray | None = None  # previous grid per site (-1 = new site), for stability
    compactness: float = 0.5  # 0 = balance at any shape cost … 1 = compactness first
    seed: int = 0
    # Extras: precomputed `geometry.build_cells(lon, lat, outline, barriers)` to skip the
    # geometry; the search's budget in operations (None: `budget.PER_ENTRY` per adjacency
    # entry, far more than it needs to converge; the same budget gives the same plan on any
    # machine), and a CPU-time limit in seconds on top (None: none; when it ends the search
    # the plan depends on the machine's speed).
    cells: Any | None = None
    effort: float | None = None
    time_limit: float | None = None


@dataclass
class Issue:
    """An infeasibility or warning, user-facing: English message, code + data to translate."""

    code: str
    message: str
    attribute: str | None = None
    site_ids: list[str] = field(default_factory=list)
    grid: int | None = None
    where: tuple[float, float] | None = None  # lon, lat to show on the map
    severity: str = "warning"  # "info" for notes that need no action
    grids: list[int] = field(default_factory=list)  # every grid concerned (`grid` = the worst)
    value: float | None = None  # the figure the message states (e.g. best deviation reachable)


@dataclass
class Result:
    assignment: np.ndarray  # int grid index per site
    polygons: list[Any]  # shapely geometry per grid (Polygon where contiguous), WGS-84
    totals: dict[str, np.ndarray]  # attribute -> per-grid total
    deviation: dict[str, np.ndarray]  # attribute -> per-grid signed relative deviation from mean
    max_deviation: dict[str, float]  # attribute -> max |deviation|
    compactness: np.ndarray  # Polsby-Popper per grid
    disconnected: list[int]  # grids that are not one connected piece
    moved: int  # sites whose grid differs from `initial` (0 without initial)
    issues: list[Issue]
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
