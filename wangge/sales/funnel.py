"""The sales funnel: how far opportunities got, how long they stayed, how many were won and
why the others were lost. Pure Python (no Django).

`compute` is the definition, over plain rows (one opportunity and its stage moves each):
the numbers are tested on hand-built histories. The selector (`selectors_funnel`) works
the same figures out in the database, which returns a few dozen numbers instead of every
step of a grid's quarter, and hands them to `assemble`, which `compute` uses too: the
rates, the ordering and the shape are decided once. The tests hold the two paths equal.

An opportunity *reached* a stage if it was ever in it or further along the ladder (a win
straight from 确认意向 has reached 已下单; a loss keeps what it had reached). Time in stage
counts completed stays only (an opportunity still sitting in a stage has no end to measure;
counting it would make the figure depend on the day it is read); an opportunity that
returned to a stage (a lost one reopened, a quote revised) adds its stays together.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

#: The ladder in order, as the model's stage values (`sales.models.Stage`).
NEED, PROPOSAL, CONFIRMED, ORDERED, WON, LOST = (
    "need",
    "proposal",
    "confirmed",
    "ordered",
    "won",
    "lost",
)
LADDER: tuple[str, ...] = (NEED, PROPOSAL, CONFIRMED, ORDERED, WON)
#: Stages an opportunity stays in for a while (won and lost are where it ends).
TIMED: tuple[str, ...] = (NEED, PROPOSAL, CONFIRMED, ORDERED)
_RANK = {stage: i for i, stage in enumerate(LADDER)}


@dataclass(frozen=True)
class FunnelRow:
    """One opportunity: when it was raised, every stage it moved to since (in time order),
    where it is now, and, once won or lost, the order's monthly fee or the reason."""

    created_at: dt.datetime
    stage: str
    moves: Sequence[tuple[dt.datetime, str]] = ()
    lost_reason: str = ""
    won_value: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class StageFigures:
    stage: str
    reached: int
    #: Share of those that reached this stage that reached the next (None: none reached it,
    #: or the last stage).
    conversion: float | None
    #: Completed stays measured, and their median and mean in hours (None: none).
    stays: int
    median_hours: float | None
    mean_hours: float | None


@dataclass(frozen=True)
class Funnel:
    total: int
    stages: list[StageFigures]
    won: int
    lost: int
    open: int
    #: won / (won + lost); None while nothing is decided.
    win_rate: float | None
    #: (reason, count), most frequent first, then by reason for a stable order.
    lost_reasons: list[tuple[str, int]] = field(default_factory=list)
    value_won: Decimal = Decimal("0.00")


def _stays(row: FunnelRow) -> dict[str, float]:
    """Hours spent in each timed stage, completed stays only, summed per stage."""
    out: dict[str, float] = {}
    current, since = NEED, row.created_at
    for at, stage in sorted(row.moves, key=lambda m: m[0]):
        if current in TIMED:
            hours = max((at - since).total_seconds(), 0.0) / 3600
            out[current] = out.get(current, 0.0) + hours
        current, since = stage, at
    return out


def _highest(row: FunnelRow) -> int:
    """The furthest rank on the ladder the row ever stood at (-1: never on it, impossible
    for a real opportunity, which starts at 需求)."""
    stages = [NEED, *(s for _at, s in row.moves), row.stage]
    ranks = [_RANK[s] for s in stages if s in _RANK]
    return max(ranks, default=-1)


@dataclass(frozen=True)
class Kept:
    """What an opportunity keeps of its history for the funnel (`Opportunity.furthest_stage`
    and the `*_hours` columns), so the funnel reads one row per opportunity, not its steps:
    the furthest stage on the ladder it ever stood at, and its completed stays in hours per
    timed stage (a stage it never left is absent)."""

    furthest: str
    hours: Mapping[str, float]


def kept(row: FunnelRow) -> Kept:
    """The kept figures of one opportunity, by the same definitions as `compute`."""
    return Kept(furthest=LADDER[max(_highest(row), 0)], hours=_stays(row))


@dataclass(frozen=True)
class Stays:
    """The completed stays measured in one stage: how many, their median and mean hours."""

    count: int = 0
    median_hours: float | None = None
    mean_hours: float | None = None


def compute(rows: Iterable[FunnelRow]) -> Funnel:
    """The funnel of `rows` (see the module's docstring for the definitions)."""
    tops = Counter[int]()
    hours: dict[str, list[float]] = {s: [] for s in TIMED}
    reasons = Counter[str]()
    by_stage = Counter[str]()
    value = Decimal("0.00")
    for row in rows:
        tops[_highest(row)] += 1
        for stage, h in _stays(row).items():
            hours[stage].append(h)
        by_stage[row.stage] += 1
        if row.stage == WON:
            value += row.won_value
        elif row.stage == LOST:
            reasons[row.lost_reason] += 1
    stays = {
        stage: Stays(len(h), statistics.median(h), statistics.fmean(h))
        for stage, h in hours.items()
        if h
    }
    return assemble(
        by_stage=by_stage, tops=tops, stays=stays, lost_reasons=reasons, value_won=value
    )


def assemble(
    *,
    by_stage: Mapping[str, int],
    tops: Mapping[int, int],
    stays: Mapping[str, Stays],
    lost_reasons: Mapping[str, int],
    value_won: Decimal,
) -> Funnel:
    """The funnel from its aggregates: opportunities per current stage, per furthest rank
    on the ladder ever stood at (`LADDER` index), the stays per timed stage, the lost ones
    per reason and the orders' fees of the won ones."""
    reached = {
        stage: sum(n for top, n in tops.items() if top >= i) for i, stage in enumerate(LADDER)
    }
    stages = []
    for i, stage in enumerate(LADDER):
        nxt = LADDER[i + 1] if i + 1 < len(LADDER) else None
        conversion = reached[nxt] / reached[stage] if nxt and reached[stage] else None
        measured = stays.get(stage, Stays())
        stages.append(
            StageFigures(
                stage=stage,
                reached=reached[stage],
                conversion=conversion,
                stays=measured.count,
                median_hours=measured.median_hours,
                mean_hours=measured.mean_hours,
            )
        )
    reasons = Counter[str]()
    for reason, n in lost_reasons.items():
        reasons[reason or "other"] += n
    won, lost = by_stage.get(WON, 0), by_stage.get(LOST, 0)
    decided = won + lost
    total = sum(by_stage.values())
    return Funnel(
        total=total,
        stages=stages,
        won=won,
        lost=lost,
        open=total - decided,
        win_rate=won / decided if decided else None,
        lost_reasons=sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])),
        value_won=value_won,
    )
