"""Who may see and act on disclosure records (registered with core.permissions from the app config).

Publications, list entries and penalty decisions:
- everyone sees what is published; withdrawn publications stay visible as a marked record (their
  body is kept from the public by the pages); withdrawn penalties and list entries leave public view;
- staff of the department (any working role) see its drafts and draft; reviewers, approvers and the
  department admin do the confidentiality review (never of their own draft — the service checks);
  approvers and the department admin publish and withdraw;
- supervisors see everything of the departments in the regions they supervise; platform admins see all.

Information requests:
- the applicant sees their own and corrects or withdraws them;
- staff of the agency asked see them; any working role confirms receipt, reviewers, approvers and the
  department admin ask for corrections, consult third parties and answer; only approvers and the
  department admin (the office head, 负责人) extend the period;
- supervisors see the requests of their regions; nobody else sees anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from govhall.core import permissions
from govhall.disclosure.models import (
    InformationRequest,
    NegativeListEntry,
    PenaltyDecision,
    Publication,
    Responsibility,
    SpecialFund,
)
from govhall.identity.models import Role

WORKING = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})
REVIEWING = frozenset({Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})
HEADS = frozenset({Role.APPROVER, Role.DEPARTMENT_ADMIN})

PUBLICATION_ACTIONS: dict[str, frozenset[str]] = {
    "create": WORKING,
    "edit": WORKING,
    "submit": WORKING,
    "review": REVIEWING,
    "publish": HEADS,
    "withdraw": HEADS,
}
ENTRY_ACTIONS: dict[str, frozenset[str]] = {
    "create": WORKING,
    "edit": WORKING,
    "publish": HEADS,
    "withdraw": HEADS,
}
REQUEST_STAFF_ACTIONS: dict[str, frozenset[str]] = {
    "confirm": WORKING,
    "request_correction": REVIEWING,
    "consult": REVIEWING,
    "answer": REVIEWING,
    "extend": HEADS,
}
REQUEST_APPLICANT_ACTIONS = frozenset({"correct", "withdraw"})


def department_ids(user: Any, roles: frozenset[str] = WORKING) -> frozenset[int]:
    return frozenset(g.department_id for g in permissions.grants(user) if g.role in roles)


def _supervised_paths(user: Any) -> tuple[str, ...]:
    return tuple(sorted({g.region_path for g in permissions.grants(user) if g.role == Role.SUPERVISOR}))


def _insider_q(user: Any, field: str = "department") -> Q:
    """Rows of the user's departments or of regions they supervise."""
    q = Q(**{f"{field}_id__in": department_ids(user)})
    return q | permissions.region_subtree_q(_supervised_paths(user), f"{field}__region__path")


def may_act_in(user: Any, department_id: int | None, roles: frozenset[str]) -> bool:
    if not permissions.is_authenticated(user) or department_id is None:
        return False
    return bool(roles & permissions.roles_of(user, department_id))


def is_staff_of(user: Any, department_id: int) -> bool:
    return may_act_in(user, department_id, WORKING)


def may_see_figures(user: Any, department: Any) -> bool:
    """Annual-report figures: the department's own staff, its supervisors, platform admins."""
    if permissions.is_platform_admin(user) or department.pk in department_ids(user):
        return True
    return any(department.region.path.startswith(path) for path in _supervised_paths(user))


def staff_departments(user: Any) -> frozenset[int]:
    return department_ids(user)


def _public_rule(
    public: Q, actions: dict[str, frozenset[str]], *, admin_acts: bool = False
) -> tuple[Callable[..., QuerySet[Any]], Callable[..., bool]]:
    field = "department"

    def queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        if action == "view":
            if not permissions.is_authenticated(user):
                return qs.filter(public)
            if permissions.is_platform_admin(user):
                return qs
            return qs.filter(public | _insider_q(user, field))
        roles = actions.get(action)
        if roles is None or not permissions.is_authenticated(user):
            return qs.none()
        if admin_acts and permissions.is_platform_admin(user):
            return qs
        return qs.filter(**{f"{field}_id__in": department_ids(user, roles)})

    def act(user: Any, obj: Any, action: str) -> bool:
        roles = actions.get(action)
        if roles is None:
            return False
        if admin_acts and permissions.is_platform_admin(user):
            return True
        if isinstance(obj, type):  # "create": may the user create anywhere?
            return bool(department_ids(user, roles))
        return may_act_in(user, getattr(obj, f"{field}_id", None), roles)

    return queryset, act


def _request_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user):
        return qs.none()
    if action == "view":
        if permissions.is_platform_admin(user):
            return qs
        return qs.filter(Q(applicant_id=user.pk) | _insider_q(user))
    if action in REQUEST_APPLICANT_ACTIONS:
        return qs.filter(applicant_id=user.pk)
    roles = REQUEST_STAFF_ACTIONS.get(action)
    if roles is None:
        return qs.none()
    return qs.filter(department_id__in=department_ids(user, roles))


def _request_act(user: Any, obj: Any, action: str) -> bool:
    if not permissions.is_authenticated(user):
        return False
    if isinstance(obj, type):
        return action == "create" and getattr(user, "kind", "") != "staff"
    if not isinstance(obj, InformationRequest):
        return False
    if action in REQUEST_APPLICANT_ACTIONS:
        return obj.applicant_id == user.pk
    roles = REQUEST_STAFF_ACTIONS.get(action)
    return roles is not None and may_act_in(user, obj.department_id, roles)


PUBLIC_PUBLICATION = Q(status__in=[Publication.Status.PUBLISHED, Publication.Status.WITHDRAWN])
PUBLISHED_ENTRY = Q(status="published")


def register() -> None:
    queryset, act = _public_rule(PUBLIC_PUBLICATION, PUBLICATION_ACTIONS)
    permissions.register(Publication, act=act, queryset=queryset)
    for model in (Responsibility, PenaltyDecision):
        queryset, act = _public_rule(PUBLISHED_ENTRY, ENTRY_ACTIONS)
        permissions.register(model, act=act, queryset=queryset)
    # The negative list and the fund list are the government's as a whole: the platform admin keeps
    # them too (national negative-list entries name no local authority).
    queryset, act = _public_rule(PUBLISHED_ENTRY, ENTRY_ACTIONS, admin_acts=True)
    permissions.register(NegativeListEntry, act=act, queryset=queryset)
    permissions.register(SpecialFund, act=act, queryset=queryset)
    permissions.register(InformationRequest, act=_request_act, queryset=_request_queryset)
