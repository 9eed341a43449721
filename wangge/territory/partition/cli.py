"""Command line: partition a CSV of sites, for anyone to check results on files.

    python -m wangge.territory.partition SITES.csv --grids K --balance households,customers \\
        --out ASSIGNMENT.csv [--geojson GRIDS.geojson] [--outline OUTLINE.geojson] ...

SITES.csv has columns id,lon,lat plus one column per balanced attribute. ASSIGNMENT.csv gets
id,grid with grids numbered 1..K (the same format is read back by --initial and --locked).
A JSON summary goes to stdout. Bad input: a message on stderr and exit code 2.

With `--frontier N` (two or more attributes), N plans are computed from the most compact
(--compactness) to the most balanced on the other attributes; point i (1..N, most compact
first) is written to ASSIGNMENT-i.csv (and GRIDS-i.geojson), and stdout gets
{"frontier": [summary of each point, with its "point", "setting" and "dominated"]}.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .core import partition
from .frontier import MAX_POINTS, frontier
from .types import Problem, Result


class InputError(Exception):
    pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.frontier is not None:
        return _main_frontier(args)
    try:
        problem, ids = _problem(args)
        result = partition(problem)
    except (InputError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        _write_assignment(Path(args.out), ids, result)
        if args.geojson:
            _write_geojson(Path(args.geojson), result)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump(summary(result), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _main_frontier(args: argparse.Namespace) -> int:
    try:
        if not 1 <= args.frontier <= MAX_POINTS:
            raise InputError(f"--frontier must be between 1 and {MAX_POINTS}")
        problem, ids = _problem(args)
        if len(problem.weights) < 2:
            raise InputError("--frontier needs two or more --balance columns")
        points = frontier(problem, args.frontier)
    except (InputError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out: list[dict[str, Any]] = []
    try:
        for i, point in enumerate(points, start=1):
            _write_assignment(_numbered(Path(args.out), i), ids, point.result)
            if args.geojson:
                _write_geojson(_numbered(Path(args.geojson), i), point.result)
            out.append(
                {
                    "point": i,
                    "setting": round(point.setting, 4),
                    "dominated": point.dominated,
                    **summary(point.result),
                }
            )
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump({"frontier": out}, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _numbered(path: Path, i: int) -> Path:
    """plan.csv -> plan-1.csv"""
    return path.with_name(f"{path.stem}-{i}{path.suffix}")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m wangge.territory.partition",
        description="Divide sites into K balanced, contiguous, compact grids.",
    )
    p.add_argument("sites", help="CSV with id,lon,lat and one column per balanced attribute")
    p.add_argument("--grids", type=int, required=True, help="number of grids K")
    p.add_argument(
        "--balance", required=True, help="attribute columns to balance, primary first (a,b,...)"
    )
    p.add_argument("--tolerance", type=float, default=0.05, help="primary, e.g. 0.05 = ±5%%")
    p.add_argument("--secondary-tolerance", type=float, default=0.10)
    p.add_argument(
        "--compactness", type=float, default=0.5, help="0 = balance first … 1 = shape first"
    )
    p.add_argument("--outline", help="GeoJSON polygon(s) of the service area")
    p.add_argument("--barriers", help="GeoJSON lines no grid may cross (rivers, highways)")
    p.add_argument("--initial", help="previous assignment CSV (id,grid numbered 1..K)")
    p.add_argument("--locked", help="CSV id,grid (1..K): sites pinned to a grid")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--time-limit", type=float, default=None, help="CPU seconds for the search (default: none)"
    )
    p.add_argument("--out", required=True, help="assignment CSV to write (id,grid)")
    p.add_argument("--geojson", help="grid polygons GeoJSON to write")
    p.add_argument(
        "--frontier",
        type=int,
        metavar="N",
        help="compute N plans from the most compact to the most balanced on the other "
        "attributes; writes OUT-1.csv … OUT-N.csv",
    )
    return p


def _problem(args: argparse.Namespace) -> tuple[Problem, list[str]]:
    attrs = [a.strip() for a in args.balance.split(",") if a.strip()]
    if not attrs:
        raise InputError("--balance needs at least one column name")
    if len(set(attrs)) != len(attrs):
        raise InputError("--balance names a column twice")
    ids, lon, lat, weights = _read_sites(Path(args.sites), attrs)
    n = len(ids)
    if not 1 <= args.grids <= n:
        raise InputError(f"--grids must be between 1 and the number of sites ({n})")
    for name, v in (
        ("--tolerance", args.tolerance),
        ("--secondary-tolerance", args.secondary_tolerance),
    ):
        if not v > 0:
            raise InputError(f"{name} must be positive")
    if not 0 <= args.compactness <= 1:
        raise InputError("--compactness must be between 0 and 1")
    index = {s: i for i, s in enumerate(ids)}
    initial = None
    if args.initial:
        initial = np.full(n, -1, dtype=np.int64)
        for s, g in _read_pairs(Path(args.initial), args.grids).items():
            if s in index:
                initial[index[s]] = g
    locked = None
    if args.locked:
        locked = {
            index[s]: g for s, g in _read_pairs(Path(args.locked), args.grids).items() if s in index
        }
    problem = Problem(
        ids=ids,
        lon=lon,
        lat=lat,
        weights=weights,
        k=args.grids,
        tolerance=args.tolerance,
        secondary_tolerance=args.secondary_tolerance,
        outline=_read_geometry(Path(args.outline), "Polygon") if args.outline else None,
        barriers=_read_lines(Path(args.barriers)) if args.barriers else (),
        locked=locked,
        initial=initial,
        compactness=args.compactness,
        seed=args.seed,
        time_limit=args.time_limit,
    )
    return problem, ids


def _read_sites(
    path: Path, attrs: list[str]
) -> tuple[list[str], np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in ["id", "lon", "lat", *attrs] if c not in header]
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
        reader.fieldnames = header
        ids: list[str] = []
        cols: dict[str, list[float]] = {c: [] for c in ["lon", "lat", *attrs]}
        for line, row in enumerate(reader, start=2):
            ids.append((row["id"] or "").strip())
            for c in cols:
                raw = (row.get(c) or "").strip()
                try:
                    v = float(raw)
                except ValueError:
                    raise InputError(f"{path}:{line}: {c} is not a number: {raw!r}") from None
                if not np.isfinite(v):
                    raise InputError(f"{path}:{line}: {c} is not a finite number: {raw!r}")
                if c in attrs and v < 0:
                    raise InputError(f"{path}:{line}: {c} is negative: {raw!r}")
                cols[c].append(v)
    if not ids:
        raise InputError(f"{path}: no sites")
    if any(not s for s in ids):
        raise InputError(f"{path}: a site has an empty id")
    if len(set(ids)) != len(ids):
        dup = next(s for s in ids if ids.count(s) > 1)
        raise InputError(f"{path}: duplicate site id {dup!r}")
    lon, lat = np.array(cols["lon"]), np.array(cols["lat"])
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        raise InputError(f"{path}: lon/lat must be WGS-84 degrees")
    return ids, lon, lat, {a: np.array(cols[a]) for a in attrs}


def _read_pairs(path: Path, k: int) -> dict[str, int]:
    """id,grid (1..K) -> {id: grid index 0..K-1}; other grid values mean "no grid"."""
    out: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        if "id" not in header or "grid" not in header:
            raise InputError(f"{path}: needs columns id,grid")
        reader.fieldnames = header
        for line, row in enumerate(reader, start=2):
            raw = (row["grid"] or "").strip()
            if not raw:
                continue
            try:
                g = int(float(raw))
            except ValueError:
                raise InputError(f"{path}:{line}: grid is not a number: {raw!r}") from None
            if 1 <= g <= k:
                out[(row["id"] or "").strip()] = g - 1
    return out


def _geojson_geoms(path: Path) -> list[Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if data.get("type") == "FeatureCollection":
        items = [f.get("geometry") for f in data.get("features", [])]
    elif data.get("type") == "Feature":
        items = [data.get("geometry")]
    else:
        items = [data]
    out = []
    for g in items:
        if g:
            try:
                out.append(shapely.from_geojson(json.dumps(g)))
            except shapely.errors.GEOSException as exc:
                raise InputError(f"{path}: unreadable geometry ({exc})") from None
    return out


def _read_geometry(path: Path, kind: str) -> Any:
    geoms = [g for g in _geojson_geoms(path) if kind in g.geom_type]
    if not geoms:
        raise InputError(f"{path}: no {kind} geometry")
    return shapely.union_all([shapely.make_valid(g) for g in geoms])


def _read_lines(path: Path) -> list[Any]:
    lines: list[Any] = []
    for g in _geojson_geoms(path):
        lines.extend(p for p in shapely.get_parts(g) if p.geom_type == "LineString")
    return lines


def _write_assignment(path: Path, ids: list[str], result: Result) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "grid"])
        for s, g in zip(ids, result.assignment.tolist(), strict=True):
            w.writerow([s, g + 1])


def _write_geojson(path: Path, result: Result) -> None:
    feats = []
    for g, geom in enumerate(result.polygons):
        props: dict[str, Any] = {
            "grid": g + 1,
            "polsby_popper": round(float(result.compactness[g]), 4),
        }
        for a, tot in result.totals.items():
            props[a] = float(tot[g])
            props[f"{a}_deviation"] = round(float(result.deviation[a][g]), 5)
        feats.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")


def summary(result: Result) -> dict[str, Any]:
    pp = result.compactness
    return {
        "max_deviation": {a: round(v, 5) for a, v in result.max_deviation.items()},
        "disconnected": result.disconnected,
        "compactness": {
            "mean": round(float(pp.mean()), 4) if len(pp) else 0.0,
            "min": round(float(pp.min()), 4) if len(pp) else 0.0,
        },
        "moved": result.moved,
        "issues": [
            {
                "code": i.code,
                "severity": i.severity,
                "message": i.message,
                "attribute": i.attribute,
                "grid": None if i.grid is None else i.grid + 1,
                "site_ids": i.site_ids[:20],
                "where": i.where,
            }
            for i in result.issues
        ],
        "seconds": round(result.seconds, 3),
    }
