"""Periods of sales, settlement, targets and awards: a month "YYYY-MM" or a quarter
"YYYY-Qn" (pure Python)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")


@dataclass(frozen=True)
class Period:
    """A month or a quarter of a year: its code, first and last day, and its months."""

    year: int
    first_month: int
    months: int  # 1 for a month, 3 for a quarter

    @property
    def code(self) -> str:
        if self.months == 1:
            return f"{self.year:04d}-{self.first_month:02d}"
        return f"{self.year:04d}-Q{(self.first_month - 1) // 3 + 1}"

    @property
    def month_numbers(self) -> list[int]:
        return list(range(self.first_month, self.first_month + self.months))

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """The last day (inclusive)."""
        last = self.first_month + self.months - 1
        nxt = dt.date(self.year + 1, 1, 1) if last == 12 else dt.date(self.year, last + 1, 1)
        return nxt - dt.timedelta(days=1)

    def __str__(self) -> str:
        return self.code


def parse_period(text: str) -> Period:
    """ "2026-05" or "2026-Q2"; anything else is a ValueError with the expected forms."""
    text = (text or "").strip()
    m = _MONTH.match(text)
    if m and 1 <= int(m[2]) <= 12 and int(m[1]) >= 1900:
        return Period(int(m[1]), int(m[2]), 1)
    q = _QUARTER.match(text)
    if q and int(q[1]) >= 1900:
        return Period(int(q[1]), (int(q[2]) - 1) * 3 + 1, 3)
    raise ValueError(f"period {text!r}: expected YYYY-MM or YYYY-Qn")


def period_bounds(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day (both included) of "YYYY-MM" or "YYYY-Qn"; ValueError else."""
    period = parse_period(text)
    return period.start, period.end


def month_of(day: dt.date) -> Period:
    return Period(day.year, day.month, 1)


def previous_month(day: dt.date) -> Period:
    first = day.replace(day=1) - dt.timedelta(days=1)
    return Period(first.year, first.month, 1)
