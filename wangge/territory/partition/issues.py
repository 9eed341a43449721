"""User-facing notes: what makes a tolerance infeasible, and where."""

from __future__ import annotations

from typing import Any

import numpy as np

from .construct import best_deviation
from .geometry import Cells
from .model import Setup
from .types import Issue, Problem

MAX_IDS = 200


def issue(code: str, message: str, **kw: Any) -> Issue:
    return Issue(code=code, message=message, **kw)


def _where(
    cells: Cells, mask_or_idx: np.ndarray, w: np.ndarray | None = None
) -> tuple[float, float]:
    idx = np.flatnonzero(mask_or_idx) if mask_or_idx.dtype == bool else mask_or_idx
    wt = cells.area[idx] if w is None else w[idx] + 1e-12
    x = float(np.average(cells.x[idx], weights=wt))
    y = float(np.average(cells.y[idx], weights=wt))
    # The site nearest the weighted centre, so the marker sits inside the area.
    j = idx[int(np.argmin(np.hypot(cells.x[idx] - x, cells.y[idx] - y)))]
    lon, lat = cells.projection.inverse(cells.x[j], cells.y[j])
    return float(lon), float(lat)


def _ids(problem: Problem, cells: Cells, cell_idx: np.ndarray) -> list[str]:
    sites = np.flatnonzero(np.isin(cells.site_cell, cell_idx))
    return [str(problem.ids[i]) for i in sites[:MAX_IDS]]


def geometry_notes(cells: Cells, problem: Problem) -> list[Issue]:
    out: list[Issue] = []
    if cells.duplicates:
        sites = np.concatenate(cells.duplicates)
        out.append(
            issue(
                "duplicate_points",
                f"{len(sites)} sites share a location with another site "
                f"({len(cells.duplicates)} locations); sites at one location share one cell "
                "and always stay in the same grid.",
                site_ids=[str(problem.ids[i]) for i in sites[:MAX_IDS]],
                severity="info",
            )
        )
    if len(cells.outside):
        i = int(cells.outside[0])
        out.append(
            issue(
                "outside_outline",
                f"{len(cells.outside)} sites lie outside the service area; each joins the cell "
                "of the nearest site inside it.",
                site_ids=[str(problem.ids[s]) for s in cells.outside[:MAX_IDS]],
                where=(float(problem.lon[i]), float(problem.lat[i])),
            )
        )
    for piece in cells.siteless[:20]:
        pt = piece.representative_point()
        lon, lat = cells.projection.inverse(pt.x, pt.y)
        out.append(
            issue(
                "area_without_sites",
                "Part of the service area has no site and touches no other cell (an island, or "
                "land enclosed by barriers); it is joined to the nearest cell, so that grid has "
                "more than one part.",
                where=(float(lon), float(lat)),
                severity="info",
            )
        )
    return out


def oversize(s: Setup, names: list[str], problem: Problem) -> list[Issue]:
    """Sites (cells) that alone exceed a grid's upper tolerance."""
    out: list[Issue] = []
    for a, name in enumerate(names):
        if s.importance[a] == 0:
            continue
        cap = s.target[a] * (1 + s.tol[a])
        big = np.flatnonzero(s.w[:, a] > cap)
        if not len(big):
            continue
        share = s.w[big, a] / s.target[a]
        worst = big[int(np.argmax(share))]
        out.append(
            issue(
                "site_exceeds_target",
                f"{len(big)} site(s) alone hold more {name} than a grid may "
                f"(target {s.target[a]:.6g} +{s.tol[a]:.0%}); the largest is "
                f"{share.max():.0%} of the target, so its grid exceeds the tolerance whatever "
                "else it holds. Use fewer grids or a wider tolerance.",
                attribute=name,
                site_ids=_ids(problem, s.cells, big),
                where=_where(s.cells, np.array([worst])),
            )
        )
    return out


