"""Target decomposition (目标分解): a company's annual target → grids → persons → months.

Pure Python (no Django): plain numbers and keys in, plain numbers out. Shares are proposed
from a basis (households, customers, market potential, last year's actuals, or equal) and
split by the largest-remainder method, so the parts are whole units of the indicator (a
count, or fen for money) and always add up exactly to the whole; the manager may then edit
them, and `check` says which level no longer adds up and by how much.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)

MONTHS = 12
#: The bases a proposal can use; the caller looks the weights up, this module only splits.
BASES = ("households", "customers", "potential", "last_year", "equal")


class DecompositionError(ValueError):
    """A total or a weight that cannot be split (negative, or finer than the unit)."""


def _units(value: Decimal | int, places: int) -> int:
    scaled = Decimal(value).scaleb(places)
    if scaled != scaled.to_integral_value():
        raise DecompositionError(f"{value} has more than {places} decimal places")
    return int(scaled)


def _from_units(units: int, places: int) -> Decimal:
    return Decimal(units).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def split(
    total: Decimal | int, weights: Mapping[K, Decimal | int], *, places: int = 0
) -> dict[K, Decimal]:
    """`total` shared among the keys of `weights` in proportion to them, in units of
    10^-places, the parts adding up exactly to `total`.

    Largest remainder: each key gets the floor of its exact quota, and the units left over go
    one each to the largest fractions (ties to the key listed first, so the result depends
    only on the input). All-zero weights split equally: a grid nobody measured yet still
    gets its share rather than nothing.
    """
    if not weights:
        if Decimal(total) != 0:
            raise DecompositionError("nothing to share the total among")
        return {}
    units = _units(total, places)
    if units < 0:
        raise DecompositionError("a target cannot be negative")
    exact = {k: Fraction(Decimal(w)) for k, w in weights.items()}
    if any(w < 0 for w in exact.values()):
        raise DecompositionError("a share's weight cannot be negative")
    whole = sum(exact.values())
    if whole == 0:
        exact = dict.fromkeys(exact, Fraction(1))
        whole = Fraction(len(exact))
    quotas = {k: units * w / whole for k, w in exact.items()}
    parts = {k: int(q) for k, q in quotas.items()}  # floor: quotas are not negative
    left = units - sum(parts.values())
    order = list(quotas)
    by_fraction = sorted(order, key=lambda k: (-(quotas[k] - parts[k]), order.index(k)))
    for k in by_fraction[:left]:
        parts[k] += 1
    return {k: _from_units(parts[k], places) for k in order}


def split_months(
    total: Decimal | int, *, places: int = 0, weights: Sequence[Decimal | int] | None = None
) -> list[Decimal]:
    """A yearly figure in twelve months (equal by default, or by seasonal weights)."""
    w = list(weights) if weights is not None else [1] * MONTHS
    if len(w) != MONTHS:
        raise DecompositionError("twelve monthly weights are needed")
    parts = split(total, dict(enumerate(w, start=1)), places=places)
    return [parts[m] for m in range(1, MONTHS + 1)]


@dataclass(frozen=True)
class Plan:
    """A decomposition: the year, each grid's share, each grid's persons, each person's
    months (a list of twelve)."""

    total: Decimal
    grids: dict[Any, Decimal]
    persons: dict[Any, dict[Any, Decimal]]
    months: dict[Any, list[Decimal]]


def propose(
    total: Decimal | int,
    grid_weights: Mapping[Any, Decimal | int],
    person_weights: Mapping[Any, Mapping[Any, Decimal | int]],
    *,
    places: int = 0,
    month_weights: Sequence[Decimal | int] | None = None,
) -> Plan:
    """The helper's proposal: the year split over grids, each grid over its persons (a grid
    with nobody keeps its share at grid level), each person's year over the months."""
    grids = split(total, grid_weights, places=places)
    persons: dict[Any, dict[Any, Decimal]] = {}
    months: dict[Any, list[Decimal]] = {}
    for grid, grid_total in grids.items():
        people = person_weights.get(grid) or {}
        if not people:
            continue
        persons[grid] = split(grid_total, people, places=places)
        for person, person_total in persons[grid].items():
            months[person] = split_months(person_total, places=places, weights=month_weights)
    return Plan(
        total=_from_units(_units(total, places), places),
        grids=dict(grids),
        persons=persons,
        months=months,
    )


@dataclass(frozen=True)
class Discrepancy:
    """One level that does not add up: the parts under `key` sum to `actual`, not `expected`
    (`off` = actual − expected; positive means the parts are over)."""

    level: str  # "grids" (grids vs the company), "persons" (a grid's persons), "months"
    key: Hashable
    expected: Decimal
    actual: Decimal

    @property
    def off(self) -> Decimal:
        return self.actual - self.expected


def check(
    total: Decimal | int,
    grids: Mapping[Any, Decimal | int],
    persons: Mapping[Any, Mapping[Any, Decimal | int]] | None = None,
    months: Mapping[Any, Sequence[Decimal | int]] | None = None,
) -> list[Discrepancy]:
    """Every level whose parts do not add up to the level above, top down.

    A grid with no persons listed, or a person with no months, is not checked at that
    level (the target stays at the level above until someone splits it).
    """
    out: list[Discrepancy] = []
    total = Decimal(total)
    grid_sum = sum((Decimal(v) for v in grids.values()), Decimal(0))
    if grids and grid_sum != total:
        out.append(Discrepancy("grids", None, total, grid_sum))
    person_totals: dict[Any, Decimal] = {}
    for grid, people in (persons or {}).items():
        if not people:
            continue
        expected = Decimal(grids.get(grid, 0))
        got = sum((Decimal(v) for v in people.values()), Decimal(0))
        person_totals.update({p: Decimal(v) for p, v in people.items()})
        if got != expected:
            out.append(Discrepancy("persons", grid, expected, got))
    for person, values in (months or {}).items():
        if not values:
            continue
        expected = person_totals.get(person, Decimal(0))
        got = sum((Decimal(v) for v in values), Decimal(0))
        if got != expected:
            out.append(Discrepancy("months", person, expected, got))
    return out


def months_off(year: Decimal | int, months: Sequence[Decimal | int]) -> Decimal:
    """How far twelve months are from their year (0 when they add up): the import's rule."""
    return sum((Decimal(v) for v in months), Decimal(0)) - Decimal(year)
