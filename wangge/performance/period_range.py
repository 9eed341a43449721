"""Settlement and target periods as the operator writes them: a month "2026-03" or a
quarter "2026-Q1". Pure Python, no Django."""

from __future__ import annotations

import datetime as dt
import re

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """The first and last day (both included) of "YYYY-MM" or "YYYY-Qn".

    Raises ValueError for anything else (a month 13, a quarter 5, a year outside
    1900–9999).
    """
    text = period.strip()
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12 or not 1900 <= year <= 9999:
            raise ValueError(f"Not a month: {period!r}")
        return dt.date(year, month, 1), _month_end(year, month)
    if m := _QUARTER.match(text):
        year, quarter = int(m[1]), int(m[2])
        if not 1900 <= year <= 9999:
            raise ValueError(f"Not a quarter: {period!r}")
        first = 3 * (quarter - 1) + 1
        return dt.date(year, first, 1), _month_end(year, first + 2)
    raise ValueError(f"A period is YYYY-MM or YYYY-Qn, not {period!r}")


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(day: dt.date) -> str:
    """The month before the one `day` falls in ("last month" for settlement)."""
    return month_of(day.replace(day=1) - dt.timedelta(days=1))
