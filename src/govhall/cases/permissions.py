"""Who may see and act on cases and tasks (registered with core.permissions from CasesConfig.ready).

Cases:
- the applicant sees their own cases, drafts included, and does the applicant's actions on them;
  a window case may also be handled for the applicant by a window clerk of the lead department;
- staff of the lead department and of every joint participant department see its submitted cases;
- supervisors see the cases whose lead department lies in the regions they supervise;
- platform admins see every submitted case; they act on none;
- nobody else sees anything: another citizen, another department.

Tasks: staff holding the candidate role in the candidate department see and work them; department
admins of that department and supervisors of its region see them; the platform admin sees all.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.cases.models import Case, Task
from govhall.core import permissions
from govhall.identity.models import Role

APPLICANT_ACTIONS = frozenset({"edit", "submit", "upload", "supplement", "withdraw", "reissue_code"})
# Staff actions on a case and the roles of the lead department that may do them.
STAFF_ACTIONS: dict[str, frozenset[str]] = {
    "accept": frozenset({Role.WINDOW_CLERK}),
    "reject": frozenset({Role.WINDOW_CLERK}),
    "complete": frozenset({Role.WINDOW_CLERK}),
    "request_supplement": frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER}),
    "suspend": frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER}),
    "resume": frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER}),
}
WORKING_ROLES = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})
TASK_ACTIONS = frozenset({"claim", "complete", "transfer"})


def _department_ids(user: Any) -> frozenset[int]:
    return frozenset(g.department_id for g in permissions.grants(user) if g.role in WORKING_ROLES)


def _supervised_paths(user: Any) -> tuple[str, ...]:
    return tuple(sorted({g.region_path for g in permissions.grants(user) if g.role == Role.SUPERVISOR}))


def _staff_case_q(user: Any) -> Q:
    q = Q(pk__in=[])
    departments = _department_ids(user)
    if departments:
        through = Case.participant_departments.through.objects.filter(department_id__in=departments)
        q |= Q(lead_department_id__in=departments) | Q(pk__in=through.values("case_id"))
    q |= permissions.region_subtree_q(_supervised_paths(user), "lead_department__region__path")
    return q & ~Q(status=Case.Status.DRAFT)


def _window_clerk_q(user: Any) -> Q:
    clerk_of = permissions.department_ids_with_role(user, Role.WINDOW_CLERK)
    return Q(channel=Case.Channel.WINDOW, lead_department_id__in=clerk_of)


def _case_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user):
        return qs.none()
    if action == "view":
        if permissions.is_platform_admin(user):
            return qs.filter(Q(applicant_id=user.pk) | ~Q(status=Case.Status.DRAFT))
        return qs.filter(Q(applicant_id=user.pk) | _window_clerk_q(user) | _staff_case_q(user))
    if action in APPLICANT_ACTIONS:
        return qs.filter(Q(applicant_id=user.pk) | _window_clerk_q(user))
    roles = STAFF_ACTIONS.get(action)
    if roles:
        departments = [g.department_id for g in permissions.grants(user) if g.role in roles]
        return qs.filter(lead_department_id__in=departments)
    return qs.none()


def _case_view(user: Any, case: Case) -> bool:
    if not permissions.is_authenticated(user):
        return False
    if case.applicant_id == user.pk:
        return True
    if _may_handle_for_applicant(user, case):
        return True
    if case.status == Case.Status.DRAFT:
        return False
    if permissions.is_platform_admin(user):
        return True
    departments = _department_ids(user)
    if case.lead_department_id in departments:
        return True
    if departments and case.participant_departments.filter(id__in=departments).exists():
        return True
    paths = _supervised_paths(user)
    return bool(paths) and case.lead_department.region.path.startswith(paths)


def _may_handle_for_applicant(user: Any, case: Case) -> bool:
    return case.channel == Case.Channel.WINDOW and permissions.has_role(
        user, Role.WINDOW_CLERK, case.lead_department_id
    )


def _case_act(user: Any, obj: Any, action: str) -> bool:
    if not permissions.is_authenticated(user) or not isinstance(obj, Case):
        return False
    if action in APPLICANT_ACTIONS:
        return obj.applicant_id == user.pk or _may_handle_for_applicant(user, obj)
    roles = STAFF_ACTIONS.get(action)
    if roles:
        return bool(roles & permissions.roles_of(user, obj.lead_department_id))
    return False


def _task_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user):
        return qs.none()
    grants = permissions.grants(user)
    q = Q(pk__in=[])
    for grant in grants:
        q |= Q(candidate_department_id=grant.department_id, candidate_role=grant.role)
    if action in TASK_ACTIONS:
        return qs.filter(q)
    if action != "view":
        return qs.none()
    if permissions.is_platform_admin(user):
        return qs
    admin_of = [g.department_id for g in grants if g.role == Role.DEPARTMENT_ADMIN]
    q |= Q(assignee_id=user.pk) | Q(candidate_department_id__in=admin_of)
    q |= permissions.region_subtree_q(_supervised_paths(user), "candidate_department__region__path")
    return qs.filter(q)


def may_work(user: Any, task: Task) -> bool:
    """Whether ``user`` holds the task's candidate role in its candidate department."""
    return permissions.has_role(user, task.candidate_role, task.candidate_department_id)


def _task_act(user: Any, obj: Any, action: str) -> bool:
    if not permissions.is_authenticated(user) or not isinstance(obj, Task) or action not in TASK_ACTIONS:
        return False
    return may_work(user, obj)


def register() -> None:
    permissions.register(Case, view=_case_view, act=_case_act, queryset=_case_queryset)
    permissions.register(Task, act=_task_act, queryset=_task_queryset)
