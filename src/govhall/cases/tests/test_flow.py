"""Whole case journeys through the services: standard, instant, rejection, return, withdrawal."""

from __future__ import annotations

import re
from typing import Any

import pytest

from govhall.cases import handling, services
from govhall.cases.models import Case, CaseEvent, ProcessTemplate, Task
from govhall.cases.tests.helpers import publish_item, staff_member, submitted
from govhall.core.audit import verify_chain
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def open_task(case: Case, kind: str) -> Task:
    return case.tasks.get(step_kind=kind, status__in=[Task.Status.OPEN, Task.Status.CLAIMED])


def test_standard_flow_from_submission_to_completion(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any, clock: Any
) -> None:
    clock("2026-11-20 09:30")
    result = submitted(citizen, item, key="k-1")
    case = result.case
    assert result.created and result.verification_code
    assert re.fullmatch(r"20261120-SCJG-000001", case.case_no or "")
    assert case.status == Case.Status.SUBMITTED
    assert case.process_template is not None and case.process_template.code == "standard"
    accept_task = open_task(case, "accept")
    assert (accept_task.candidate_department, accept_task.candidate_role) == (item.department, "window_clerk")

    clock("2026-11-20 10:00")
    case = handling.accept_case(actor=clerk, case=case)
    assert case.status == Case.Status.ACCEPTED
    # Accepted on Friday 20 November with 10 working days: due Friday 4 December, end of day.
    assert case.promised_deadline is not None and case.statutory_deadline is not None
    assert case.promised_deadline.isoformat().startswith("2026-12-04T23:59:59")
    assert case.statutory_deadline.isoformat().startswith("2026-12-18T23:59:59")

    review = open_task(case, "review")
    clock("2026-11-23 09:00")
    handling.claim_task(actor=reviewer, task=review)
    case.refresh_from_db()
    assert case.status == Case.Status.IN_REVIEW
    handling.complete_task(actor=reviewer, task=review, action="approve", opinion="材料齐全")

    decide = open_task(case, "decide")
    assert decide.candidate_role == "approver"
    with pytest.raises(DomainError) as missing_opinion:
        handling.complete_task(actor=approver, task=decide, action="approve")
    assert missing_opinion.value.code == "opinion_required"
    handling.complete_task(actor=approver, task=decide, action="approve", opinion="同意许可")
    case.refresh_from_db()
    assert (case.status, case.decision) == (Case.Status.APPROVED, Case.Decision.APPROVED)
    assert case.outcome_note == "同意许可"

    clock("2026-11-24 16:00")
    case = handling.complete_case(actor=clerk, case=case, note="电子证照已发放")
    assert case.status == Case.Status.COMPLETED
    assert case.timeliness == Case.Timeliness.EARLY
    assert not case.tasks.filter(status__in=[Task.Status.OPEN, Task.Status.CLAIMED]).exists()

    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [
        "draft_created",
        "material_added",
        "submitted",
        "accepted",
        "task_claimed",
        "task_completed",
        "task_completed",
        "decided",
        "completed",
    ]
    assert AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() == len(kinds)
    assert verify_chain().ok


def test_process_spec_is_stored_once_for_many_cases(citizen: Any, other_citizen: Any, item: Any) -> None:
    submitted(citizen, item)
    submitted(other_citizen, item)
    assert ProcessTemplate.objects.filter(code="standard").count() == 1
    # The case keeps workflow state only; the spec lives on the template.
    case = Case.objects.exclude(case_no=None).first()
    assert case is not None and case.workflow_state is not None
    assert "spec" not in case.workflow_state and "tasks" in case.workflow_state


def test_case_numbers_count_per_department_per_day(
    citizen: Any, other_citizen: Any, item: Any, dept_b: Any, clock: Any
) -> None:
    other_item = publish_item(dept_b, name="不动产登记")
    clock("2026-11-20 23:50")
    first = submitted(citizen, item).case
    second = submitted(other_citizen, item).case
    third = submitted(citizen, other_item).case
    clock("2026-11-21 00:10")
    fourth = submitted(other_citizen, item).case
    assert [c.case_no for c in (first, second, third, fourth)] == [
        "20261120-SCJG-000001",
        "20261120-SCJG-000002",
        "20261120-ZRZY-000001",
        "20261121-SCJG-000001",
    ]


