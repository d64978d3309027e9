"""Metric definitions: Yunfu's published figures reproduced, rounding, periods, ranking."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govhall.cases import delivery, handling
from govhall.cases.models import Case, Task
from govhall.cases.tests.helpers import publish_item
from govhall.core.calendar import SHANGHAI
from govhall.core.errors import DomainError
from govhall.identity.models import Department
from govhall.supervision import metrics, ranking
from govhall.supervision.metrics import Figures, Period, completion_rate, early_completion_rate, percent
from govhall.supervision.tests.helpers import accepted_case, check, only_rules

# Yunfu (云浮) published figures.
RECEIVED, COMPLETED = 23_678, 24_375
INSTANT, PROMISED, EARLY = 4_826, 19_221, 17_025
JOINT = COMPLETED - INSTANT - PROMISED  # 328 joint (联办) cases complete the count


def test_yunfu_rates_from_the_published_counts() -> None:
    assert completion_rate(COMPLETED, RECEIVED) == Decimal("102.94")
    assert early_completion_rate(EARLY, PROMISED) == Decimal("88.57")


def test_rates_round_half_up_to_two_decimals() -> None:
    assert percent(1, 8) == Decimal("12.50")
    assert percent(1, 800) == Decimal("0.13")  # 0.125 → 0.13, not banker's 0.12
    assert percent(2, 3) == Decimal("66.67") and percent(1, 3) == Decimal("33.33")
    assert percent(5, 0) is None and percent(0, 7) == Decimal("0.00")


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=10**9))
def test_percent_is_the_exact_ratio_rounded(numerator: int, denominator: int) -> None:
    value = percent(numerator, denominator)
    assert value is not None and value == value.quantize(Decimal("0.01"))
    assert abs(value - Decimal(numerator) * 100 / Decimal(denominator)) <= Decimal("0.005")


def test_periods() -> None:
    assert (Period.parse("2026-11").start.isoformat(), Period.parse("2026-11").end.isoformat()) == (
        "2026-11-01",
        "2026-12-01",
    )
    q4 = Period.parse("2026q4")
    assert (q4.label, q4.start.isoformat(), q4.end.isoformat()) == ("2026Q4", "2026-10-01", "2027-01-01")
    assert Period.parse("2026").end.isoformat() == "2027-01-01"
    assert Period.parse("2026-12").end.isoformat() == "2027-01-01"
    for bad in ("2026-13", "26Q1", "2026Q5", "Q1", "", "2026-11-01"):
        with pytest.raises(DomainError):
            Period.parse(bad)
    # Boundaries are Beijing midnight.
    assert Period.parse("2026-11").start_at == datetime(2026, 11, 1, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_yunfu_figures_from_a_generated_case_set(citizen: Any, dept_a: Any, dept_b: Any) -> None:
    promised_item = publish_item(dept_a, name="承诺件事项")
    instant_item = publish_item(
        dept_a, name="即办件事项", item_type="instant", promised_days=0, statutory_days=0
    )
    quarter = Period.parse("2026Q3")
    start = quarter.start_at + timedelta(hours=9)

    def case(n: int, item: Any, *, received_before: bool, timeliness: str) -> Case:
        submitted = start - timedelta(days=20) if received_before else start + timedelta(minutes=n % 50_000)
        return Case(
            uid=uuid.uuid4(),
            applicant=citizen,
            applicant_kind="person",
            item=item,
            item_version=item.current_version,
            lead_department=dept_a,
            channel="online" if n % 5 else "window",
            status=Case.Status.COMPLETED,
            decision=Case.Decision.APPROVED,
            submitted_at=submitted,
            accepted_at=submitted,
            completed_at=start + timedelta(days=10, minutes=n % 50_000),
            timeliness=timeliness,
        )

    rows: list[Case] = []
    kinds = [(instant_item, "on_time")] * INSTANT
    kinds += [(promised_item, "early")] * EARLY + [(promised_item, "on_time")] * (PROMISED - EARLY)
    kinds += [(promised_item, "early")] * JOINT  # joint cases never count as promised
    for n, (item, timeliness) in enumerate(kinds):
        rows.append(case(n, item, received_before=n >= RECEIVED, timeliness=timeliness))
    created = Case.objects.bulk_create(rows, batch_size=2000)
    joint_cases = created[INSTANT + PROMISED :]
    through = Case.participant_departments.through
    through.objects.bulk_create(
        [through(case_id=c.pk, department_id=d.pk) for c in joint_cases for d in (dept_a, dept_b)],
        batch_size=2000,
    )
    # A case completed after the quarter and a draft never count.
    Case.objects.create(
        applicant=citizen,
        applicant_kind="person",
        item=promised_item,
        item_version=promised_item.current_version,
        lead_department=dept_a,
        status=Case.Status.COMPLETED,
        submitted_at=quarter.end_at + timedelta(days=1),
        completed_at=quarter.end_at + timedelta(days=2),
    )

    figures = metrics.by_department(quarter)[dept_a.pk]
    assert (figures.received, figures.completed) == (RECEIVED, COMPLETED)
    assert (figures.instant, figures.promised, figures.joint, figures.early) == (
        INSTANT,
        PROMISED,
        JOINT,
        EARLY,
    )
    assert figures.completion_rate == Decimal("102.94")
    assert figures.early_rate == Decimal("88.57")
    assert figures.as_dict()["completion_rate"] == "102.94"
    # Every fifth case was handed in at the window: one trip each (no result collected in person).
    assert figures.trips == sum(1 for n in range(len(kinds)) if n % 5 == 0)
    assert dept_b.pk not in metrics.by_department(quarter)  # joint partners do not count the case


@pytest.mark.django_db
def test_figures_from_real_cases(
    citizen: Any,
    other_citizen: Any,
    item: Any,
    clerk: Any,
    reviewer: Any,
    approver: Any,
    clock: Any,
    dept_a: Any,
) -> None:
    only_rules("overdue")
    early = accepted_case(citizen, item, clerk, clock, "2026-11-02 09:00")  # Monday
    late = accepted_case(other_citizen, item, clerk, clock, "2026-11-02 09:30")
    clock("2026-11-04 10:00")  # Wednesday: two working days after acceptance
    for case in (early,):
        for person in (reviewer, approver):
            task = case.tasks.get(status__in=[Task.Status.OPEN, Task.Status.CLAIMED])
            handling.complete_task(actor=person, task=task, action="approve", opinion="同意")
        handling.complete_case(actor=clerk, case=case)
    check(late, "2026-11-17 09:00")  # due 16 November: a yellow card
    clock("2026-11-18 10:00")
    for person in (reviewer, approver):
        task = late.tasks.get(status__in=[Task.Status.OPEN, Task.Status.CLAIMED])
        handling.complete_task(actor=person, task=task, action="approve", opinion="同意")
    delivery.deliver_result(actor=clerk, case=late, method="counter")  # collected at the counter: 办结

    figures = metrics.by_department(Period.parse("2026-11"))[dept_a.pk]
    assert (figures.received, figures.accepted, figures.completed) == (2, 2, 2)
    assert (figures.promised, figures.early, figures.overdue, figures.yellow) == (2, 1, 1, 1)
    assert figures.online_share == Decimal("100.00")
    # Two and twelve working days (2–4 and 2–18 November): 7.0 on average.
    assert figures.average_working_days == Decimal("7.0")
    # Both applied online; one collected its result at the counter: one trip over two cases.
    assert (figures.trips, figures.average_trips) == (1, Decimal("0.50"))
    assert figures.as_dict()["average_trips"] == "0.50"
    assert (figures.rated, figures.satisfaction_rate) == (0, None)


@pytest.mark.django_db
def test_satisfaction_from_ratings(
    citizen: Any, other_citizen: Any, item: Any, dept_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govhall.ratings import services as rating_services

    moment = datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)
    monkeypatch.setattr(rating_services, "now", lambda: moment)
    for n, (applicant, level) in enumerate(((citizen, 5), (other_citizen, 1), (citizen, 3))):
        case = Case.objects.create(
            case_no=f"20261120-SAT-{n:06d}",
            applicant=applicant,
            applicant_kind="person",
            item=item,
            item_version=item.current_version,
            lead_department=dept_a,
            status=Case.Status.COMPLETED,
            decision=Case.Decision.APPROVED,
            submitted_at=moment,
            accepted_at=moment,
            completed_at=moment,
        )
        rating_services.rate_case(actor=applicant, case=case, level=level, comment="办理过程体验如实评价")
    figures = metrics.by_department(Period.parse("2026-11"))[dept_a.pk]
    # 非常满意 and 基本满意 are satisfied, 非常不满意 is not: two of three.
    assert (figures.rated, figures.satisfied, figures.satisfaction_rate) == (3, 2, Decimal("66.67"))
    assert metrics.by_department(Period.parse("2026-10")).get(dept_a.pk) is None
    assert ranking.components(figures)["satisfaction"] == Decimal("0.6667")
    assert metrics.by_department(Period.parse("2026-10")) == {}


def test_ranking_by_score() -> None:
    good = Figures(received=100, online=80, completed=100, promised=90, early=85, overdue=0)
    weak = Figures(received=100, online=10, completed=70, promised=60, early=20, overdue=14, yellow=2, red=1)
    tied = Figures(received=100, online=80, completed=100, promised=90, early=85, overdue=0)
    empty = Figures()
    departments = {
        1: Department(pk=1, code="A", name="甲局"),
        2: Department(pk=2, code="B", name="乙局"),
        3: Department(pk=3, code="C", name="丙局"),
        4: Department(pk=4, code="D", name="丁局"),
    }
    ranked = ranking.rank({1: good, 2: weak, 3: tied, 4: empty}, departments)
    assert [(r.rank, r.department.code) for r in ranked] == [(1, "A"), (1, "C"), (3, "B")]
    # good: 100 × (25·1 + 25·0.9444… + 20·1 + 10·0.8) / 80 = 95.76 (no cards: rectification left out)
    assert ranked[0].score == Decimal("95.76") and ranked[0].grade == "优秀"
    assert ranked[2].score < Decimal("60") and ranked[2].grade == "不合格"


def test_the_score_formula_is_configurable(settings: Any) -> None:
    figures = Figures(received=10, online=10, completed=10, promised=10, early=10, yellow=1, cards_closed=1)
    assert ranking.score(figures) == Decimal("98.00")  # 100 − 2 for the (rectified) yellow card
    unrectified = Figures(received=10, online=10, completed=10, promised=10, early=10, yellow=1)
    assert ranking.score(unrectified) == Decimal("78.00")  # rectification 0 of 20, − 2
    settings.GOVHALL_SUPERVISION_SCORE = {"penalties": {"yellow": 10}}
    assert ranking.score(figures) == Decimal("90.00")
