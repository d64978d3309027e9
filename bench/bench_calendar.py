"""Working-day arithmetic: the prebuilt calendar index against day-by-day loops over chinesecalendar."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import chinese_calendar

from harness import Row, format_seconds, measure

SEED = 20261121
PAIRS = 1000
ONE_DAY = timedelta(days=1)
Case = tuple[str, Callable[..., Any], Callable[..., Any], str, Sequence[tuple[Any, ...]], int]
BASELINE = "day-by-day loop over chinese_calendar.is_workday"


def naive_add_working_days(start: date, n: int) -> date:
    day = start
    while n:
        day += ONE_DAY
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


def naive_working_days_between(a: date, b: date) -> int:
    count, day = 0, a
    while day < b:
        day += ONE_DAY
        count += chinese_calendar.is_workday(day)
    return count


def run() -> list[Row]:
    from govhall.core import calendar

    rng = random.Random(SEED)
    started = time.perf_counter()
    calendar.rebuild_calendar()
    build = time.perf_counter() - started

    # The baseline only knows the package's years, so the latest start is 60 working days before
    # the end of 2026 (late September) and every answer stays inside 2026.
    first = date(2010, 1, 1)
    last = calendar.add_working_days(date(2026, 12, 31), -60)
    span = (last - first).days + 1

    def random_day() -> date:
        return first + timedelta(days=rng.randrange(span))

    add_inputs = [(random_day(), rng.randint(1, 60)) for _ in range(PAIRS)]
    between_inputs = [
        (a, a + timedelta(days=rng.randint(0, 90))) for a in (random_day() for _ in range(PAIRS))
    ]
    day_inputs = [(random_day(),) for _ in range(PAIRS * 5)]

    cases: list[Case] = [
        (
            "add_working_days(start, n): start 2010–2026, n 1..60",
            calendar.add_working_days,
            naive_add_working_days,
            BASELINE,
            add_inputs,
            50,
        ),
        (
            "working_days_between(a, b): b − a 0..90 days",
            calendar.working_days_between,
            naive_working_days_between,
            BASELINE,
            between_inputs,
            50,
        ),
        (
            "is_working_day(d): d 2010–2026",
            calendar.is_working_day,
            chinese_calendar.is_workday,
            "chinese_calendar.is_workday",
            day_inputs,
            20,
        ),
    ]
    rows = []
    for figure, fast_fn, naive_fn, baseline_name, inputs, fast_repeat in cases:
        naive = measure(naive_fn, inputs, rounds=3)
        fast = measure(fast_fn, inputs, rounds=5, repeat=fast_repeat)
        if fast.results != naive.results:
            raise AssertionError(f"{figure}: the index and the baseline disagree")
        notes = []
        if naive_fn is naive_add_working_days:
            notes.append(
                f"index build: {format_seconds(build)} once per process and after a calendar change "
                f"(the cost of {build / naive.per_call:.0f} baseline calls)"
            )
        rows.append(
            Row(
                figure=f"{figure} (per call)",
                value=fast.per_call,
                baseline=naive.per_call,
                baseline_name=baseline_name,
                notes=notes,
            )
        )
    return rows
