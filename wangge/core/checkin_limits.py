"""The check-in limits the operator configured (settings `WANGGE_CHECKIN`, any key of
`checkin.Thresholds`): one setting for every app that judges a position."""

from __future__ import annotations

from django.conf import settings

from wangge.core.checkin import Thresholds


def thresholds() -> Thresholds:
    return Thresholds(**getattr(settings, "WANGGE_CHECKIN", {}))
