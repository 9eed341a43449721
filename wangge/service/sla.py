"""SLA arithmetic (pure: no Django): when an order falls due, and whether it was on time.

Hours are either clock hours, or working hours: time inside the working day's window on
working days only (China's calendar with 调休 comes in as the `is_workday` predicate, so
this module stays testable without a database).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

#: The working day of the service teams (the window working hours are counted in).
WORKING_DAY = (dt.time(8, 30), dt.time(17, 30))

#: No SLA spans more than this many days of holidays and weekends; past it the input is
#: wrong (a calendar that never works), and an answer is better than an endless loop.
_MAX_DAYS = 3660


def due_at(
    start: dt.datetime,
    hours: float,
    *,
    working_hours: bool,
    is_workday: Callable[[dt.date], bool],
    window: tuple[dt.time, dt.time] = WORKING_DAY,
) -> dt.datetime:
    """The moment `hours` after `start`, counted on the clock or in working hours.

    In working hours, time before the window starts counts from its opening, time after it
    from the next working day's opening; a deadline that lands exactly on the window's end
    stays that day (17:30, not the next morning).
    """
    if hours < 0:
        raise ValueError("hours must be zero or more")
    remaining = dt.timedelta(hours=hours)
    if not working_hours:
        return start + remaining
    opens, closes = window
    if closes <= opens:
        raise ValueError("the working day must close after it opens")
    tz = start.tzinfo
    cursor = start
    for _ in range(_MAX_DAYS):
        day = cursor.date()
        if is_workday(day):
            day_open = dt.datetime.combine(day, opens, tzinfo=tz)
            day_close = dt.datetime.combine(day, closes, tzinfo=tz)
            cursor = max(cursor, day_open)
            if cursor < day_close:
                available = day_close - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
        cursor = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    raise ValueError("no working time found within ten years")


def on_time(due: dt.datetime, met: dt.datetime) -> bool:
    return met <= due


def remaining(due: dt.datetime, now: dt.datetime) -> dt.timedelta:
    """Time left (negative when overdue): the SLA clock the board shows."""
    return due - now
