"""Completion, performance scores, rankings and award eligibility (pure Python, no Django).

Completion is actual / target. Eligibility compares it exactly (no rounding before the
comparison): 成长之星 needs ≥ 120%, so 120.00% qualifies and 119.99% — or 119.995% — does
not. Shown figures are cut (not rounded) to two places, so a page never shows 120.00% for
someone who did not qualify. Scores have no upper cap (上不封顶): 150% completion scores 150.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
#: 成长之星: a period's sales completion at or above this percentage.
GROWTH_STAR_PERCENT = Decimal(120)


def completion_exact(actual: Decimal | int, target: Decimal | int) -> Fraction | None:
    """actual / target as an exact fraction (1 = 100%); None when there is no target."""
    if Decimal(target) <= 0:
        return None
    return Fraction(Decimal(actual)) / Fraction(Decimal(target))


def percent(ratio: Fraction | None) -> Decimal | None:
    """A ratio as a percentage cut to two places (119.995% shows as 119.99%)."""
    if ratio is None:
        return None
    scaled = ratio * 100
    whole = Decimal(scaled.numerator) / Decimal(scaled.denominator)
    return whole.quantize(CENT, rounding=ROUND_DOWN)


def completion(actual: Decimal | int, target: Decimal | int) -> Decimal | None:
    """Completion in percent, two places, cut: what pages and the CLI show."""
    return percent(completion_exact(actual, target))


def reaches(actual: Decimal | int, target: Decimal | int, threshold_percent: Decimal | int) -> bool:
    """Whether actual / target ≥ threshold%, exactly (actual·100 ≥ threshold·target)."""
    ratio = completion_exact(actual, target)
    if ratio is None:
        return False
    return ratio * 100 >= Fraction(Decimal(threshold_percent))


def growth_star(
    actual: Decimal | int, target: Decimal | int, threshold_percent: Decimal | int = 120
) -> bool:
    """成长之星: the period's sales completion reaches the threshold (120% by default)."""
    return reaches(actual, target, threshold_percent)


def score(
    figures: Mapping[str, tuple[Decimal | int, Decimal | int]], weights: Mapping[str, Decimal]
) -> Decimal | None:
    """Performance score: the weighted mean of the indicators' completion percentages, with
    no cap (上不封顶). `figures` is indicator → (actual, target); indicators without a
    target are left out and the weights of the rest re-normalised (a person with no
    revenue target is scored on volume alone). None when nothing can be scored."""
    num = Fraction(0)
    den = Fraction(0)
    for code, weight in weights.items():
        if code not in figures or Decimal(weight) <= 0:
            continue
        ratio = completion_exact(*figures[code])
        if ratio is None:
            continue
        w = Fraction(Decimal(weight))
        num += w * ratio
        den += w
    if den == 0:
        return None
    return percent(num / den)


def two_part(
    department: Decimal | None,
    team: Decimal | None,
    department_weight: Decimal,
    team_weight: Decimal,
) -> Decimal | None:
    """A virtual-team member's score: their department part and their team part by the
    configured weights (seed 步骤二2). A missing part leaves the other whole."""
    parts = [
        (s, w) for s, w in ((department, department_weight), (team, team_weight)) if s is not None
    ]
    total_w = sum((w for _s, w in parts), Decimal(0))
    if not parts or total_w <= 0:
        return None
    value = sum((s * w for s, w in parts), Decimal(0)) / total_w
    return value.quantize(CENT, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Ranked(Generic[K]):
    rank: int
    key: K
    value: Decimal


def rank(values: Mapping[K, Decimal | None]) -> list[Ranked[K]]:
    """Highest first, competition ranking (1, 2, 2, 4); equal values keep the input order.
    Keys without a value are not ranked."""
    order = list(values)
    present = [k for k in order if values[k] is not None]
    present.sort(key=lambda k: (-Decimal(values[k]), order.index(k)))  # type: ignore[arg-type]
    out: list[Ranked[K]] = []
    for i, k in enumerate(present):
        value = Decimal(values[k])  # type: ignore[arg-type]
        r = out[-1].rank if out and out[-1].value == value else i + 1
        out.append(Ranked(r, k, value))
    return out


def top(values: Mapping[K, Decimal | None], n: int) -> list[Ranked[K]]:
    """超越团队: the first `n` by rank; a tie at the n-th place is awarded to all tied."""
    return [r for r in rank(values) if r.rank <= n]


@dataclass(frozen=True)
class Criterion:
    """One line of the 创业之星 scorecard. A value at or beyond `full_at` earns the whole
    weight; `lower_is_better` (complaints) earns it at zero and loses it linearly up to
    `full_at`."""

    code: str
    weight: Decimal
    full_at: Decimal
    lower_is_better: bool = False


def scorecard(
    values: Mapping[str, Decimal | int | None], criteria: Sequence[Criterion]
) -> tuple[Decimal, dict[str, Decimal]]:
    """The 创业之星 deep evaluation: (total points, points per criterion), two places, cut.
    A missing value earns nothing for that line."""
    lines: dict[str, Decimal] = {}
    for c in criteria:
        raw = values.get(c.code)
        if raw is None or c.full_at <= 0:
            lines[c.code] = Decimal("0.00")
            continue
        share = Fraction(Decimal(raw)) / Fraction(c.full_at)
        share = max(Fraction(0), 1 - share) if c.lower_is_better else min(Fraction(1), share)
        share = max(Fraction(0), share)
        lines[c.code] = percent(share * Fraction(c.weight) / 100) or Decimal("0.00")
    return sum(lines.values(), Decimal("0.00")), lines
