"""Ratings (好差评): the public satisfaction figures over a large number of ratings.

:func:`govhall.ratings.selectors.satisfaction_by_department` (one grouped count with a filtered
count and an average, over the (department, time) index) for one quarter of N ratings
(``GOVHALL_BENCH_RATINGS``, default 100,000, spread over a year and 12 departments), against loading
the quarter's ratings and computing the same figures in Python. Both sides are checked to agree.
"""

from __future__ import annotations

import os
import random
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from harness import Row, measure

DATABASES = ("sqlite", "postgresql")
RATINGS = int(os.environ.get("GOVHALL_BENCH_RATINGS", "100000"))
DEPARTMENTS = 12


def _departments() -> list[Any]:
    from govhall.identity import services
    from govhall.testing import personas
    from govhall.testing.factories import random_uscc

    region = personas.region(personas.CITY)
    return [
        services.create_department(
            actor=None,
            name=f"基准部门{i:02d}",
            short_name=f"基准{i:02d}",
            code=f"BENCHR{i:02d}",
            uscc=random_uscc(personas.CITY, "11"),
            region=region,
        )
        for i in range(DEPARTMENTS)
    ]


def _generate(start: datetime) -> None:
    from govhall.ratings.models import CounterVisit, Rating
    from govhall.testing import personas

    rng = random.Random(11)
    clerk = personas.staff("clerk")
    departments = _departments()
    levels, weights = [5, 4, 3, 2, 1], [70, 18, 6, 4, 2]
    visits: list[CounterVisit] = []
    for n in range(RATINGS):
        at = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        visits.append(
            CounterVisit(
                code=f"B{n:09d}",
                department=departments[n % DEPARTMENTS],
                clerk=clerk,
                created_at=at,
                expires_at=at + timedelta(days=7),
            )
        )
    CounterVisit.objects.bulk_create(visits, batch_size=5000)
    saved = (
        CounterVisit.objects.filter(code__startswith="B")
        .order_by("pk")
        .values_list("pk", "department_id", "created_at")
    )
    Rating.objects.bulk_create(
        [
            Rating(
                source=Rating.Source.COUNTER,
                visit_id=pk,
                department_id=department_id,
                level=rng.choices(levels, weights)[0],
                created_at=at,
                excluded=rng.random() < 0.005,
            )
            for pk, department_id, at in saved
        ],
        batch_size=5000,
    )


def _in_python(start: datetime, end: datetime) -> dict[int, tuple[int, int, Decimal]]:
    from govhall.ratings.models import Rating

    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for rating in Rating.objects.filter(excluded=False, created_at__gte=start, created_at__lt=end):
        row = counts[rating.department_id]
        row[0] += 1
        row[1] += rating.level >= 3
        row[2] += rating.level
    return {
        pk: (n, good, (Decimal(total) / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        for pk, (n, good, total) in counts.items()
    }


def run() -> list[Row]:
    from govhall.core.calendar import SHANGHAI
    from govhall.ratings import selectors

    start = datetime(2025, 1, 1, tzinfo=SHANGHAI)
    _generate(start)
    q_start, q_end = datetime(2025, 4, 1, tzinfo=SHANGHAI), datetime(2025, 7, 1, tzinfo=SHANGHAI)

    def grouped() -> dict[int, tuple[int, int, Decimal]]:
        return {pk: tuple(row) for pk, row in selectors.satisfaction_by_department(q_start, q_end).items()}  # type: ignore[misc]

    fast = measure(grouped, [()], rounds=3)
    slow = measure(lambda: _in_python(q_start, q_end), [()], rounds=3)
    assert fast.results == slow.results, (fast.results[:1], slow.results[:1])
    return [
        Row(
            figure=f"satisfaction by department, one quarter of {RATINGS:,} ratings",
            value=fast.per_call,
            baseline=slow.per_call,
            baseline_name="load the quarter's ratings, count and average in Python",
        )
    ]
