"""The check-in verdict and the walking order: pure functions, tested without Django."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest

from wangge.core import checkin
from wangge.sales import route

NOW = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)
SITE = (27.2, 111.7)
#: One degree of latitude is about 111.2 km.
METRES_PER_DEG_LAT = 111_195


def _judge(**kw: object) -> checkin.Verdict:
    base: dict[str, object] = {
        "site": SITE,
        "lat": SITE[0],
        "lon": SITE[1],
        "accuracy_m": 15.0,
        "position_at": NOW - dt.timedelta(seconds=20),
        "now": NOW,
    }
    base.update(kw)
    return checkin.judge(**base)  # type: ignore[arg-type]


def test_a_fresh_precise_fix_at_the_door_is_verified() -> None:
    v = _judge()
    assert v.verified and v.flags == [] and v.distance_m == 0.0


def test_distance_is_measured_on_the_sphere() -> None:
    d = checkin.distance_m(27.2, 111.7, 27.2 + 1000 / METRES_PER_DEG_LAT, 111.7)
    assert d == pytest.approx(1000, abs=1)


@pytest.mark.parametrize(
    ("kw", "flags"),
    [
        ({"lat": SITE[0] + 400 / METRES_PER_DEG_LAT}, ["too_far"]),
        ({"accuracy_m": 500.0}, ["poor_accuracy"]),
        ({"accuracy_m": None}, ["poor_accuracy"]),
        ({"position_at": NOW - dt.timedelta(minutes=10)}, ["stale_fix"]),
        ({"position_at": NOW + dt.timedelta(minutes=5)}, ["stale_fix"]),  # from the future
        ({"position_at": None}, ["stale_fix"]),
        ({"lat": None, "lon": None}, ["no_position"]),
        (
            {
                "lat": SITE[0] + 0.01,
                "accuracy_m": 900.0,
                "position_at": NOW - dt.timedelta(hours=1),
            },
            ["too_far", "poor_accuracy", "stale_fix"],
        ),
    ],
)
def test_every_failing_test_is_reported(kw: dict[str, object], flags: list[str]) -> None:
    v = _judge(**kw)
    assert not v.verified
    assert v.flags == flags


def test_thresholds_are_inputs() -> None:
    far = {"lat": SITE[0] + 400 / METRES_PER_DEG_LAT}
    assert not _judge(**far).verified
    assert _judge(**far, thresholds=checkin.Thresholds(max_distance_m=500)).verified


def test_a_little_clock_drift_is_tolerated() -> None:
    assert _judge(position_at=NOW + dt.timedelta(seconds=30)).verified


def _brute_force(points: list[tuple[float, float]]) -> float:
    rest = range(1, len(points))
    return min(route.walk_length(points, [0, *p]) for p in itertools.permutations(rest))


@pytest.mark.parametrize("seed", range(5))
def test_the_walking_order_is_close_to_the_best(seed: int) -> None:
    rnd = random.Random(seed)
    points = [(27.2 + rnd.random() * 0.02, 111.7 + rnd.random() * 0.02) for _ in range(7)]
    order = route.walking_order(points)
    assert sorted(order) == list(range(7)) and order[0] == 0
    assert route.walk_length(points, order) == pytest.approx(_brute_force(points))


def test_the_walking_order_of_a_line_is_the_line() -> None:
    points = [(27.2, 111.7), (27.23, 111.7), (27.21, 111.7), (27.22, 111.7)]
    assert route.walking_order(points) == [0, 2, 3, 1]


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_plans(n: int) -> None:
    assert route.walking_order([(27.2 + i * 0.01, 111.7) for i in range(n)]) == list(range(n))


def test_a_long_list_is_ordered_well_too() -> None:
    rnd = random.Random(7)
    points = [(27.2 + rnd.random() * 0.05, 111.7 + rnd.random() * 0.05) for _ in range(25)]
    order = route.walking_order(points)
    assert sorted(order) == list(range(25)) and order[0] == 0
    nearest_only = route._nearest_neighbour(
        [[checkin.distance_m(*p, *q) for q in points] for p in points], 0
    )
    assert route.walk_length(points, order) <= route.walk_length(points, nearest_only)
