"""The indexed calendar against a plain day-by-day reference, with random administrator rulings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import chinese_calendar
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govhall.core import calendar
from govhall.core.calendar import CalendarRangeError
from govhall.core.models import CalendarDay

pytestmark = pytest.mark.django_db

FIRST, LAST = date(2004, 1, 1), date(2035, 12, 31)
ONE = timedelta(days=1)
KINDS = [CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKDAY]
PACKAGE_FIRST, PACKAGE_LAST = 2004, 2026

Overrides = dict[date, bool]


class OutOfRange(Exception):
    pass


def reference_is_workday(day: date, overrides: Overrides) -> bool:
    if not FIRST <= day <= LAST:
        raise OutOfRange(day)
    if day in overrides:
        return overrides[day]
    if PACKAGE_FIRST <= day.year <= PACKAGE_LAST:
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def reference_add(start: date, n: int, overrides: Overrides) -> date:
    reference_is_workday(start, overrides)
    step = ONE if n > 0 else -ONE
    day, remaining = start, abs(n)
    while remaining:
        day += step
        if reference_is_workday(day, overrides):
            remaining -= 1
    return day


def reference_between(a: date, b: date, overrides: Overrides) -> int:
    reference_is_workday(a, overrides)
    reference_is_workday(b, overrides)
    low, high, sign = (a, b, 1) if a <= b else (b, a, -1)
    count, day = 0, low + ONE
    while day <= high:
        count += reference_is_workday(day, overrides)
        day += ONE
    return sign * count


def outcome(call: Callable[[], object], expected_error: type[Exception]) -> object:
    try:
        return call()
    except expected_error:
        return "out of range"


def save_overrides(start: date, rulings: list[tuple[int, str]]) -> Overrides:
    overrides: Overrides = {}
    for offset, kind in rulings:
        day = start + timedelta(days=offset)
        if FIRST <= day <= LAST:
            CalendarDay(date=day, kind=kind, name="随机").save()
            overrides[day] = kind == CalendarDay.Kind.WORKDAY
    return overrides


# Most starts near holiday seasons and the edges of the range are where arithmetic goes wrong.
starts = st.one_of(
    st.dates(min_value=FIRST, max_value=LAST),
    st.dates(min_value=date(2026, 9, 1), max_value=date(2027, 3, 1)),
    st.dates(min_value=date(2035, 11, 1), max_value=LAST),
    st.dates(min_value=FIRST, max_value=date(2004, 3, 1)),
)
rulings = st.lists(
    st.tuples(st.integers(min_value=-40, max_value=120), st.sampled_from(KINDS)),
    max_size=10,
    unique_by=lambda ruling: ruling[0],
)
property_settings = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@property_settings
@given(start=starts, n=st.integers(min_value=-70, max_value=70), rulings=rulings)
def test_add_working_days_matches_the_day_by_day_reference(
    start: date, n: int, rulings: list[tuple[int, str]]
) -> None:
    # Each example rolls its rulings back, which also checks that the cache forgets them.
    with transaction.atomic():
        overrides = save_overrides(start, rulings)
        expected = outcome(lambda: reference_add(start, n, overrides), OutOfRange)
        actual = outcome(lambda: calendar.add_working_days(start, n), CalendarRangeError)
        assert actual == expected
        if isinstance(actual, date) and n > 0:
            assert calendar.is_working_day(actual)
            assert calendar.working_days_between(start, actual) == n
            # The earliest such date: the day before falls short.
            assert calendar.working_days_between(start, actual - ONE) == n - 1
        if isinstance(actual, date) and n < 0:
            assert actual < start and calendar.is_working_day(actual)
        for day in list(overrides)[:3]:
            assert calendar.is_working_day(day) == overrides[day]
        transaction.set_rollback(True)
    for day in list(overrides)[:3]:
        assert calendar.is_working_day(day) == reference_is_workday(day, {})


@property_settings
@given(a=starts, span=st.integers(min_value=-150, max_value=150), rulings=rulings)
def test_working_days_between_matches_the_reference(
    a: date, span: int, rulings: list[tuple[int, str]]
) -> None:
    b = a + timedelta(days=span) if FIRST.toordinal() <= a.toordinal() + span <= LAST.toordinal() else a
    with transaction.atomic():
        overrides = save_overrides(a, rulings)
        assert calendar.working_days_between(a, b) == reference_between(a, b, overrides)
        assert calendar.working_days_between(b, a) == -calendar.working_days_between(a, b)
        transaction.set_rollback(True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.dates(min_value=date(2005, 1, 1), max_value=date(2034, 12, 31)),
    n=st.integers(min_value=1, max_value=60),
)
def test_forward_and_back_return_to_a_working_day(day: date, n: int) -> None:
    working = calendar.add_working_days(day, 1)
    assert calendar.add_working_days(calendar.add_working_days(working, n), -n) == working
    assert calendar.add_working_days(calendar.add_working_days(working, -n), n) == working
    # Splitting a period does not change its end.
    assert calendar.add_working_days(calendar.add_working_days(day, n), n) == calendar.add_working_days(
        day, 2 * n
    )
