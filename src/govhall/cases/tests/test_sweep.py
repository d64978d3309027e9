"""The deadline sweep: approaching and overdue facts on the timeline, once per deadline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhall.cases import handling, sweep
from govhall.cases.handling import SupplementItem
from govhall.cases.models import Case, Task
from govhall.cases.tasks import sweep_case_deadlines
from govhall.cases.tests.helpers import submitted
from govhall.core.calendar import SHANGHAI

pytestmark = pytest.mark.django_db


def at(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)


@pytest.fixture
def accepted(citizen: Any, item: Any, clerk: Any, clock: Any) -> Case:
    # Accepted Friday 20 November 2026 with 10 working days: due Friday 4 December, end of day.
    clock("2026-11-20 09:30")
    case = submitted(citizen, item).case
    clock("2026-11-20 10:00")
    return handling.accept_case(actor=clerk, case=case)


def kinds(case: Case) -> list[str]:
    return list(
        case.events.filter(kind__in=["deadline_approaching", "overdue"]).values_list("kind", flat=True)
    )


def test_overdue_is_recorded_once(accepted: Case, reviewer: Any) -> None:
    report = sweep.sweep_deadlines(now=at("2026-12-07 09:00"))
    assert (report.overdue, report.approaching) == (1, 0)
    assert sweep.sweep_deadlines(now=at("2026-12-07 09:05")).overdue == 0
    assert kinds(accepted) == ["overdue"]
    event = accepted.events.get(kind="overdue")
    assert event.actor is None and event.data["deadline"] == "promised"
    assert event.data["due"].startswith("2026-12-04T")
    # The reviewer, whose queue holds the case, is told in-site.
    message = reviewer.messages.get(event="case.overdue")
    assert accepted.case_no in message.title


def test_approaching_then_overdue(accepted: Case) -> None:
    assert sweep.sweep_deadlines(now=at("2026-12-02 17:00")).approaching == 0  # two working days left
    assert sweep.sweep_deadlines(now=at("2026-12-03 09:00")).approaching == 1  # due tomorrow
    assert sweep.sweep_deadlines(now=at("2026-12-04 09:00")).approaching == 0  # noted already
    sweep.sweep_deadlines(now=at("2026-12-05 00:01"))
    assert kinds(accepted) == ["deadline_approaching", "overdue"]


def test_paused_and_closed_cases_are_not_swept(accepted: Case, clerk: Any, clock: Any) -> None:
    clock("2026-11-23 10:00")
    handling.request_supplement(actor=clerk, case=accepted, items=[SupplementItem(name="营业执照副本")])
    assert sweep.sweep_deadlines(now=at("2026-12-31 09:00")).overdue == 0
    assert kinds(accepted) == []


def test_a_moved_deadline_is_a_new_deadline(accepted: Case) -> None:
    sweep.sweep_deadlines(now=at("2026-12-07 09:00"))
    Case.objects.filter(pk=accepted.pk).update(promised_deadline=at("2026-12-10 23:59:59"))
    assert sweep.sweep_deadlines(now=at("2026-12-08 09:00")).overdue == 0
    assert sweep.sweep_deadlines(now=at("2026-12-11 09:00")).overdue == 1
    assert kinds(accepted) == ["overdue", "overdue"]


def test_overdue_task_steps(accepted: Case) -> None:
    review = accepted.tasks.get(step_kind="review")
    Task.objects.filter(pk=review.pk).update(due_at=at("2026-11-24 23:59:59"))
    first = sweep.sweep_deadlines(now=at("2026-11-25 09:00"))
    again = sweep.sweep_deadlines(now=at("2026-11-25 09:05"))
    assert (first.tasks_overdue, again.tasks_overdue) == (1, 0)
    event = accepted.events.get(kind="task_overdue")
    assert event.step == review.name and event.data["task"] == review.pk


def test_the_sweep_reads_only_what_is_due(
    citizen: Any, other_citizen: Any, item: Any, clerk: Any, clock: Any
) -> None:
    clock("2026-11-20 09:30")
    cases = [submitted(person, item).case for person in (citizen, other_citizen)]
    clock("2026-11-20 10:00")
    for case in cases:
        handling.accept_case(actor=clerk, case=case)
    Case.objects.filter(pk=cases[1].pk).update(promised_deadline=at("2027-03-01 23:59:59"))
    Task.objects.filter(case=cases[1]).update(due_at=at("2027-03-01 23:59:59"))
    with CaptureQueriesContext(connection) as queries:
        report = sweep.sweep_deadlines(now=at("2026-12-07 09:00"))
    assert report.overdue == 1
    listing = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "cases_case"."id" AS "pk"')
    ]
    assert len(listing) == 2  # approaching, overdue: both bounded by the indexed deadline column
    assert all('"cases_case"."promised_deadline" <=' in sql for sql in listing)
    # Only the case that is due was loaded and locked.
    loaded = " ".join(
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith('SELECT "cases_case"."id" AS "pk"')
    )
    assert f'"cases_case"."id" = {cases[0].pk} ' in loaded
    assert f'"cases_case"."id" = {cases[1].pk} ' not in loaded


def test_periodic_task_runs_the_sweep(accepted: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    from govhall.cases import deadlines

    monkeypatch.setattr(deadlines, "now", lambda: at("2026-12-07 09:00"))
    assert sweep_case_deadlines.call_local()["overdue"] == 1
    assert sweep_case_deadlines.call_local() == {"approaching": 0, "overdue": 0, "tasks_overdue": 0}
    assert sweep_case_deadlines.s().validate_datetime(datetime(2026, 12, 7, 1, 5)) is True
    assert sweep_case_deadlines.s().validate_datetime(datetime(2026, 12, 7, 1, 7)) is False
