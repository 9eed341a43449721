"""China's working calendar: holidays, 调休 weekends, the operator's corrections, unknown years."""

from __future__ import annotations

import datetime as dt

import pytest

from wangge.core import workdays
from wangge.core.models import CalendarDay

D = dt.date

pytestmark = pytest.mark.django_db


def test_national_day_2026_and_its_make_up_saturday() -> None:
    # 2026: 1–7 October off; Sunday 20 September and Saturday 10 October are worked.
    assert not workdays.is_workday(D(2026, 10, 1))
    assert not workdays.is_workday(D(2026, 10, 7))
    assert workdays.is_workday(D(2026, 10, 8))
    assert workdays.is_workday(D(2026, 10, 10))  # a Saturday
    assert D(2026, 10, 10).weekday() == 5
    assert workdays.is_workday(D(2026, 9, 20))  # a Sunday
    assert not workdays.is_workday(D(2026, 10, 11))  # the Sunday after stays off


def test_counting_across_the_holiday() -> None:
    # The last working day before the holiday is Wednesday 30 September.
    assert workdays.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert workdays.add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert workdays.previous_workday(D(2026, 10, 8)) == D(2026, 9, 30)
    assert workdays.add_workdays(D(2026, 10, 3), 0) == D(2026, 10, 8)
    days = workdays.workdays_between(D(2026, 9, 28), D(2026, 10, 11))
    assert days == [D(2026, 9, 28), D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 8),
                    D(2026, 10, 9), D(2026, 10, 10)]  # fmt: skip
    assert workdays.workdays_between(D(2026, 10, 11), D(2026, 10, 1)) == []
    with pytest.raises(ValueError):
        workdays.add_workdays(D(2026, 10, 1), -1)


def test_the_operators_correction_wins() -> None:
    assert workdays.is_workday(D(2026, 12, 1))
    CalendarDay.objects.create(day=D(2026, 12, 1), is_workday=False, name="县庆")
    CalendarDay.objects.create(day=D(2026, 12, 6), is_workday=True, name="补班")
    assert not workdays.is_workday(D(2026, 12, 1))
    assert workdays.is_workday(D(2026, 12, 6))  # a Sunday
    assert workdays.add_workdays(D(2026, 11, 30), 1) == D(2026, 12, 2)


def test_a_year_nobody_announced_falls_back_to_weekdays(caplog: pytest.LogCaptureFixture) -> None:
    far = D(2099, 6, 1)  # a Monday
    assert far.weekday() == 0
    assert workdays.is_workday(far)
    assert not workdays.is_workday(far + dt.timedelta(days=5))
    assert "2099" in caplog.text
