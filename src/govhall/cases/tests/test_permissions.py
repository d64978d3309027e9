"""Who may see and act on a case, persona by persona — above all, who must not."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.cases import handling, selectors, services
from govhall.cases.models import Case, Task
from govhall.cases.tests.helpers import draft_with_materials, submitted
from govhall.core import permissions
from govhall.core.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(citizen: Any, item: Any) -> Case:
    return submitted(citizen, item).case


def test_who_sees_a_case(
    case: Case,
    citizen: Any,
    other_citizen: Any,
    enterprise: Any,
    clerk: Any,
    reviewer: Any,
    department_admin: Any,
    other_dept_approver: Any,
    supervisor: Any,
    county_supervisor: Any,
    platform_admin: Any,
    county_clerk: Any,
) -> None:
    may = {citizen, clerk, reviewer, department_admin, supervisor, platform_admin}
    may_not = {other_citizen, enterprise, other_dept_approver, county_supervisor, county_clerk}
    for user in may:
        assert permissions.can_view(user, case), user.username
        assert selectors.visible_cases(user).filter(pk=case.pk).exists(), user.username
        assert selectors.get_case(user, case.case_no or "") == case
    for user in may_not:
        assert not permissions.can_view(user, case), user.username
        assert not selectors.visible_cases(user).filter(pk=case.pk).exists(), user.username
        with pytest.raises(DomainError) as hidden:
            selectors.get_case(user, case.case_no or "")
        assert hidden.value.status == 404


def test_anonymous_sees_nothing(case: Case) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not permissions.can_view(AnonymousUser(), case)
    assert not selectors.visible_cases(AnonymousUser()).exists()


def test_drafts_are_the_applicants_alone(
    citizen: Any, item: Any, clerk: Any, supervisor: Any, platform_admin: Any
) -> None:
    draft = draft_with_materials(citizen, item)
    assert permissions.can_view(citizen, draft)
    for staff in (clerk, supervisor, platform_admin):
        assert not permissions.can_view(staff, draft), staff.username
        assert not selectors.visible_cases(staff).filter(pk=draft.pk).exists()


def test_another_citizen_cannot_act_on_a_case(case: Case, other_citizen: Any) -> None:
    for action in (
        lambda: services.withdraw_case(actor=other_citizen, case=case),
        lambda: services.resubmit_supplement(actor=other_citizen, case=case),
        lambda: services.reissue_verification_code(actor=other_citizen, case=case),
    ):
        with pytest.raises(DomainError) as denied:
            action()
        assert denied.value.status == 404  # not even told the case exists
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED


def test_only_the_lead_departments_clerk_accepts(
    case: Case,
    citizen: Any,
    reviewer: Any,
    county_clerk: Any,
    supervisor: Any,
    platform_admin: Any,
    clerk: Any,
) -> None:
    for user, status in (
        (citizen, 403),
        (reviewer, 403),
        (supervisor, 403),
        (platform_admin, 403),
        (county_clerk, 404),
    ):
        with pytest.raises(DomainError) as denied:
            handling.accept_case(actor=user, case=case)
        assert denied.value.status == status, user.username
    handling.accept_case(actor=clerk, case=case)


def test_staff_of_another_department_cannot_work_the_task(
    case: Case, clerk: Any, reviewer: Any, approver: Any, other_dept_approver: Any, supervisor: Any
) -> None:
    handling.accept_case(actor=clerk, case=case)
    review = case.tasks.get(step_kind="review")
    for user in (approver, other_dept_approver, supervisor, clerk):
        with pytest.raises(DomainError) as denied:
            handling.complete_task(actor=user, task=review, action="approve")
        assert denied.value.status in (403, 404), user.username
        with pytest.raises(DomainError):
            handling.claim_task(actor=user, task=review)
    review.refresh_from_db()
    assert review.status == Task.Status.OPEN
    assert list(selectors.task_queue(reviewer)) == [review]
    assert not selectors.task_queue(other_dept_approver).exists()
    assert not selectors.task_queue(approver).exists()
    # The supervisor watches the task without being able to do it.
    assert selectors.get_task(supervisor, review.pk) == review
    with pytest.raises(DomainError):
        selectors.get_task(other_dept_approver, review.pk)


def test_a_county_supervisor_sees_only_county_cases(
    citizen: Any, county_dept: Any, county_clerk: Any, county_supervisor: Any, supervisor: Any, case: Case
) -> None:
    from govhall.cases.tests.helpers import publish_item

    county_case = submitted(citizen, publish_item(county_dept, name="个体工商户登记")).case
    assert set(selectors.visible_cases(county_supervisor)) == {county_case}
    # The city's supervisor watches the city and every county under it.
    assert set(selectors.visible_cases(supervisor)) == {case, county_case}
    assert set(selectors.visible_cases(county_clerk)) == {county_case}
