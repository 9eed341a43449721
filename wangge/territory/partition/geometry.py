"""Site cells, their adjacency and shared boundary lengths: the one graph everything else uses.

`build_cells(lon, lat, outline, barriers)` returns a `Cells`:

* every site's Voronoi cell, clipped to the outline (or, without one, to the sites' convex hull
  buffered by about one site spacing), computed in a local equirectangular projection (metres);
* the adjacency those cells define, as a symmetric CSR (`indptr`, `indices`) with the shared
  boundary length in metres per entry (`length`), plus `edges()` for one row per pair. Two cells
  are adjacent when they share a boundary of at least `MIN_SHARED_M`; a mere corner contact
  does not count, so a set of cells connected in this graph dissolves into one polygon;
* each row's neighbours are stored in angular order around the site, which the local search
  uses for its O(degree) "does this move split or ring a grid" test.

Decisions a caller should know about:

* Sites closer than `DUPLICATE_M` (1 cm) to each other, including identical coordinates, share
  one cell: `site_cell` maps sites to cells, and the partitioner always keeps such sites in one
  grid. No jitter is applied, so results do not depend on it. Cells are numbered in the order
  of their first site: without duplicates or sites outside the outline, cell i is site i.
* A site whose cell falls wholly outside the outline joins the cell nearest to it (it is listed
  in `outside`). Cell pieces cut off from their site by the outline's shape or by a barrier are
  given to the neighbouring cell they share most boundary with; a piece touching no other cell
  (an island without sites) stays with its own cell, which then has several parts.
* Barriers (rivers, highways) are cut out of the area as a `BARRIER_GAP_M` wide slit. Cells on
  the two sides of a barrier therefore share no boundary and are never adjacent, so no grid can
  reach across it; a barrier that ends inside the area only separates the cells along its
  length, and grids may go around its end. The slit leaves a sliver (a few cm wide) of the area
  uncovered along each barrier. A site right on a barrier belongs to the side it is nearer;
  the part of its cell on the other side goes to a neighbour there.
* Cell coordinates are rounded to 1 mm (`GRID_M`) so that neighbouring cells share their edges
  exactly; where a long edge meets the outline this can leave slivers of about 1e-6 of the area.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from scipy.spatial import QhullError, Voronoi, cKDTree

EARTH_RADIUS_M = 6_371_008.8
DUPLICATE_M = 0.01
GRID_M = 0.001
MIN_SHARED_M = 0.05
BARRIER_GAP_M = 0.05
SPECK_M2 = 1.0
# Below this many cells the exact polygon-based adjacency is cheap enough for every cell.
SMALL = 400


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection around (lon0, lat0): metres, accurate to ~0.1% over ~100 km."""

    lon0: float
    lat0: float

    @property
    def kx(self) -> float:
        return float(EARTH_RADIUS_M * np.cos(np.radians(self.lat0)) * np.pi / 180.0)

    @property
    def ky(self) -> float:
        return float(EARTH_RADIUS_M * np.pi / 180.0)

    def forward(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(lon) - self.lon0) * self.kx, (np.asarray(lat) - self.lat0) * self.ky

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(x) / self.kx + self.lon0, np.asarray(y) / self.ky + self.lat0

    def to_metric(self, geom: Any) -> Any:
        return shapely.transform(geom, lambda c: np.column_stack(self.forward(c[:, 0], c[:, 1])))

    def to_wgs84(self, geom: Any) -> Any:
        return shapely.transform(geom, lambda c: np.column_stack(self.inverse(c[:, 0], c[:, 1])))


