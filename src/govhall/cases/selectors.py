"""Reads of cases and tasks, already narrowed to what the user may see (cases.permissions)."""

from __future__ import annotations

import hmac
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from govhall.cases.models import Case, CaseEvent, CaseMaterial, Task
from govhall.cases.services import verification_hash
from govhall.core import permissions
from govhall.core.crypto import lookup_hash
from govhall.core.errors import NotFound

OPEN_TASK_STATUSES = (Task.Status.OPEN, Task.Status.CLAIMED)


def visible_cases(user: Any) -> QuerySet[Case]:
    base = Case.objects.select_related("item", "item_version", "lead_department", "applicant")
    return permissions.restrict(base, user, "view")


def my_cases(user: Any) -> QuerySet[Case]:
    """The user's own applications, drafts included (我的办件)."""
    return visible_cases(user).filter(applicant_id=getattr(user, "pk", None))


def get_case(user: Any, reference: str) -> Case:
    """A case by number, or a draft by identifier, if ``user`` may see it; 404 otherwise."""
    qs = visible_cases(user)
    try:
        case = qs.filter(uid=UUID(reference)).first()
    except ValueError:
        case = qs.filter(case_no=reference).first()
    if case is None:
        raise NotFound("case_not_found", "办件不存在", "no such case", status=404)
    return case


def timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.order_by("occurred_at", "id")


def materials(case: Case) -> QuerySet[CaseMaterial]:
    return case.materials.select_related("material").order_by("material__order", "id")


def open_tasks(case: Case) -> QuerySet[Task]:
    return case.tasks.filter(status__in=OPEN_TASK_STATUSES).select_related("candidate_department", "assignee")


def task_queue(user: Any, *, mine: bool = False) -> QuerySet[Task]:
    """Open tasks of the departments and roles the user works in (本部门待办); ``mine``: claimed by them."""
    qs = Task.objects.filter(status__in=OPEN_TASK_STATUSES).select_related(
        "case", "case__item_version", "candidate_department", "assignee"
    )
    qs = permissions.restrict(qs, user, "complete")
    if mine:
        qs = qs.filter(assignee_id=user.pk)
    return qs.order_by("due_at", "created_at", "id")


def get_task(user: Any, task_id: int) -> Task:
    task = (
        permissions.restrict(Task.objects.select_related("case", "candidate_department"), user, "view")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound("task_not_found", "任务不存在", "no such task", status=404)
    return task


def status_query(*, case_no: str, identifier: str, code: str) -> Case:
    """The public status query: the case only when number, applicant's ID/USCC and code all match.

    Every mismatch gives the same answer, so the query tells nobody which part was wrong.
    """
    failure = NotFound(
        "status_query_failed",
        "办件编号、证件号码或查询码不正确",
        "the case number, identifier or verification code does not match",
        status=404,
    )
    case = (
        Case.objects.select_related("item_version", "lead_department").filter(case_no=case_no.strip()).first()
    )
    expected_identity = case.applicant_id_hash if case else "0" * 64
    expected_code = case.verification_code_hash if case else "0" * 64
    identity_ok = hmac.compare_digest(lookup_hash(identifier), expected_identity)
    code_ok = hmac.compare_digest(verification_hash(case_no.strip(), code), expected_code)
    if case is None or not (identity_ok and code_ok) or not case.applicant_id_hash:
        raise failure
    return case
