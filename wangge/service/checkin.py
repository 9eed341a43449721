"""Judging a technician's on-site check-in from the phone's position (pure: no Django).

The same rule as the sales visits' check-in (fresh, precise enough, near the site), written
again here: sales and service are sibling apps and may not import each other.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

EARTH_RADIUS_M = 6_371_008.8

TOO_FAR = "too_far"
POOR_ACCURACY = "poor_accuracy"
STALE_FIX = "stale_fix"
NO_POSITION = "no_position"

MAX_DISTANCE_M = 300.0
MAX_ACCURACY_M = 150.0
#: A fix older than this was not taken at the door; phones' clocks drift a little ahead.
MAX_AGE_S = 180.0
MAX_AHEAD_S = 60.0


@dataclass(frozen=True)
class Verdict:
    verified: bool
    distance_m: float | None
    flags: list[str] = field(default_factory=list)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def judge(
    *,
    site: tuple[float, float],
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None,
    position_at: dt.datetime | None,
    now: dt.datetime,
) -> Verdict:
    """Every failing test is reported, not only the first."""
    if lat is None or lon is None:
        return Verdict(verified=False, distance_m=None, flags=[NO_POSITION])
    flags = []
    distance = round(distance_m(site[0], site[1], lat, lon), 1)
    if distance > MAX_DISTANCE_M:
        flags.append(TOO_FAR)
    if accuracy_m is None or accuracy_m > MAX_ACCURACY_M:
        flags.append(POOR_ACCURACY)
    if position_at is None:
        flags.append(STALE_FIX)
    else:
        age = (now - position_at).total_seconds()
        if age > MAX_AGE_S or age < -MAX_AHEAD_S:
            flags.append(STALE_FIX)
    return Verdict(verified=not flags, distance_m=distance, flags=flags)
