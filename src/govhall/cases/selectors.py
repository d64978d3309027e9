"""Reads of cases and tasks, already narrowed to what the user may see (cases.permissions)."""

from __future__ import annotations

import hmac
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, QuerySet

from govhall.cases.models import Case, CaseEvent, CaseMaterial, Task
from govhall.cases.services import verification_hash
from govhall.catalog.models import ItemVersion, ServiceItem
from govhall.core import permissions
from govhall.core.crypto import lookup_hash
from govhall.core.errors import NotFound
from govhall.identity.models import Role, User

OPEN_TASK_STATUSES = (Task.Status.OPEN, Task.Status.CLAIMED)


def visible_cases(user: Any) -> QuerySet[Case]:
    base = Case.objects.select_related("item", "item_version", "lead_department", "applicant")
    return permissions.restrict(base, user, "view")


def my_cases(user: Any) -> QuerySet[Case]:
    """The user's own applications, drafts included (我的办件)."""
    return visible_cases(user).filter(applicant_id=getattr(user, "pk", None))


def with_open_tasks(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Cases with their open tasks (and departments) in ``open_task_list``: where each one is now."""
    return qs.prefetch_related(
        Prefetch(
            "tasks",
            queryset=Task.objects.filter(status__in=OPEN_TASK_STATUSES)
            .select_related("candidate_department")
            .order_by("created_at", "id"),
            to_attr="open_task_list",
        )
    )


def get_case(user: Any, reference: str, *, mine: bool = False) -> Case:
    """A case by number, or a draft by identifier, if ``user`` may see it; 404 otherwise.

    ``mine``: only the user's own applications (the applicant's pages).
    """
    qs = my_cases(user) if mine else visible_cases(user)
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


def submitted_with_key(user: Any, key: str, *, applicant: Any = None) -> Case | None:
    """The visible case an earlier submission with idempotency ``key`` filed (a retried form)."""
    if not key:
        return None
    owner = applicant if applicant is not None else user
    return (
        visible_cases(user)
        .filter(applicant_id=getattr(owner, "pk", None), idempotency_key=key)
        .exclude(status=Case.Status.DRAFT)
        .first()
    )


def intake_items(user: Any) -> QuerySet[ServiceItem]:
    """Published items of the departments where ``user`` is a window clerk (窗口收件)."""
    departments = permissions.department_ids_with_role(user, Role.WINDOW_CLERK)
    return (
        ServiceItem.objects.filter(
            department_id__in=departments, current_version__status=ItemVersion.Status.PUBLISHED
        )
        .select_related("current_version", "department")
        .order_by("department__code", "current_version__name", "implementation_code")
    )


def transfer_candidates(user: Any, task: Task) -> QuerySet[User]:
    """Active colleagues holding the task's role in its department, to whom ``user`` may transfer it."""
    colleagues = User.objects.filter(
        is_active=True,
        memberships__department_id=task.candidate_department_id,
        memberships__role=task.candidate_role,
    )
    if getattr(user, "pk", None) is not None:
        colleagues = colleagues.exclude(pk=user.pk)
    return colleagues.distinct().order_by("username")


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
