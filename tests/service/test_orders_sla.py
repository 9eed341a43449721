"""SLA arithmetic across weekends, the 2026 National Day holiday and its 调休 Saturday.

`sla.due_at` is pure: these tests give it China's calendar (`core.workdays`, from the
official schedule) and fixed moments; the service test at the end travels with time_machine
to open an order on a holiday eve and checks the deadline the order got."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from wangge.core import workdays
from wangge.service import sla

TZ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def weekdays_only(day: dt.date) -> bool:
    return day.weekday() < 5


def test_clock_hours_ignore_the_calendar() -> None:
    start = at(2026, 9, 30, 16)
    assert sla.due_at(start, 48, working_hours=False, is_workday=weekdays_only) == at(
        2026, 10, 2, 16
    )


def test_working_hours_stop_at_the_end_of_the_day_and_skip_the_weekend() -> None:
    friday = at(2026, 11, 13, 16, 30)  # one hour left that day
    due = sla.due_at(friday, 2, working_hours=True, is_workday=weekdays_only)
    assert due == at(2026, 11, 16, 9, 30)  # Monday, one hour after opening


def test_before_opening_counts_from_opening_and_the_close_is_reachable() -> None:
    early = at(2026, 11, 16, 6)
    assert sla.due_at(early, 2, working_hours=True, is_workday=weekdays_only) == at(
        2026, 11, 16, 10, 30
    )
    assert sla.due_at(early, 9, working_hours=True, is_workday=weekdays_only) == at(
        2026, 11, 16, 17, 30
    )
    late = at(2026, 11, 16, 19)
    assert sla.due_at(late, 1, working_hours=True, is_workday=weekdays_only) == at(
        2026, 11, 17, 9, 30
    )


@pytest.mark.django_db  # the calendar reads the operator's corrections
def test_the_national_day_holiday_and_its_make_up_saturday() -> None:
    # 2026: 1–7 October off; Saturday 10 October is worked (调休); 8–9 October are working.
    assert workdays.is_workday(dt.date(2026, 10, 10))
    assert not workdays.is_workday(dt.date(2026, 10, 5))
    eve = at(2026, 9, 30, 15, 30)  # two working hours left before the holiday
    due = sla.due_at(eve, 4, working_hours=True, is_workday=workdays.is_workday)
    assert due == at(2026, 10, 8, 10, 30)
    # From the Friday after: the 调休 Saturday counts, Sunday does not.
    friday = at(2026, 10, 9, 16, 30)
    due = sla.due_at(friday, 3, working_hours=True, is_workday=workdays.is_workday)
    assert due == at(2026, 10, 10, 10, 30)
    due = sla.due_at(friday, 11, working_hours=True, is_workday=workdays.is_workday)
    assert due == at(2026, 10, 12, 9, 30)


def test_a_calendar_that_never_works_is_an_error_not_a_hang() -> None:
    with pytest.raises(ValueError):
        sla.due_at(at(2026, 1, 1), 1, working_hours=True, is_workday=lambda d: False)
    with pytest.raises(ValueError):
        sla.due_at(at(2026, 1, 1), -1, working_hours=False, is_workday=weekdays_only)


def test_remaining_and_on_time() -> None:
    due = at(2026, 10, 8, 10, 30)
    assert sla.on_time(due, due) and not sla.on_time(due, due + dt.timedelta(seconds=1))
    assert sla.remaining(due, at(2026, 10, 8, 11)) == dt.timedelta(minutes=-30)


@pytest.mark.django_db
def test_a_complaint_on_the_holiday_eve_falls_due_after_the_holiday(crm) -> None:  # type: ignore[no-untyped-def]
    from wangge.core.access import SYSTEM
    from wangge.service.services.orders import work_order_create

    with time_machine.travel(at(2026, 9, 30, 17), tick=False):
        order, _ = work_order_create(
            actor=SYSTEM, kind="complaint", source="call", customer=crm.customers["a_home"]
        )
        repair, _ = work_order_create(
            actor=SYSTEM, kind="repair", source="call", customer=crm.customers["a_home"]
        )
    # 2 working hours: half an hour on 30 September, the rest on 8 October.
    assert order.due_at == at(2026, 10, 8, 10)
    assert repair.due_at == at(2026, 10, 1, 17)  # clock hours
