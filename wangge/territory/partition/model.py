"""What construction and search share about one problem, per cell."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

from .geometry import Cells


@dataclass
class Setup:
    """What construction and search need to know about the cells (all per cell)."""

    cells: Cells
    w: np.ndarray  # (n, A) weights
    target: np.ndarray  # (A,) per-grid target of open grids
    tol: np.ndarray  # (A,) relative tolerances
    importance: np.ndarray  # (A,) relative weight of each attribute in scores
    lock: np.ndarray  # grid a cell is pinned to, -1 if free
    open_grid: np.ndarray  # (K,) grids the search may change
    cx: np.ndarray  # area centroids of the cells
    cy: np.ndarray
    compactness: float
    offset: float = 0.0  # seed-derived rotation of the cut directions, in [0, 1)
    hub: tuple[float, float] = (0.0, 0.0)  # weighted median of the sites, for sector cuts

    @property
    def k(self) -> int:
        return len(self.open_grid)

    def matrix(self) -> csr_matrix:
        c = self.cells
        return csr_matrix((np.ones(len(c.indices), np.int8), c.indices, c.indptr), (c.n, c.n))
