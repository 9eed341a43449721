"""China's working calendar: which days are working days, with 调休 make-up weekends.

SLAs, care periods, daily logs and settlement count working days, not calendar days. The
official schedule (holidays and the weekends worked in exchange) comes from the
`chinese-calendar` package, which knows the years the State Council has announced. The
operator can add or correct days in `CalendarDay` (the admin), e.g. next year's schedule
before the package is updated; for a year neither knows, Monday to Friday are working days
(and a warning is logged once), so a rule still answers instead of failing a year from now.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import chinese_calendar

log = logging.getLogger(__name__)

_warned_years: set[int] = set()


def _official(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "No official working calendar for %s: Monday to Friday count as working days "
                "(add the year's holidays as calendar days).",
                day.year,
            )
        return day.weekday() < 5


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from wangge.core.models import CalendarDay

    return dict(
        CalendarDay.objects.filter(day__gte=start, day__lte=end).values_list("day", "is_workday")
    )


class Calendar:
    """The working days of a span, read once (one query for the operator's overrides)."""

    def __init__(self, start: dt.date, end: dt.date) -> None:
        if end < start:
            start, end = end, start
        self.start, self.end = start, end
        self._override = _overrides(start, end)
        # The official calendar's answer per day, asked once: callers ask per record (the
        # log KPIs ask for every log of a county's month), and each ask costs ~0.1 ms.
        self._official: dict[dt.date, bool] = {}

    def is_workday(self, day: dt.date) -> bool:
        if not self.start <= day <= self.end:
            return is_workday(day)
        found = self._override.get(day)
        if found is not None:
            return found
        official = self._official.get(day)
        if official is None:
            official = self._official[day] = _official(day)
        return official

    def days(self) -> Iterator[dt.date]:
        day = self.start
        while day <= self.end:
            yield day
            day += dt.timedelta(days=1)

    def workdays(self) -> list[dt.date]:
        return [d for d in self.days() if self.is_workday(d)]


def is_workday(day: dt.date) -> bool:
    """Whether `day` is a working day (weekday not a holiday, or a 调休 weekend)."""
    return Calendar(day, day).is_workday(day)


def workdays_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """The working days from `start` to `end`, both included."""
    if end < start:
        return []
    return Calendar(start, end).workdays()


def add_workdays(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (n ≥ 0; n = 0 is `day` itself if it is one, else the
    next working day)."""
    if n < 0:
        raise ValueError("n must be zero or more")
    # A month of holidays (Spring Festival plus weekends) is the longest gap in any year.
    cal = Calendar(day, day + dt.timedelta(days=n * 2 + 40))
    current = day
    if n == 0:
        while not cal.is_workday(current):
            current += dt.timedelta(days=1)
        return current
    while n:
        current += dt.timedelta(days=1)
        if cal.is_workday(current):
            n -= 1
    return current


def previous_workday(day: dt.date) -> dt.date:
    """The last working day before `day`."""
    cal = Calendar(day - dt.timedelta(days=40), day)
    current = day - dt.timedelta(days=1)
    while not cal.is_workday(current):
        current -= dt.timedelta(days=1)
    return current