@dataclass
class Cells:
    """Clipped Voronoi cells in metres (see the module docstring for the conventions).

    For another partitioner on the same graph (e.g. METIS): xadj = `indptr`, adjncy =
    `indices`, vertex weights = `aggregate(site_weights)`, edge weights from `length`; map a
    cell result back to sites with `result[site_cell]`.
    """

    projection: Projection
    site_cell: np.ndarray  # cell index per input site
    x: np.ndarray  # projected position of each cell's site (first site of a duplicate group)
    y: np.ndarray
    polygons: np.ndarray  # shapely geometry per cell, projected metres
    area: np.ndarray  # m²
    perimeter: np.ndarray  # m
    indptr: np.ndarray  # CSR rows, neighbours in angular order around the site
    indices: np.ndarray
    length: np.ndarray  # shared boundary length (m) per CSR entry
    region: Any  # the clipping area in metres, barrier slits removed
    nxt: np.ndarray = field(repr=False)  # CSR entry -> next entry (angularly) in the same row
    link: np.ndarray = field(repr=False)  # CSR entry -> its neighbour and the next are adjacent
    duplicates: list[np.ndarray] = field(default_factory=list)  # site groups sharing a cell
    outside: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # site indices
    siteless: list[Any] = field(default_factory=list)  # area pieces (metres) without a site

    @property
    def n(self) -> int:
        return len(self.x)

    @property
    def row(self) -> np.ndarray:
        """The row (cell) of every CSR entry."""
        return np.repeat(np.arange(self.n), np.diff(self.indptr))

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each adjacent pair once: (i, j, shared length in metres) with i < j."""
        r = self.row
        keep = r < self.indices
        return r[keep], self.indices[keep], self.length[keep]

    def polygons_wgs84(self) -> np.ndarray:
        return np.asarray(self.projection.to_wgs84(self.polygons))

    def aggregate(self, site_values: np.ndarray) -> np.ndarray:
        """Per-cell sums of a per-site array (e.g. weights for METIS on this graph)."""
        return np.bincount(self.site_cell, weights=site_values, minlength=self.n)


def build_cells(
    lon: np.ndarray,
    lat: np.ndarray,
    outline: Any | None = None,
    barriers: Sequence[Any] = (),
) -> Cells:
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    proj = Projection(float(np.mean(lon)), float(np.mean(lat)))
    sx, sy = proj.forward(lon, lat)

    # Sites within DUPLICATE_M of each other become one generator.
    key = np.column_stack([np.round(sx / DUPLICATE_M), np.round(sy / DUPLICATE_M)])
    _, first, unit_of_site = np.unique(key, axis=0, return_index=True, return_inverse=True)
    # Number cells in the order of their first site, so without duplicates cell i is site i.
    by_first = np.argsort(first)
    rank = np.empty_like(by_first)
    rank[by_first] = np.arange(len(by_first))
    first = first[by_first]
    unit_of_site = rank[unit_of_site.ravel()]
    gx, gy = sx[first], sy[first]
    counts = np.bincount(unit_of_site)
    duplicates = [np.flatnonzero(unit_of_site == u) for u in np.flatnonzero(counts > 1)]

    region = _region(gx, gy, proj, outline)
    if barriers:
        lines = [proj.to_metric(b) for b in barriers if b is not None and not b.is_empty]
        if lines:
            slit = shapely.buffer(shapely.union_all(lines), BARRIER_GAP_M / 2, cap_style="flat")
            region = shapely.make_valid(shapely.difference(region, slit))
    region = shapely.set_precision(region, GRID_M)
    shapely.prepare(region)

    raw = _voronoi(gx, gy, region)
    inside = shapely.contains_properly(region, raw)
    clipped = raw.copy()
    todo = np.flatnonzero(~inside)
    if len(todo):
        clipped[todo] = shapely.set_precision(shapely.intersection(raw[todo], region), GRID_M)
    if inside.any():
        clipped[inside] = shapely.set_precision(raw[inside], GRID_M)

    main, orphans, orphan_src = _split_parts(clipped, gx, gy, todo)
    alive = ~shapely.is_empty(main)
    if not alive.any():
        raise ValueError("no site has any part of the service area")
    # Generators whose whole cell lies outside the area join the nearest surviving cell.
    new_index = np.cumsum(alive) - 1
    dead = np.flatnonzero(~alive)
    if len(dead):
        tree = shapely.STRtree(main[alive])
        near = tree.nearest(shapely.points(gx[dead], gy[dead]))
        new_index[dead] = near
    polys = main[alive]
    changed = np.zeros(len(polys), dtype=bool)
    changed[new_index[todo[alive[todo]]]] = True
    polys, siteless, hit = _absorb_orphans(polys, orphans, new_index[orphan_src], alive, orphan_src)
    changed |= hit

    n = len(polys)
    cx, cy = gx[alive], gy[alive]
    if n <= SMALL:
        changed[:] = True
    i, j, ln = _adjacency(polys, cx, cy, changed)
    indptr, indices, length, nxt, link = _csr(n, i, j, ln, cx, cy)
    site_cell = new_index[unit_of_site]
    return Cells(
        projection=proj,
        site_cell=site_cell,
        x=cx,
        y=cy,
        polygons=polys,
        area=shapely.area(polys),
        perimeter=shapely.length(polys),
        indptr=indptr,
        indices=indices,
        length=length,
        region=region,
        nxt=nxt,
        link=link,
        duplicates=duplicates,
        outside=np.flatnonzero(np.isin(unit_of_site, dead)),
        siteless=siteless,
    )


_CACHE: OrderedDict[str, Cells] = OrderedDict()


def build_cells_cached(
    lon: np.ndarray, lat: np.ndarray, outline: Any | None = None, barriers: Sequence[Any] = ()
) -> Cells:
    """`build_cells`, remembering the last few site sets: re-balancing after weight changes
    (the common case) then skips the geometry entirely."""
    h = hashlib.sha1()
    h.update(np.ascontiguousarray(lon, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(lat, dtype=np.float64).tobytes())
    h.update(b"-" if outline is None else shapely.to_wkb(outline))
    for b in barriers:
        h.update(shapely.to_wkb(b))
    key = h.hexdigest()
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    cells = build_cells(lon, lat, outline, barriers)
    _CACHE[key] = cells
    while len(_CACHE) > 3:
        _CACHE.popitem(last=False)
    return cells


def _region(gx: np.ndarray, gy: np.ndarray, proj: Projection, outline: Any | None) -> Any:
    if outline is not None:
        region = shapely.make_valid(proj.to_metric(outline))
        parts = [p for p in shapely.get_parts(region) if p.geom_type in ("Polygon", "MultiPolygon")]
        if not parts or shapely.area(shapely.union_all(parts)) <= 0:
            raise ValueError("the outline has no area")
        return shapely.union_all(parts)
    pts = shapely.multipoints(np.column_stack([gx, gy]))
    hull = shapely.convex_hull(pts)
    ext = float(max(np.ptp(gx), np.ptp(gy), 1.0))
    spacing = float(np.sqrt(max(shapely.area(hull), ext * ext * 1e-4) / len(gx)))
    return shapely.buffer(hull, max(spacing, 0.01 * ext, 50.0))


def _voronoi(gx: np.ndarray, gy: np.ndarray, region: Any) -> np.ndarray:
    if len(gx) == 1:
        return np.array([shapely.envelope(region).buffer(1.0)], dtype=object)
    pts = shapely.multipoints(np.column_stack([gx, gy]))
    env = shapely.envelope(shapely.union(region, shapely.envelope(pts))).buffer(1000.0)
    cells = np.asarray(
        shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=env, ordered=True)),
        dtype=object,
    )
    if len(cells) != len(gx):  # GEOS gave up on a degenerate input; fall back to matching.
        tree = shapely.STRtree(cells)
        p_idx, c_idx = tree.query(shapely.points(gx, gy), predicate="intersects")
        out = np.empty(len(gx), dtype=object)
        out[p_idx] = cells[c_idx]
        return out
    return cells


def _split_parts(
    clipped: np.ndarray, gx: np.ndarray, gy: np.ndarray, todo: np.ndarray
) -> tuple[np.ndarray, list[Any], list[int]]:
    """Keep, per cell, the part holding (or nearest to) its site; return the other parts."""
    main = clipped.copy()
    orphans: list[Any] = []
    src: list[int] = []
    for c in todo.tolist():
        geom = clipped[c]
        parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
        if len(parts) <= 1:
            main[c] = parts[0] if parts else shapely.Polygon()
            continue
        site = shapely.Point(gx[c], gy[c])
        best = int(np.argmin(shapely.distance(np.array(parts, dtype=object), site)))
        main[c] = parts[best]
        for k, p in enumerate(parts):
            if k != best:
                orphans.append(p)
                src.append(c)
    return main, orphans, src


def _absorb_orphans(
    polys: np.ndarray,
    orphans: list[Any],
    src_new: Any,
    alive: np.ndarray,
    src_old: list[int],
) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """Give each stray cell piece to the cell it shares most boundary with."""
    hit = np.zeros(len(polys), dtype=bool)
    siteless: list[Any] = []
    if not orphans:
        return polys, siteless, hit
    polys = polys.copy()
    pending = list(range(len(orphans)))
    src_arr = np.asarray(src_new, dtype=np.int64)
    while pending:
        tree = shapely.STRtree(polys)
        left: list[int] = []
        gifts: dict[int, list[Any]] = {}
        for o in pending:
            cand = tree.query(orphans[o], predicate="intersects")
            best, best_len = -1, 0.0
            if len(cand):
                shared = shapely.length(
                    shapely.intersection(shapely.boundary(polys[cand]), orphans[o].boundary)
                )
                k = int(np.argmax(shared))
                best, best_len = int(cand[k]), float(shared[k])
            if best_len >= MIN_SHARED_M:
                gifts.setdefault(best, []).append(orphans[o])
            else:
                left.append(o)
        if not gifts:
            # Nothing touches these pieces (an island without sites): they stay with the cell
            # whose Voronoi region they are, so the area is still covered.
            for o in left:
                s = int(src_arr[o])
                gifts.setdefault(s, []).append(orphans[o])
                siteless.append(orphans[o])
            left = []
        for c, extra in gifts.items():
            polys[c] = shapely.union_all([polys[c], *extra], grid_size=GRID_M)
            hit[c] = True
        pending = left
    return polys, siteless, hit


def _adjacency(
    polys: np.ndarray, cx: np.ndarray, cy: np.ndarray, changed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adjacent pairs (i < j) and shared lengths.

    Cells untouched by clipping keep their exact Voronoi shape, so their shared length is the
    Voronoi ridge (fast, from Qhull). Pairs involving a clipped or merged cell are measured on
    the polygons themselves.
    """
    ii: list[np.ndarray] = []
    jj: list[np.ndarray] = []
    ll: list[np.ndarray] = []
    slow = np.flatnonzero(changed)
    if len(slow) < len(polys):
        try:
            vor = Voronoi(np.column_stack([cx, cy]))
            rp = vor.ridge_points
            rv = np.asarray(vor.ridge_vertices, dtype=np.int64)
            ok = (rv >= 0).all(axis=1) & ~changed[rp[:, 0]] & ~changed[rp[:, 1]]
            v = vor.vertices
            seg = np.hypot(*(v[rv[ok, 0]] - v[rv[ok, 1]]).T)
            ii.append(rp[ok, 0])
            jj.append(rp[ok, 1])
            ll.append(seg)
        except QhullError:
            slow = np.arange(len(polys))
    if len(slow):
        tree = shapely.STRtree(polys)
        a_idx, b_idx = tree.query(polys[slow], predicate="intersects")
        a = slow[a_idx]
        b = b_idx
        keep = a != b
        a, b = a[keep], b[keep]
        # A pair with both cells slow is found twice; measure it once.
        both = changed[a] & changed[b]
        keep = ~both | (a < b)
        a, b = a[keep], b[keep]
        shared = shapely.length(
            shapely.intersection(
                shapely.boundary(polys[a]), shapely.boundary(polys[b]), grid_size=GRID_M
            )
        )
        ii.append(a)
        jj.append(b)
        ll.append(shared)
    i = np.concatenate(ii) if ii else np.zeros(0, np.int64)
    j = np.concatenate(jj) if jj else np.zeros(0, np.int64)
    ln = np.concatenate(ll) if ll else np.zeros(0)
    keep = ln >= MIN_SHARED_M
    i, j, ln = i[keep], j[keep], ln[keep]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    return lo.astype(np.int64), hi.astype(np.int64), ln


