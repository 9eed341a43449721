"""The search's budget counts operations, so a plan does not depend on how busy the machine is."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from wangge.territory.partition import Problem, Result, partition, synthetic
from wangge.territory.partition.budget import Budget

from .helpers import problem


@pytest.fixture(scope="module")
def county() -> Problem:
    inst = synthetic.county(500, seed=3)
    return problem(
        inst.lon,
        inst.lat,
        8,
        {"households": inst.households * 1.0, "customers": inst.customers * 1.0},
        outline=inst.outline,
        compactness=0.0,
    )


@pytest.fixture(scope="module")
def full(county: Problem) -> Result:
    """The plan with the default budget, shared: both tests need it."""
    return partition(county)


def test_a_budget_that_binds_gives_the_same_plan_every_time(county: Problem, full: Result) -> None:
    small = full.timings["effort"] / 3
    tight = dataclasses.replace(county, effort=small)

    first, second = partition(tight), partition(tight)

    # The budget really cut the search short, and said so …
    assert first.timings["effort"] < full.timings["effort"]
    assert "search_stopped" in {i.code for i in first.issues}
    assert "search_stopped" not in {i.code for i in full.issues}
    # … yet the plan is the same on both runs, and still whole.
    np.testing.assert_array_equal(first.assignment, second.assignment)
    assert first.timings["effort"] == second.timings["effort"]
    assert first.disconnected == []


def test_the_default_budget_leaves_room_to_converge(county: Problem, full: Result) -> None:
    result = full
    again = partition(county)

    np.testing.assert_array_equal(result.assignment, again.assignment)
    assert result.max_deviation["households"] <= 0.02 + 1e-9
    assert result.timings["effort"] > 0


def test_the_budget_stops_on_operations_or_cpu_time() -> None:
    ops = Budget(100)
    ops.spend(99)
    assert not ops.over() and ops.stopped == ""
    ops.spend(1)
    assert ops.over() and ops.stopped == "operations"

    cpu = Budget(float("inf"), cpu_seconds=-1.0)  # already past: no waiting in a test
    assert cpu.over() and cpu.stopped == "cpu"
    assert not Budget(float("inf"), cpu_seconds=None).over()
