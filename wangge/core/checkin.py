"""Judging an on-site check-in from the phone's position (pure: no Django): a sales door
visit, a technician at a work order, an inspection at an asset.

The browser reports a fix (latitude, longitude, the accuracy radius it claims and when the
fix was taken). A check-in is verified when the fix is fresh, precise enough and near the
site; otherwise the reasons are kept so the manager sees *why* a visit was flagged.
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


@dataclass(frozen=True)
class Thresholds:
    max_distance_m: float = 300.0
    max_accuracy_m: float = 150.0
    #: A fix older than this was not taken at the door.
    max_age_s: float = 180.0
    #: Phones' clocks drift a little; a fix further in the future than this is not real.
    max_ahead_s: float = 60.0


@dataclass(frozen=True)
class Verdict:
    verified: bool
    distance_m: float | None
    flags: list[str] = field(default_factory=list)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), accurate to well under a metre at street scale."""
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
    thresholds: Thresholds = Thresholds(),
) -> Verdict:
    """Every failing test is reported, not only the first: a far *and* stale fix says both."""
    if lat is None or lon is None:
        return Verdict(verified=False, distance_m=None, flags=[NO_POSITION])
    flags = []
    distance = round(distance_m(site[0], site[1], lat, lon), 1)
    if distance > thresholds.max_distance_m:
        flags.append(TOO_FAR)
    if accuracy_m is None or accuracy_m > thresholds.max_accuracy_m:
        flags.append(POOR_ACCURACY)
    if position_at is None:
        flags.append(STALE_FIX)
    else:
        age = (now - position_at).total_seconds()
        if age > thresholds.max_age_s or age < -thresholds.max_ahead_s:
            flags.append(STALE_FIX)
    return Verdict(verified=not flags, distance_m=distance, flags=flags)
