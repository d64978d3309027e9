"""Rules on what was done: reasons, opinions, 一次性告知, order of handling. Once each, and never on
a case handled properly."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.cases import handling, services
from govhall.cases.handling import SupplementItem
from govhall.cases.models import Case, CaseEvent, Task
from govhall.supervision.tests.helpers import (
    accepted_case,
    alerts_of,
    at,
    check,
    file_case,
    kinds,
    only_rules,
)

pytestmark = pytest.mark.django_db


def legacy_event(case: Case, kind: str, when: str, *, to_status: str, note: str = "") -> CaseEvent:
    """A timeline entry as an older system or a data import would have left it."""
    Case.objects.filter(pk=case.pk).update(status=to_status)
    return CaseEvent.objects.create(
        case=case, occurred_at=at(when), kind=kind, to_status=to_status, note=note
    )


def test_a_case_handled_properly_raises_nothing(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any, clock: Any
) -> None:
    case = accepted_case(citizen, item, clerk, clock, "2026-11-23 09:00")
    clock("2026-11-24 10:00")
    for person in (reviewer, approver):
        task = case.tasks.get(status__in=[Task.Status.OPEN, Task.Status.CLAIMED])
        handling.complete_task(actor=person, task=task, action="approve", opinion="符合条件，同意")
    handling.complete_case(actor=clerk, case=case)
    assert check(case, "2026-11-24 10:05") == []
    assert check(case, "2027-03-01 10:00") == []  # a closed case does not go overdue later


def test_refusal_to_accept_without_reasons(citizen: Any, item: Any, clock: Any) -> None:
    only_rules("refusal_without_reason")
    case = file_case(citizen, item, clock, "2026-11-23 09:00")
    event = legacy_event(case, "rejected", "2026-11-23 15:00", to_status=Case.Status.REJECTED, note="  ")
    raised = check(case, "2026-11-23 15:01")
    assert kinds(raised) == [("refusal_without_reason", "yellow")]
    assert raised[0].key == f"event:{event.pk}" and raised[0].title.startswith("不予受理")
    assert check(case, "2026-11-23 15:02") == []


def test_refusal_with_reasons_is_fine(citizen: Any, item: Any, clerk: Any, clock: Any) -> None:
    only_rules("refusal_without_reason")
    case = file_case(citizen, item, clock, "2026-11-23 09:00")
    handling.reject_case(actor=clerk, case=case, reason="申请事项不属于本机关职权范围")
    assert check(case, "2026-11-23 15:01") == []


def test_denial_without_reasons_and_approval_without_opinion(
    citizen: Any, other_citizen: Any, item: Any, clerk: Any, clock: Any
) -> None:
    only_rules("refusal_without_reason", "decision_without_opinion")
    denied = accepted_case(citizen, item, clerk, clock, "2026-11-23 09:00")
    legacy_event(denied, "decided", "2026-11-24 09:00", to_status=Case.Status.DENIED)
    approved = accepted_case(other_citizen, item, clerk, clock, "2026-11-23 09:30")
    legacy_event(approved, "decided", "2026-11-24 09:00", to_status=Case.Status.APPROVED)
    assert kinds(check(denied, "2026-11-24 09:01")) == [("refusal_without_reason", "yellow")]
    assert kinds(check(approved, "2026-11-24 09:01")) == [("decision_without_opinion", "yellow")]
    assert check(denied, "2026-11-24 09:02") == [] and check(approved, "2026-11-24 09:02") == []


def test_repeated_supplement_requests_break_one_time_notice(
    citizen: Any, item: Any, clerk: Any, clock: Any
) -> None:
    only_rules("repeated_supplement")
    case = file_case(citizen, item, clock, "2026-11-23 09:00")
    clock("2026-11-23 11:00")
    handling.request_supplement(actor=clerk, case=case, items=[SupplementItem(name="场地证明")])
    assert check(case, "2026-11-23 11:01") == []  # once is the rule (一次性告知)
    clock("2026-11-24 09:00")
    services.resubmit_supplement(actor=citizen, case=case)
    clock("2026-11-24 11:00")
    handling.request_supplement(actor=clerk, case=case, items=[SupplementItem(name="卫生许可证")])
    raised = check(case, "2026-11-24 11:01")
    assert kinds(raised) == [("repeated_supplement", "yellow")]
    assert raised[0].facts["count"] == 2
    clock("2026-11-25 09:00")
    services.resubmit_supplement(actor=citizen, case=case)
    clock("2026-11-25 11:00")
    handling.request_supplement(actor=clerk, case=case, items=[SupplementItem(name="健康证明")])
    assert check(case, "2026-11-25 11:01") == []  # one card per case
    assert alerts_of(case) == [("repeated_supplement", "yellow")]


def test_completed_without_acceptance_is_out_of_order(citizen: Any, item: Any, clock: Any) -> None:
    only_rules("out_of_order")
    case = file_case(citizen, item, clock, "2026-11-23 09:00")
    legacy_event(case, "completed", "2026-11-24 09:00", to_status=Case.Status.COMPLETED)
    raised = check(case, "2026-11-24 09:01")
    assert kinds(raised) == [("out_of_order", "red"), ("out_of_order", "red")]
    assert {a.key for a in raised} == {"completed_without_acceptance", "completed_without_decision"}
    assert check(case, "2026-11-24 09:02") == []


def test_handling_after_rejection_is_out_of_order(citizen: Any, item: Any, clerk: Any, clock: Any) -> None:
    only_rules("out_of_order")
    case = file_case(citizen, item, clock, "2026-11-23 09:00")
    handling.reject_case(actor=clerk, case=case, reason="材料虚假")
    assert check(case, "2026-11-23 10:00") == []
    legacy_event(case, "accepted", "2026-11-23 11:00", to_status=Case.Status.ACCEPTED)
    assert [a.key for a in check(case, "2026-11-23 11:01")] == ["handled_after_closing"]