def components(
    s: Setup,
    comp: np.ndarray,
    counts: np.ndarray,
    comp_w: np.ndarray,
    names: list[str],
    problem: Problem,
) -> list[Issue]:
    """Separate areas (islands, areas cut off by barriers or pinned grids)."""
    out: list[Issue] = []
    if len(counts) <= 1:
        return out
    t = s.target[0]
    best = best_deviation(comp_w, counts, t)
    for c in range(len(counts)):
        members = comp == c
        if counts[c] == 0:
            out.append(
                issue(
                    "disconnected_input",
                    f"An area cut off from the rest (by the outline, a barrier or pinned grids) "
                    f"holds only {comp_w[c] / t:.0%} of a grid's {names[0]}; it cannot form a "
                    "grid of its own and is joined to the nearest grid, which therefore has "
                    "two parts.",
                    attribute=names[0],
                    site_ids=_ids(problem, s.cells, np.flatnonzero(members)),
                    where=_where(s.cells, members, s.w[:, 0]),
                )
            )
            continue
        load = comp_w[c] / (counts[c] * t) - 1
        if abs(load) > s.tol[0]:
            out.append(
                issue(
                    "area_cannot_balance",
                    f"An area cut off from the rest (by the outline, a barrier or pinned grids) "
                    f"holds {comp_w[c] / t:.2f} grids' worth of {names[0]} and gets "
                    f"{int(counts[c])} grid(s), so its grids are about {load:+.0%} off target "
                    f"at best. No other share of grids between the separate areas does better: "
                    f"the best reachable is ±{best:.1%} on {names[0]} over all grids.",
                    attribute=names[0],
                    site_ids=_ids(problem, s.cells, np.flatnonzero(members))[:20],
                    where=_where(s.cells, members, s.w[:, 0]),
                    value=best,
                )
            )
    return out


def outcome(
    s: Setup,
    names: list[str],
    label: np.ndarray,
    deviation: dict[str, np.ndarray],
    disconnected: list[int],
    metric: list[Any],
    problem: Problem,
) -> list[Issue]:
    out: list[Issue] = []
    k = s.k
    tot = np.zeros((k, len(names)))
    np.add.at(tot, label, s.w)
    for a, name in enumerate(names):
        dev = deviation[name]
        bad = np.flatnonzero(np.abs(dev) > s.tol[a] + 1e-9)
        if not len(bad) or s.importance[a] == 0:
            continue
        worst = int(bad[np.argmax(np.abs(dev[bad]))])
        msg = (
            f"{len(bad)} grid(s) are outside the ±{s.tol[a]:.0%} tolerance on {name} "
            f"(worst: grid {worst + 1}, {dev[worst]:+.1%})."
        )
        oversized = s.w[label == worst, a].max() > s.target[a] * (1 + s.tol[a])
        if oversized:
            msg += " That grid holds a site larger than the tolerance allows."
        elif a > 0 and tot[:, 0].sum() > 0:
            ratio = tot[worst, a] / max(tot[worst, 0], 1e-300)
            overall = tot[:, a].sum() / tot[:, 0].sum()
            msg += (
                f" Its {name}/{names[0]} ratio is {ratio:.3g} against {overall:.3g} overall: "
                f"balancing both would need grids to reach into areas with a different ratio "
                "(long, snaking grids). Lower the compactness setting or widen the tolerance."
            )
        else:
            msg += (
                " Site sizes and shapes leave no compact way to reach it; lower the "
                "compactness setting or widen the tolerance."
            )
        out.append(
            issue(
                "tolerance_not_met",
                msg,
                attribute=name,
                grid=worst,
                grids=[int(g) for g in bad],
                where=_where(s.cells, label == worst, s.w[:, 0]),
            )
        )
    for g in disconnected:
        out.append(
            issue(
                "grid_disconnected",
                f"Grid {g + 1} is in more than one piece (pinned sites or an area cut off from "
                "the rest).",
                grid=g,
                where=_where(s.cells, label == g, s.w[:, 0]),
            )
        )
    for g, geom in enumerate(metric):
        if geom.geom_type == "Polygon" and len(geom.interiors) and g not in disconnected:
            holes = [
                h
                for h in range(k)
                if h != g and metric[h].within(geom.buffer(1.0)) and not metric[h].is_empty
            ]
            if holes:
                out.append(
                    issue(
                        "grid_encloses_grid",
                        f"Grid {g + 1} surrounds grid(s) "
                        + ", ".join(str(h + 1) for h in holes)
                        + ".",
                        grid=g,
                        grids=holes,
                        where=_where(s.cells, label == g, s.w[:, 0]),
                        severity="info",
                    )
                )
    return out


def stopped(why: str, operations: float) -> Issue:
    """The search ran out of its budget before it converged: the plan may be improvable."""
    if why == "cpu":
        text = (
            "The search reached its CPU time limit before it converged; the plan may be "
            "improvable, and another run can give a different plan."
        )
    else:
        text = (
            f"The search used its whole budget ({operations:,.0f} operations) before it "
            "converged; the plan may be improvable with a larger budget."
        )
    return issue("search_stopped", text)
