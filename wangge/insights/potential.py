"""Market potential per estate (seed §五(四)1): how many customers each estate can bring.

Pure: no Django. Plain records in, plain results out, so the model, its bench and its tests
run without a database.

The model is a ridge regression of penetration (our subscribers over households) on a few
survey factors, standardised, fitted on the estates whose penetration is known. It is
linear on purpose: each estate's forecast is the average penetration plus one contribution
per factor (coefficient × the estate's standardised value), and those contributions are
what the ranking shows ("why this estate ranks high"). A missing survey value counts as
the average (contribution 0), so an unsurveyed estate is forecast by what is known of it.

Its honesty is measured, not assumed: `cross_validate` fits on all estates but one fold
and scores the held-out fold, beside the naive baseline the seed's teams use without a
model, each grid's average penetration (the county's for a grid with no other estate).
"""

from __future__ import annotations

import math
import random
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

#: Penetration is only learnt from estates this large: a handful of households says little.
MIN_HOUSEHOLDS = 10
#: Ridge strength (on standardised factors): enough to keep a factor few estates vary on
#: from taking a large weight, small against the number of estates of a county.
DEFAULT_ALPHA = 3.0


@dataclass(frozen=True)
class Estate:
    """What the survey knows of one estate. Shares are fractions 0–1; None: not surveyed."""

    id: int
    name: str
    grid: str
    households: int
    customers: int  # ours today (existing and new)
    occupancy: float | None = None
    pc_owners: int | None = None
    young_share: float | None = None
    senior_share: float | None = None
    tenant_share: float | None = None
    competitors: int = 0
    competitor_years: float | None = None  # since the first competitor arrived
    competitor_price: float | None = None  # their cheapest current offer, yuan per month

    @property
    def penetration(self) -> float | None:
        if self.households < MIN_HOUSEHOLDS:
            return None
        return min(self.customers / self.households, 1.0)


def _pc_share(e: Estate) -> float | None:
    if e.pc_owners is None or not e.households:
        return None
    return min(e.pc_owners / e.households, 1.0)


#: The factors, in the order they are shown: (key, label, value of an estate).
FACTORS: tuple[tuple[str, str, Callable[[Estate], float | None]], ...] = (
    ("households", "总户数（对数）", lambda e: math.log1p(e.households)),
    ("occupancy", "入住率", lambda e: e.occupancy),
    ("pc_share", "拥有电脑比例", _pc_share),
    ("young_share", "35岁以下业主占比", lambda e: e.young_share),
    ("senior_share", "60岁以上业主占比", lambda e: e.senior_share),
    ("tenant_share", "租户占比", lambda e: e.tenant_share),
    ("competitors", "竞争对手数", lambda e: float(e.competitors)),
    ("competitor_years", "竞争对手进入年数", lambda e: e.competitor_years),
    ("competitor_price", "竞争对手最低月资费", lambda e: e.competitor_price),
)


@dataclass
class Model:
    """A fitted model: the mean penetration, each factor's mean, spread and coefficient."""

    intercept: float
    means: np.ndarray
    scales: np.ndarray
    coefficients: np.ndarray
    fitted_on: int

    def contributions(self, estate: Estate) -> list[float]:
        z = _standardise(_row(estate), self.means, self.scales)
        return (z * self.coefficients).tolist()

    def penetration(self, estate: Estate) -> float:
        return _clip(self.intercept + sum(self.contributions(estate)))


@dataclass(frozen=True)
class Forecast:
    estate: Estate
    penetration: float  # forecast
    potential: int  # customers the estate can bring in all: forecast × households
    untapped: int  # potential less today's customers (never below 0)
    factors: list[tuple[str, float]] = field(default_factory=list)  # (label, contribution)


def _row(e: Estate) -> np.ndarray:
    values = [f(e) for _k, _l, f in FACTORS]
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _standardise(x: np.ndarray, means: np.ndarray, scales: np.ndarray) -> np.ndarray:
    z = (x - means) / scales
    return np.where(np.isnan(z), 0.0, z)  # unknown: the average, no contribution


def _clip(p: float) -> float:
    return min(max(p, 0.0), 1.0)


