"""The on-commit check: a case is evaluated once its transition commits, once per transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from govhall.cases import handling
from govhall.cases.models import CaseEvent
from govhall.cases.tests.helpers import publish_item
from govhall.supervision.models import Alert
from govhall.supervision.tests.helpers import file_case, only_rules

pytestmark = pytest.mark.django_db


def ours(callbacks: list[Any]) -> list[Any]:
    return [c for c in callbacks if "case_event_saved" in getattr(c, "__qualname__", "")]


def test_a_transition_is_checked_when_it_commits(
    citizen: Any, dept_a: Any, clerk: Any, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    only_rules("deadline_approaching")
    one_day = publish_item(dept_a, name="一日办结事项", promised_days=1, statutory_days=5)
    with django_capture_on_commit_callbacks(execute=True):
        case = file_case(citizen, one_day, clock, "2026-11-23 09:00")  # committed, checked
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        handling.accept_case(actor=clerk, case=case)
    assert len(ours(callbacks)) == 1
    # Due tomorrow from the moment it is accepted: warned at once, not at the next sweep.
    assert list(Alert.objects.filter(case=case).values_list("rule_kind", flat=True)) == [
        "deadline_approaching"
    ]


def test_one_check_per_case_per_transaction_and_none_after_rollback(
    citizen: Any, item: Any, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = file_case(citizen, item, clock, "2026-11-23 09:00")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for kind in ("accepted", "decided", "completed"):
            CaseEvent.objects.create(case=case, occurred_at=case.submitted_at, kind=kind)
        CaseEvent.objects.create(case=case, occurred_at=case.submitted_at, kind="draft_saved")
    assert len(ours(callbacks)) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                CaseEvent.objects.create(case=case, occurred_at=case.submitted_at, kind="accepted")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        with transaction.atomic():
            CaseEvent.objects.create(case=case, occurred_at=case.submitted_at, kind="accepted")
    # The rolled-back transaction's check was dropped with it; the next one gets its own.
    assert len(ours(callbacks)) == 1


def test_a_failing_check_never_breaks_the_transition(
    citizen: Any, item: Any, clock: Any, django_capture_on_commit_callbacks: Any, settings: Any, caplog: Any
) -> None:
    only_rules("acceptance_delay")
    with django_capture_on_commit_callbacks(execute=True):
        case = file_case(citizen, item, clock, "2026-12-31 09:00")
    # A calendar that ends this year: counting five working days on from today fails.
    settings.GOVHALL_CALENDAR_YEARS = (2026, 2026)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        CaseEvent.objects.create(case=case, occurred_at=case.submitted_at, kind="supplemented")
    assert CaseEvent.objects.filter(case=case, kind="supplemented").exists()
    assert "calendar_out_of_range" in caplog.text  # logged by the task runner, not raised
    assert not Alert.objects.filter(case=case).exists()