def _csr(
    n: int, i: np.ndarray, j: np.ndarray, ln: np.ndarray, cx: np.ndarray, cy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r = np.concatenate([i, j])
    c = np.concatenate([j, i])
    w = np.concatenate([ln, ln])
    ang = np.arctan2(cy[c] - cy[r], cx[c] - cx[r])
    order = np.lexsort((ang, r))
    r, c, w = r[order], c[order], w[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    slot = np.arange(len(r))
    nxt = slot + 1
    last = indptr[1:] - 1
    has = np.diff(indptr) > 0
    nxt[last[has]] = indptr[:-1][has]
    # Is the neighbour in this entry adjacent to the angularly next one?
    keys = np.sort(r * n + c)
    want = c * n + c[nxt]
    pos = np.minimum(np.searchsorted(keys, want), max(len(keys) - 1, 0))
    link = (keys[pos] == want) if len(keys) else np.zeros(0, dtype=bool)
    link &= c != c[nxt]
    return indptr, c.astype(np.int64), w, nxt, link


def nearest_sites(x: np.ndarray, y: np.ndarray, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    _, idx = cKDTree(np.column_stack([x, y])).query(np.column_stack([qx, qy]))
    return np.asarray(idx, dtype=np.int64)


def dissolve(cells: Cells, assignment: np.ndarray, k: int) -> list[Any]:
    """One geometry per grid (metres): the union of its cells."""
    order = np.argsort(assignment, kind="stable")
    bounds = np.searchsorted(assignment[order], np.arange(k + 1))
    out: list[Any] = []
    for g in range(k):
        members = cells.polygons[order[bounds[g] : bounds[g + 1]]]
        if len(members) == 0:
            out.append(shapely.Polygon())
            continue
        geom = shapely.coverage_union_all(members)
        if not geom.is_valid:
            geom = shapely.union_all(members, grid_size=GRID_M)
        out.append(_drop_specks(geom))
    return out


def _drop_specks(geom: Any) -> Any:
    """Remove holes and parts under SPECK_M2: rounding leftovers between cells, not land."""
    parts = []
    for p in shapely.get_parts(geom):
        if p.geom_type != "Polygon":
            continue
        holes = [r for r in p.interiors if shapely.Polygon(r).area >= SPECK_M2]
        parts.append(shapely.Polygon(p.exterior, holes))
    big = [p for p in parts if p.area >= SPECK_M2]
    parts = big or parts
    if not parts:
        return geom
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def polsby_popper(cells: Cells, polygons: list[Any]) -> np.ndarray:
    """4πA/P² per geometry, each measured in an equirectangular projection at its own latitude."""
    out = np.zeros(len(polygons))
    lat0 = cells.projection.lat0
    for g, geom in enumerate(polygons):
        if geom is None or geom.is_empty:
            continue
        lat_g = lat0 + geom.centroid.y / cells.projection.ky
        sx = float(np.cos(np.radians(lat_g)) / np.cos(np.radians(lat0)))
        local = shapely.transform(geom, lambda c, s=sx: c * np.array([s, 1.0]))
        a, p = shapely.area(local), shapely.length(local)
        out[g] = 4 * np.pi * a / (p * p) if p > 0 else 0.0
    return out
