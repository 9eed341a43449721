"""The sales funnel over plain rows: how far opportunities got, how long they stayed, how
many were won and why the others were lost. Pure Python (no Django), so the numbers are
tested with hand-built histories and the selector only has to fetch rows.

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
from collections.abc import Iterable, Sequence
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


def compute(rows: Iterable[FunnelRow]) -> Funnel:
    """The funnel of `rows` (see the module's docstring for the definitions)."""
    reached = Counter[str]()
    hours: dict[str, list[float]] = {s: [] for s in TIMED}
    reasons = Counter[str]()
    total = won = lost = 0
    value = Decimal("0.00")
    for row in rows:
        total += 1
        top = _highest(row)
        for stage in LADDER[: top + 1]:
            reached[stage] += 1
        for stage, h in _stays(row).items():
            hours[stage].append(h)
        if row.stage == WON:
            won += 1
            value += row.won_value
        elif row.stage == LOST:
            lost += 1
            reasons[row.lost_reason or "other"] += 1
    stages = []
    for i, stage in enumerate(LADDER):
        nxt = LADDER[i + 1] if i + 1 < len(LADDER) else None
        conversion = reached[nxt] / reached[stage] if nxt and reached[stage] else None
        measured = hours.get(stage, [])
        stages.append(
            StageFigures(
                stage=stage,
                reached=reached[stage],
                conversion=conversion,
                stays=len(measured),
                median_hours=statistics.median(measured) if measured else None,
                mean_hours=statistics.fmean(measured) if measured else None,
            )
        )
    decided = won + lost
    return Funnel(
        total=total,
        stages=stages,
        won=won,
        lost=lost,
        open=total - decided,
        win_rate=won / decided if decided else None,
        lost_reasons=sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])),
        value_won=value,
    )
