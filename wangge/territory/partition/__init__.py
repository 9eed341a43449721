"""Balanced, contiguous, compact division of sites into K grids. Pure numpy/scipy/shapely.

    from wangge.territory.partition import Problem, partition
    result = partition(Problem(ids, lon, lat, {"households": hh, "customers": cu}, k=100))

Pipeline (each module's docstring has the details):

1. `geometry.build_cells` - every site's Voronoi cell, clipped to the outline (or the buffered
   hull), barriers cut out as thin slits; the adjacency those cells define, with shared
   boundary lengths. Contiguity is always judged on this graph, so a connected grid dissolves
   into one polygon. Sites at the same spot share a cell and always a grid. Cached per site
   set, so a re-balance after weight changes skips it; `Problem.cells` takes a prebuilt one.
2. `construct` - grids are shared out between areas the graph leaves apart (islands, areas
   closed off by barriers or pinned grids); then either the previous plan (`initial`, new
   sites joining their neighbours) or `bisection`: recursive two-way cuts that split the
   primary attribute exactly and pick the direction by the other attributes' split versus
   compactness (at balance-first settings the last cuts may be `geodesic` bisectors). Pins
   are applied, pinned pieces joined by shortest paths, then every grid is made one piece.
3. `search` - boundary moves of single cells, scored all at once with numpy, kept only if the
   cell is a "simple point" for both grids (no grid splits, none closes into a ring). The
   objective: primary deviation beyond ±2% (or its tolerance if tighter, or when
   `compactness` is near 1) and beyond its tolerance weighs heavily; other attributes beyond
   their tolerances weigh less as `compactness` grows; shape is Σ 1/Polsby-Popper, exact
   from cell perimeters and shared lengths; with `initial`, each site away from its old grid
   costs a little, so a re-balance moves only what the tolerances need. `chains` then pushes
   weight along a path of grids for grids still stuck outside the primary aim, and `swap`
   exchanges border cells for the other attributes. At balance-first settings (below 0.01),
   `corridors` then gives grids still far off a secondary attribute a path one cell wide and a
   lobe into an area of the opposite kind. The search spends an operation budget
   (`budget`), not clock time, so the plan does not depend on the machine's load.
4. Polygons per grid (dissolved cells, WGS-84), Polsby-Popper per grid in a local
   equirectangular projection, and `Issue`s saying what cannot be met, where and why.

5. `frontier` - a few plans from the most compact to the most balanced on the secondary
   attributes, for the user to choose the trade-off (see its docstring).

Conventions: grid indices are 0..k-1; `locked` pins sites; with `initial`, a grid whose every
previous site is pinned to it is frozen whole (nothing moves in or out, it is left out of the
balance targets). Deviations are relative to the mean over all k grids. Deterministic for a
fixed `seed`.

On several attributes: where their ratio differs by area (customer penetration 0.55 in a city
core, 0.31 in the countryside), a compact grid inherits its area's ratio, so only grids that
reach from the core far into the countryside can balance both. The primary attribute is
balanced at every compactness setting; the others improve as `compactness` is lowered, and
`tolerance_not_met` names the worst grid and its ratio when they cannot be met.
"""

from .core import partition
from .frontier import Point, frontier, grid_polygons
from .geometry import Cells, build_cells, build_cells_cached
from .types import Issue, Problem, Result

__all__ = [
    "Cells",
    "Issue",
    "Point",
    "Problem",
    "Result",
    "build_cells",
    "build_cells_cached",
    "frontier",
    "grid_polygons",
    "partition",
]