def fit(estates: Sequence[Estate], *, alpha: float = DEFAULT_ALPHA) -> Model:
    """Ridge regression of penetration on the standardised factors, over the estates whose
    penetration is known. With none the model is 0; with one or two, their average."""
    known = [e for e in estates if e.penetration is not None]
    k = len(FACTORS)
    if not known:
        return Model(0.0, np.zeros(k), np.ones(k), np.zeros(k), 0)
    x = np.array([_row(e) for e in known])
    y = np.array([e.penetration for e in known], dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a factor nobody surveyed: NaN
        means = np.nanmean(x, axis=0)
        scales = np.nanstd(x, axis=0)
    means = np.where(np.isnan(means), 0.0, means)
    # A factor nobody surveyed, or the same everywhere, says nothing: scale 1, weight 0.
    scales = np.where(np.isnan(scales) | (scales < 1e-9), 1.0, scales)
    z = _standardise(x, means, scales)
    intercept = float(y.mean())
    gram = z.T @ z + alpha * np.eye(k)
    coefficients = np.linalg.solve(gram, z.T @ (y - intercept))
    return Model(intercept, means, scales, coefficients, len(known))


def forecast(model: Model, estates: Sequence[Estate]) -> list[Forecast]:
    """Each estate's forecast with its factors, ranked by untapped potential (most first)."""
    out = []
    for e in estates:
        parts = model.contributions(e)
        p = _clip(model.intercept + sum(parts))
        potential = round(p * e.households)
        factors = sorted(
            ((label, c) for (_k, label, _f), c in zip(FACTORS, parts, strict=True) if c),
            key=lambda lc: -abs(lc[1]),
        )
        out.append(Forecast(e, p, potential, max(potential - e.customers, 0), factors))
    out.sort(key=lambda f: (-f.untapped, f.estate.id))
    return out


def share_out(total: int, weights: dict[int, int]) -> dict[int, int]:
    """`total` in whole customers among the keys by their weights (largest remainder, ties
    to the smaller key), so the parts add up to the total exactly."""
    whole = sum(weights.values())
    if total <= 0 or whole <= 0:
        return {}
    exact = {k: total * w / whole for k, w in weights.items() if w > 0}
    out = {k: int(v) for k, v in exact.items()}
    left = total - sum(out.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - out[k]), k))[:left]:
        out[k] += 1
    return {k: v for k, v in out.items() if v}


def baseline(train: Sequence[Estate]) -> Callable[[Estate], float]:
    """The naive forecast: the estate's grid's average penetration (the county's for a
    grid the training estates do not cover)."""
    by_grid: dict[str, list[float]] = defaultdict(list)
    for e in train:
        if e.penetration is not None:
            by_grid[e.grid].append(e.penetration)
    every = [p for ps in by_grid.values() for p in ps]
    county = sum(every) / len(every) if every else 0.0
    means = {g: sum(ps) / len(ps) for g, ps in by_grid.items()}
    return lambda e: means.get(e.grid, county)


@dataclass(frozen=True)
class Evaluation:
    estates: int  # scored (penetration known)
    folds: int
    model_mae: float  # mean absolute error of penetration on held-out estates
    baseline_mae: float
    model_customers_mae: float  # the same in customers per estate
    baseline_customers_mae: float


def cross_validate(
    estates: Sequence[Estate], *, folds: int = 5, alpha: float = DEFAULT_ALPHA
) -> Evaluation:
    """K-fold: every known estate is forecast once by a model (and a baseline) that never
    saw it. Folds are by id (deterministic), not random."""
    known = sorted((e for e in estates if e.penetration is not None), key=lambda e: e.id)
    folds = max(2, min(folds, len(known))) if len(known) >= 2 else 0
    errors: list[tuple[float, float, float, float]] = []
    for f in range(folds):
        test = known[f::folds]
        train = [e for i, e in enumerate(known) if i % folds != f]
        model, naive = fit(train, alpha=alpha), baseline(train)
        for e in test:
            truth = e.penetration or 0.0
            p, b = model.penetration(e), naive(e)
            errors.append(
                (abs(p - truth), abs(b - truth), abs(p - truth) * e.households,
                 abs(b - truth) * e.households)
            )  # fmt: skip
    n = len(errors) or 1
    sums = [sum(col) / n for col in zip(*errors, strict=True)] if errors else [0.0] * 4
    return Evaluation(len(errors), folds, *sums)


def synthetic_county(n: int, grids: int, noise: float, seed: int) -> list[Estate]:
    """A seeded county for the bench and the tests: penetration follows the survey factors
    the way the seed describes them (computers and young owners raise it; many tenants and
    an early, cheap competitor lower it), grids differ, noise on top; some estates were
    never surveyed. Not a claim about any real county: a check that the model learns."""
    rng = random.Random(seed)
    grid_effect = [rng.gauss(0, 0.04) for _ in range(grids)]
    out = []
    for i in range(n):
        g = rng.randrange(grids)
        households = int(rng.lognormvariate(5.5, 0.6))
        pc = rng.uniform(0.3, 0.9)
        young, senior = rng.uniform(0.1, 0.5), rng.uniform(0.05, 0.35)
        tenants = rng.uniform(0, 0.4)
        rivals = rng.choice([0, 1, 1, 2, 2, 3])
        years = rng.uniform(0, 8) if rivals else None
        price = rng.uniform(40, 120) if rivals else None
        p = (0.30 + grid_effect[g] + 0.35 * (pc - 0.6) + 0.25 * (young - 0.3)
             - 0.15 * (senior - 0.2) - 0.30 * (tenants - 0.2) - 0.05 * rivals
             - 0.01 * (years or 0) + 0.002 * ((price or 80) - 80)
             + rng.gauss(0, noise))  # fmt: skip
        p = min(max(p, 0.0), 0.95)
        surveyed = rng.random() < 0.85  # some estates were never surveyed
        out.append(
            Estate(
                id=i, name=f"小区{i}", grid=f"G{g:02d}", households=households,
                customers=round(p * households), occupancy=rng.uniform(0.6, 1.0),
                pc_owners=round(pc * households) if surveyed else None,
                young_share=young if surveyed else None,
                senior_share=senior if surveyed else None,
                tenant_share=tenants if surveyed else None,
                competitors=rivals, competitor_years=years, competitor_price=price,
            )
        )  # fmt: skip
    return out
