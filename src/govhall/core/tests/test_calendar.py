"""Working-day calendar: conventions, real holidays, table rulings and the built-index cache."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import chinese_calendar
import pytest
from django.db import transaction

from govhall.core import calendar
from govhall.core.calendar import (
    SHANGHAI,
    CalendarRangeError,
    add_working_days,
    deadline_for,
    is_working_day,
    working_days_between,
)
from govhall.core.errors import DomainError
from govhall.core.models import CalendarDay

pytestmark = pytest.mark.django_db


def holiday(day: date, name: str = "") -> CalendarDay:
    return CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.HOLIDAY, name=name)


def workday(day: date, name: str = "") -> CalendarDay:
    return CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.WORKDAY, name=name)


# --- real holidays from chinesecalendar -------------------------------------------------------


def test_national_day_2026_holidays_and_make_up_days() -> None:
    for day in range(1, 8):
        assert not is_working_day(date(2026, 10, day))
    # The make-up working days of the 2026 National Day / Mid-Autumn notice: Sunday 20 Sep, Saturday 10 Oct.
    assert date(2026, 9, 20).weekday() == 6 and is_working_day(date(2026, 9, 20))
    assert date(2026, 10, 10).weekday() == 5 and is_working_day(date(2026, 10, 10))
    assert not is_working_day(date(2026, 10, 11))


def test_deadline_across_national_day_2026() -> None:
    accepted = date(2026, 9, 30)  # Wednesday, last working day before the holiday
    assert add_working_days(accepted, 1) == date(2026, 10, 8)
    assert add_working_days(accepted, 2) == date(2026, 10, 9)
    assert add_working_days(accepted, 3) == date(2026, 10, 10)  # the make-up Saturday counts
    assert add_working_days(accepted, 4) == date(2026, 10, 12)
    assert working_days_between(accepted, date(2026, 10, 10)) == 3
    # Accepted during the holiday: the count starts on the first working day after it.
    assert add_working_days(date(2026, 10, 3), 1) == date(2026, 10, 8)


def test_spring_festival_2026() -> None:
    for day in range(15, 24):
        assert not is_working_day(date(2026, 2, day))
    assert is_working_day(date(2026, 2, 14))  # make-up Saturday before the festival
    assert is_working_day(date(2026, 2, 28))  # make-up Saturday after it
    accepted = date(2026, 2, 12)  # Thursday
    assert [add_working_days(accepted, n) for n in range(1, 6)] == [
        date(2026, 2, 13),
        date(2026, 2, 14),
        date(2026, 2, 24),
        date(2026, 2, 25),
        date(2026, 2, 26),
    ]
    assert working_days_between(date(2026, 2, 13), date(2026, 3, 2)) == 7


def test_index_matches_chinesecalendar_for_every_covered_day() -> None:
    first, last = calendar.package_years()
    day, end = date(first, 1, 1), date(last, 12, 31)
    while day <= end:
        assert is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


# --- conventions ------------------------------------------------------------------------------


def test_counting_starts_the_day_after_acceptance() -> None:
    friday, saturday, monday = date(2026, 11, 13), date(2026, 11, 14), date(2026, 11, 16)
    assert add_working_days(friday, 1) == monday
    assert add_working_days(saturday, 1) == monday
    assert working_days_between(friday, monday) == 1
    assert working_days_between(friday, saturday) == 0
    assert working_days_between(monday, friday) == -1


def test_zero_working_days_is_the_start_itself_even_on_a_holiday() -> None:
    assert add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)
    assert add_working_days(date(2026, 11, 18), 0) == date(2026, 11, 18)


def test_negative_counts_go_backwards_to_working_days() -> None:
    assert add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert add_working_days(date(2026, 10, 5), -1) == date(2026, 9, 30)
    assert add_working_days(date(2026, 10, 12), -2) == date(2026, 10, 9)
    assert add_working_days(date(2026, 10, 12), -3) == date(2026, 10, 8)
    for n in (1, 5, 22):
        assert add_working_days(add_working_days(date(2026, 9, 30), n), -n) == date(2026, 9, 30)


def test_deadline_is_end_of_the_beijing_working_day() -> None:
    # 16:30 UTC on 29 Sep is 00:30 on 30 Sep in Beijing: the acceptance day is the 30th.
    accepted = datetime(2026, 9, 29, 16, 30, tzinfo=UTC)
    deadline = deadline_for(accepted, 1)
    assert deadline == datetime(2026, 10, 8, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert deadline.astimezone(UTC) == datetime(2026, 10, 8, 15, 59, 59, 999999, tzinfo=UTC)
    assert deadline_for(accepted, 0) == datetime(2026, 9, 30, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    # 15:00 UTC on the 29th is still the 29th in Beijing (23:00).
    assert deadline_for(datetime(2026, 9, 29, 15, 0, tzinfo=UTC), 1).date() == date(2026, 9, 30)


def test_deadline_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline_for(datetime(2026, 9, 29, 10, 0), 1)


def test_dates_must_be_dates_and_counts_ints() -> None:
    with pytest.raises(TypeError, match="deadline_for"):
        is_working_day(datetime(2026, 9, 29, 10, 0, tzinfo=UTC))
    with pytest.raises(TypeError):
        add_working_days(date(2026, 9, 29), 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        add_working_days(date(2026, 9, 29), True)


def test_dates_outside_the_configured_years_raise_a_domain_error() -> None:
    with pytest.raises(CalendarRangeError) as caught:
        is_working_day(date(2003, 12, 31))
    error = caught.value
    assert isinstance(error, DomainError)
    assert error.code == "calendar_out_of_range"
    assert error.status == 422
    assert "工作日历" in error.message_zh and "2004-01-01" in error.message_en
    with pytest.raises(CalendarRangeError):
        working_days_between(date(2030, 1, 1), date(2036, 1, 1))
    # The start is inside, the result would not be.
    with pytest.raises(CalendarRangeError):
        add_working_days(date(2035, 12, 24), 10)
    with pytest.raises(CalendarRangeError):
        add_working_days(date(2004, 1, 6), -10)
    assert add_working_days(date(2035, 12, 24), 5) == date(2035, 12, 31)


def test_configured_years_come_from_settings(settings: Any) -> None:
    settings.GOVHALL_CALENDAR_YEARS = (2020, 2027)
    assert calendar.calendar_range() == (date(2020, 1, 1), date(2027, 12, 31))
    with pytest.raises(CalendarRangeError):
        is_working_day(date(2028, 1, 3))
    with pytest.raises(CalendarRangeError):
        is_working_day(date(2019, 12, 31))


# --- rulings from the CalendarDay table -------------------------------------------------------


def test_year_beyond_the_package_uses_weekdays_plus_table_rows() -> None:
    assert calendar.year_source(2027) is None
    assert is_working_day(date(2027, 2, 8))  # a Monday, no ruling yet
    assert not is_working_day(date(2027, 2, 13))  # a Saturday
    # A holiday notice entered by the administrator (dates illustrative).
    for day in range(5, 12):
        holiday(date(2027, 2, day), "春节")
    workday(date(2027, 2, 13), "春节调休")
    assert calendar.year_source(2027) == "table"
    assert not is_working_day(date(2027, 2, 8))
    assert is_working_day(date(2027, 2, 13))
    accepted = date(2027, 2, 4)  # Thursday
    assert add_working_days(accepted, 1) == date(2027, 2, 12)
    assert add_working_days(accepted, 2) == date(2027, 2, 13)
    assert add_working_days(accepted, 3) == date(2027, 2, 15)
    assert working_days_between(accepted, date(2027, 2, 15)) == 3


def test_table_rows_override_the_package() -> None:
    holiday(date(2026, 10, 8), "临时调整")
    workday(date(2026, 10, 3), "临时调整")
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 3)
    assert add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 9)


def test_edits_and_deletes_take_effect_at_once() -> None:
    monday = date(2027, 3, 1)
    assert is_working_day(monday)
    row = holiday(monday)
    assert not is_working_day(monday)
    row.kind = CalendarDay.Kind.WORKDAY
    row.save()
    assert is_working_day(date(2027, 3, 1))
    row.kind = CalendarDay.Kind.HOLIDAY
    row.save()
    assert not is_working_day(monday)
    row.delete()
    assert is_working_day(monday)


def test_rolled_back_rulings_are_forgotten() -> None:
    monday, tuesday = date(2027, 3, 1), date(2027, 3, 2)
    with transaction.atomic():
        holiday(monday)
        assert not is_working_day(monday)
        transaction.set_rollback(True)
    assert is_working_day(monday)
    # A rolled-back savepoint drops only its own rulings.
    with transaction.atomic():
        holiday(monday)
        with transaction.atomic():
            holiday(tuesday)
            assert not is_working_day(tuesday)
            transaction.set_rollback(True)
        assert is_working_day(tuesday)
        assert not is_working_day(monday)
    assert not is_working_day(monday)


@pytest.mark.django_db(transaction=True)
def test_unchanged_table_costs_one_stamp_query_per_recheck(
    settings: Any, django_assert_num_queries: Any
) -> None:
    holiday(date(2027, 10, 1), "国庆节")
    workday(date(2027, 9, 26), "国庆调休")
    index = calendar.rebuild_calendar()
    assert calendar._database_stamp() == index.stamp
    with django_assert_num_queries(0):
        for _ in range(100):
            assert not is_working_day(date(2027, 10, 1))
    settings.GOVHALL_CALENDAR_RECHECK_SECONDS = 0
    index = calendar.rebuild_calendar()
    with django_assert_num_queries(3):
        for _ in range(3):
            assert is_working_day(date(2027, 9, 26))
    assert calendar._shared.index is index


@pytest.mark.django_db(transaction=True)
def test_another_process_change_is_seen_after_the_recheck_interval(settings: Any) -> None:
    settings.GOVHALL_CALENDAR_RECHECK_SECONDS = 0.2
    monday = date(2027, 3, 1)
    calendar.rebuild_calendar()
    assert is_working_day(monday)
    # bulk_create sends no signals: to this process it looks like a write made elsewhere.
    CalendarDay.objects.bulk_create([CalendarDay(date=monday, kind=CalendarDay.Kind.HOLIDAY)])
    assert is_working_day(monday)  # still the cached index
    time.sleep(0.25)
    assert not is_working_day(monday)


@pytest.mark.django_db(transaction=True)
def test_committed_change_reaches_the_shared_index() -> None:
    monday = date(2027, 3, 1)
    assert is_working_day(monday)
    with transaction.atomic():
        holiday(monday)
    assert not is_working_day(monday)
    assert calendar._shared.index is not None
    assert not calendar._shared.index.working[monday.toordinal() - calendar._shared.index.first_ordinal]
