"""`corridors.refine`: a grid short of the secondary reaches into a rich area along a path,
every grid stays whole, and the plan is kept only if the worst secondary deviation falls."""

from __future__ import annotations

import numpy as np

from wangge.territory.partition import corridors
from wangge.territory.partition.budget import Budget
from wangge.territory.partition.search import State

from .helpers import SPAN, points
from .test_swap import _pieces, _state


def _strips(seed: int, penetration: tuple[float, float, float]) -> State:
    """Three vertical strips of equal households, one grid each, with the given customers per
    household from left to right."""
    lon, lat = points(300, seed)
    x = (lon - lon.min()) / SPAN
    third = np.digitize(x, np.quantile(x, [1 / 3, 2 / 3]))
    w = np.column_stack([np.ones(len(lon)), np.array(penetration)[third]])
    return _state(lon, lat, w, third)


def _refine(st: State) -> int:
    return corridors.refine(st, Budget(np.inf))


def test_a_short_grid_gets_a_corridor_and_every_grid_stays_whole() -> None:
    # The left strip is rich (0.8 customers per household), the others poor (0.2): the right
    # strip can only reach the rich one past the middle one, along a corridor.
    st = _strips(1, (0.8, 0.2, 0.2))
    dev0 = np.abs(st.tot / st.s.target - 1)

    kept = _refine(st)

    dev = np.abs(st.tot / st.s.target - 1)
    assert kept >= 1
    assert dev[:, 1].max() < dev0[:, 1].max() - 0.1
    assert dev[:, 0].max() <= max(dev0[:, 0].max(), st.wt.aim[0]) + 1e-9
    assert (_pieces(st) == 1).all()
    # The per-grid sums the search keeps match the plan.
    np.testing.assert_allclose(st.tot, np.array([st.s.w[st.label == g].sum(0) for g in range(3)]))


def test_nothing_changes_when_every_grid_is_within_the_goal() -> None:
    st = _strips(1, (0.41, 0.4, 0.39))
    label = st.label.copy()

    assert _refine(st) == 0
    np.testing.assert_array_equal(st.label, label)
