"""The one clock: every rule that reads the date or the time asks here.

Rules (re-survey, renewal windows, expiries, and later SLAs, care and settlement) depend on
"today" in the operator's time zone (Asia/Shanghai), not on the server's. Keeping the reads in
one module means tests move time with a time-travel library (time-machine) instead of passing
"today" to half of the code, and CI can run the whole suite a year ahead to catch a rule that
quietly depends on the day it was written.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current moment, timezone-aware (UTC inside; shown in Asia/Shanghai)."""
    return timezone.now()


def today() -> dt.date:
    """Today's date in the operator's time zone (Asia/Shanghai), not the server's."""
    return timezone.localdate(timezone.now())


def local_date(at: dt.datetime) -> dt.date:
    """The operator's calendar date of a stored moment."""
    return timezone.localdate(at)


def days_ago(days: int) -> dt.datetime:
    """The moment `days` whole days before now."""
    return now() - dt.timedelta(days=days)


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight opening `day` in the operator's time zone (for "visits of a day")."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
