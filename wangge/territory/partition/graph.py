"""Connectivity helpers on the cell adjacency (CSR arrays from `geometry.Cells`)."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components


def _row(indptr: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))


def components_within(indptr: np.ndarray, indices: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Component id per cell of the graph keeping only edges between cells of the same label.

    Cells labelled -1 are left out (their component id is -1). One sparse call covers all grids,
    which is what makes contiguity checks cheap enough to run after every construction step.
    """
    n = len(indptr) - 1
    row = _row(indptr)
    keep = (label[row] == label[indices]) & (label[row] >= 0)
    m = csr_matrix((np.ones(int(keep.sum()), dtype=np.int8), (row[keep], indices[keep])), (n, n))
    _, comp = connected_components(m, directed=False)
    comp = comp.astype(np.int64)
    comp[label < 0] = -1
    return comp


def split_grids(
    indptr: np.ndarray, indices: np.ndarray, label: np.ndarray, score: np.ndarray
) -> np.ndarray:
    """Cells outside the best-scoring component of their grid (by summed `score`)."""
    comp = components_within(indptr, indices, label)
    ok = comp >= 0
    cid, inv = np.unique(comp[ok], return_inverse=True)
    total = np.bincount(inv, weights=score[ok])
    lab = np.zeros(len(cid), dtype=np.int64)
    lab[inv] = label[ok]
    # Best component per grid: sort by (grid, -score) and take the first of each grid.
    order = np.lexsort((-total, lab))
    first = np.ones(len(order), dtype=bool)
    first[1:] = lab[order][1:] != lab[order][:-1]
    keep_comp = np.zeros(len(cid), dtype=bool)
    keep_comp[order[first]] = True
    stray = np.zeros(len(label), dtype=bool)
    stray[np.flatnonzero(ok)[~keep_comp[inv]]] = True
    return stray


def flood_fill(
    indptr: np.ndarray,
    indices: np.ndarray,
    length: np.ndarray,
    label: np.ndarray,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """Give every unlabelled (-1) cell the label of the neighbour it shares most boundary with,
    growing outward from the labelled cells, so each label stays connected.

    `allowed` (bool per label) limits which labels may grow. Cells no allowed label can reach
    stay -1.
    """
    label = label.copy()
    row = _row(indptr)
    while True:
        lc = label[indices]
        take = (label[row] < 0) & (lc >= 0)
        if allowed is not None:
            take &= allowed[np.maximum(lc, 0)]
        if not take.any():
            return label
        r, lab, ln = row[take], lc[take], length[take]
        key = r * (int(label.max()) + 1) + lab
        _, first_idx, inv = np.unique(key, return_index=True, return_inverse=True)
        tot = np.bincount(inv, weights=ln)
        ur, ul = r[first_idx], lab[first_idx]
        order = np.lexsort((-tot, ur))
        first = np.ones(len(order), dtype=bool)
        first[1:] = ur[order][1:] != ur[order][:-1]
        pick = order[first]
        label[ur[pick]] = ul[pick]
