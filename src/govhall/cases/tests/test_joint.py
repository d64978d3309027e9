"""Joint approval (并联审批): one acceptance by the lead department, parallel decisions by all."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.cases import handling, selectors
from govhall.cases.models import Case, Task
from govhall.cases.tests.helpers import publish_item, submitted
from govhall.core import permissions
from govhall.core.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def joint_item(dept_a: Any, dept_b: Any, county_dept: Any) -> Any:
    return publish_item(dept_a, name="建设项目联合审批", joint=[dept_b, county_dept])


def joint_tasks(case: Case) -> dict[str, Task]:
    return {
        t.candidate_department.code: t
        for t in case.tasks.filter(step_kind="joint_review", status=Task.Status.OPEN).select_related(
            "candidate_department"
        )
    }


def test_three_departments_decide_in_parallel_and_all_must_decide(
    citizen: Any,
    joint_item: Any,
    clerk: Any,
    approver: Any,
    other_dept_approver: Any,
    third_dept_approver: Any,
) -> None:
    case = submitted(citizen, joint_item).case
    assert case.process_template is not None and case.process_template.code == "joint"
    assert set(case.participant_departments.values_list("code", flat=True)) == {"SCJG", "ZRZY", "YCSCJG"}
    # Accepted once, by the lead department.
    assert list(case.tasks.values_list("step_kind", "candidate_department__code")) == [("accept", "SCJG")]
    handling.accept_case(actor=clerk, case=case)

    tasks = joint_tasks(case)
    assert set(tasks) == {"SCJG", "ZRZY", "YCSCJG"}
    assert {t.candidate_role for t in tasks.values()} == {"approver"}
    # Each department sees its own task in its queue, and only its own.
    assert list(selectors.task_queue(other_dept_approver)) == [tasks["ZRZY"]]
    assert list(selectors.task_queue(third_dept_approver)) == [tasks["YCSCJG"]]
    with pytest.raises(DomainError) as not_theirs:
        handling.complete_task(
            actor=other_dept_approver, task=tasks["SCJG"], action="approve", opinion="同意"
        )
    assert not_theirs.value.status in (403, 404)

    handling.complete_task(
        actor=other_dept_approver, task=tasks["ZRZY"], action="approve", opinion="符合规划"
    )
    case.refresh_from_db()
    assert case.status == Case.Status.IN_REVIEW and case.decision == ""
    handling.complete_task(actor=approver, task=tasks["SCJG"], action="approve", opinion="同意")
    case.refresh_from_db()
    assert case.status == Case.Status.IN_REVIEW, "two of three decisions must not complete a joint case"
    assert not case.tasks.filter(step_kind="complete").exists()

    handling.complete_task(actor=third_dept_approver, task=tasks["YCSCJG"], action="approve", opinion="同意")
    case.refresh_from_db()
    assert (case.status, case.decision) == (Case.Status.APPROVED, Case.Decision.APPROVED)
    handling.complete_case(actor=clerk, case=case)
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED


def test_one_denial_denies_the_joint_case_once_all_have_decided(
    citizen: Any,
    joint_item: Any,
    clerk: Any,
    approver: Any,
    other_dept_approver: Any,
    third_dept_approver: Any,
) -> None:
    case = submitted(citizen, joint_item).case
    handling.accept_case(actor=clerk, case=case)
    tasks = joint_tasks(case)
    handling.complete_task(
        actor=other_dept_approver, task=tasks["ZRZY"], action="deny", opinion="不符合用地规划"
    )
    case.refresh_from_db()
    assert case.status == Case.Status.IN_REVIEW
    handling.complete_task(actor=approver, task=tasks["SCJG"], action="approve", opinion="同意")
    handling.complete_task(actor=third_dept_approver, task=tasks["YCSCJG"], action="approve", opinion="同意")
    case.refresh_from_db()
    assert (case.status, case.decision) == (Case.Status.DENIED, Case.Decision.DENIED)


def test_participant_departments_see_the_case_but_not_others(
    citizen: Any, joint_item: Any, other_dept_approver: Any, other_county_clerk: Any
) -> None:
    case = submitted(citizen, joint_item).case
    assert permissions.can_view(other_dept_approver, case)
    assert list(selectors.visible_cases(other_dept_approver)) == [case]
    assert not permissions.can_view(other_county_clerk, case)
    assert not selectors.visible_cases(other_county_clerk).exists()
