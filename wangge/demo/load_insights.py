"""The last 30 days of the headline figures in the demo county, so that trends show.

Computed, not invented: reach for all 30 days from one read of the contacts
(`figures.reach_series`), the site figures per day; runs last, after every app's records.
"""

from __future__ import annotations

import datetime as dt

from wangge.core import clock
from wangge.core.access import SYSTEM
from wangge.insights import services
from wangge.insights.models import Snapshot

DAYS = 30


def load_insights() -> dict[str, int]:
    today = clock.today()
    days = [today - dt.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    return {"指标快照": services.snapshots_backfill(actor=SYSTEM, days=days)}


def reset_insights() -> None:
    Snapshot.objects.all().delete()
