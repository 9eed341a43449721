"""The pure rules of sales records: the claw-back and the periods (no database)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wangge.performance.clawback import is_clawed_back, last_clawback_day
from wangge.performance.periods import month_of, period_bounds, previous_month

#: No deadline: the machine is shared, and a slow first example is not a wrong one.
RULES = settings(max_examples=200, deadline=None, database=None)
days_ = st.integers(min_value=0, max_value=400)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31))


@RULES
@given(sold=dates, after=st.integers(min_value=0, max_value=800), days=days_)
def test_a_cancellation_claws_back_exactly_within_the_period(sold, after, days) -> None:  # type: ignore[no-untyped-def]
    cancelled = sold + dt.timedelta(days=after)
    assert is_clawed_back(sold, cancelled, days) is (after <= days)
    assert is_clawed_back(sold, cancelled, days) is (cancelled <= last_clawback_day(sold, days))


@RULES
@given(sold=dates, after=st.integers(min_value=0, max_value=800), days=days_, more=days_)
def test_a_longer_period_never_claws_back_less(sold, after, days, more) -> None:  # type: ignore[no-untyped-def]
    cancelled = sold + dt.timedelta(days=after)
    if is_clawed_back(sold, cancelled, days):
        assert is_clawed_back(sold, cancelled, days + more)


@RULES
@given(sold=dates, days=days_, before=st.integers(min_value=1, max_value=50))
def test_no_cancellation_or_one_before_the_sale_never_claws_back(sold, days, before) -> None:  # type: ignore[no-untyped-def]
    assert not is_clawed_back(sold, None, days)
    assert not is_clawed_back(sold, sold - dt.timedelta(days=before), days)


def test_the_boundary_day_counts_and_a_negative_period_is_refused() -> None:
    sold = dt.date(2026, 3, 1)
    assert is_clawed_back(sold, dt.date(2026, 5, 30), 90)  # day 90
    assert not is_clawed_back(sold, dt.date(2026, 5, 31), 90)  # day 91
    assert is_clawed_back(sold, sold, 0)
    with pytest.raises(ValueError):
        is_clawed_back(sold, sold, -1)


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2026-12", dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2026-q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ],
)
def test_periods_are_months_and_quarters(period: str, first: dt.date, last: dt.date) -> None:
    assert period_bounds(period) == (first, last)


@pytest.mark.parametrize("bad", ["", "2026-13", "2026-00", "2026-Q5", "26-01", "1899-12", "x"])
def test_anything_else_is_not_a_period(bad: str) -> None:
    with pytest.raises(ValueError):
        period_bounds(bad)


@RULES
@given(day=dates)
def test_a_day_lies_in_its_month_and_last_month_ends_the_day_before(day: dt.date) -> None:
    first, last = period_bounds(month_of(day).code)
    assert first <= day <= last
    _prev_first, prev_last = period_bounds(previous_month(day).code)
    assert prev_last == first - dt.timedelta(days=1)
