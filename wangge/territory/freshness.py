"""How old a survey may get before it is due again (待复核): one rule for every surveyed
record, sites here and the crm's customers, group surveys and intelligence above."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q

from wangge.core import clock

#: How old (days) a verification may get before the record is due for re-survey (待复核).
DEFAULT_RESURVEY_DAYS = 180


def resurvey_days() -> int:
    """`WANGGE_RESURVEY_DAYS`, read at call time so tests and deployments can change it."""
    return int(getattr(settings, "WANGGE_RESURVEY_DAYS", DEFAULT_RESURVEY_DAYS))


def resurvey_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Verifications before this instant are stale."""
    return (now or clock.now()) - dt.timedelta(days=resurvey_days())


def stale_q(prefix: str = "", *, cutoff: dt.datetime | None = None) -> Q:
    """Never verified, or verified before the cutoff."""
    at = f"{prefix}verified_at"
    return Q(**{f"{at}__isnull": True}) | Q(**{f"{at}__lt": cutoff or resurvey_cutoff()})