def test_decider_can_return_the_case_to_review(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    case = submitted(citizen, item).case
    handling.accept_case(actor=clerk, case=case)
    handling.complete_task(actor=reviewer, task=open_task(case, "review"), action="approve")
    handling.complete_task(
        actor=approver, task=open_task(case, "decide"), action="return", opinion="补充核查"
    )
    second_review = open_task(case, "review")
    handling.complete_task(actor=reviewer, task=second_review, action="deny", opinion="经核查不符合条件")
    handling.complete_task(actor=approver, task=open_task(case, "decide"), action="deny", opinion="不予许可")
    case.refresh_from_db()
    assert (case.status, case.decision) == (Case.Status.DENIED, Case.Decision.DENIED)
    assert case.tasks.filter(step_kind="review", status=Task.Status.DONE).count() == 2


def test_instant_item_is_accepted_and_decided_at_once(
    citizen: Any, dept_a: Any, clerk: Any, clock: Any
) -> None:
    instant = publish_item(
        dept_a, name="个体工商户名称查询", item_type="instant", promised_days=0, statutory_days=0
    )
    clock("2026-11-20 10:00")
    case = submitted(citizen, instant).case
    assert case.process_template is not None and case.process_template.code == "instant"
    with pytest.raises(DomainError) as no_decision:
        handling.accept_case(actor=clerk, case=case)
    assert no_decision.value.code == "decision_required"
    case = handling.accept_case(actor=clerk, case=case, decision="approve", opinion="当场办结")
    assert (case.status, case.decision) == (Case.Status.APPROVED, Case.Decision.APPROVED)
    assert case.promised_deadline is not None and case.promised_deadline.isoformat().startswith(
        "2026-11-20T23:59"
    )
    clock("2026-11-20 10:05")
    case = handling.complete_case(actor=clerk, case=case)
    assert (case.status, case.timeliness) == (Case.Status.COMPLETED, Case.Timeliness.ON_TIME)


def test_rejection_needs_a_reason_and_ends_the_case(citizen: Any, item: Any, clerk: Any) -> None:
    case = submitted(citizen, item).case
    with pytest.raises(DomainError) as no_reason:
        handling.reject_case(actor=clerk, case=case, reason=" ")
    assert no_reason.value.code == "reason_required"
    case = handling.reject_case(actor=clerk, case=case, reason="不属于本机关职权范围")
    assert case.status == Case.Status.REJECTED
    assert case.outcome_note == "不属于本机关职权范围"
    assert not case.tasks.filter(status=Task.Status.OPEN).exists()
    assert case.workflow_state is not None
    with pytest.raises(DomainError) as again:
        handling.accept_case(actor=clerk, case=case)
    assert again.value.status == 409


def test_withdraw_only_while_undecided(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    case = submitted(citizen, item).case
    handling.accept_case(actor=clerk, case=case)
    case = services.withdraw_case(actor=citizen, case=case, reason="不再需要")
    assert case.status == Case.Status.WITHDRAWN
    assert not case.tasks.filter(status__in=[Task.Status.OPEN, Task.Status.CLAIMED]).exists()

    decided = submitted(citizen, item).case
    handling.accept_case(actor=clerk, case=decided)
    handling.complete_task(actor=reviewer, task=open_task(decided, "review"), action="approve")
    handling.complete_task(
        actor=approver, task=open_task(decided, "decide"), action="approve", opinion="同意"
    )
    with pytest.raises(DomainError) as too_late:
        services.withdraw_case(actor=citizen, case=decided)
    assert too_late.value.code == "invalid_case_status"


def test_completing_a_task_twice_is_a_conflict(citizen: Any, item: Any, clerk: Any, reviewer: Any) -> None:
    case = submitted(citizen, item).case
    handling.accept_case(actor=clerk, case=case)
    review = open_task(case, "review")
    handling.complete_task(actor=reviewer, task=review, action="approve")
    with pytest.raises(DomainError) as second:
        handling.complete_task(actor=reviewer, task=review, action="approve")
    assert (second.value.status, second.value.code) == (409, "task_already_completed")


def test_task_transfer_goes_to_a_colleague_with_the_same_role(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any, dept_a: Any
) -> None:
    colleague = staff_member("reviewer2", dept_a, "reviewer")
    case = submitted(citizen, item).case
    handling.accept_case(actor=clerk, case=case)
    review = open_task(case, "review")
    with pytest.raises(DomainError) as wrong_person:
        handling.complete_task(actor=reviewer, task=review, action="transfer", transfer_to=approver)
    assert wrong_person.value.code == "invalid_transfer"
    moved = handling.complete_task(actor=reviewer, task=review, action="transfer", transfer_to=colleague)
    assert (moved.status, moved.assignee) == (Task.Status.CLAIMED, colleague)
    with pytest.raises(DomainError) as taken:
        handling.complete_task(actor=reviewer, task=review, action="approve")
    assert taken.value.code == "task_claimed"
    handling.complete_task(actor=colleague, task=review, action="approve")
    assert CaseEvent.objects.filter(case=case, kind="task_transferred").exists()
