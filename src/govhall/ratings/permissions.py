"""Who may see and act on ratings (registered with core.permissions from the app config).

- A rating: its rater sees it; staff of the rated department (any working role) and the supervisors
  of its region see it; the public sees only the aggregated figures (selectors), never a row.
- A rectification: the rater sees it and confirms or disputes it; the department's reviewers,
  approvers and admin contact the rater, record the finding and rectify; only approvers and the
  department admin appeal to the supervisor; supervisors of the department's region see it and
  decide appeals. Window clerks record counter visits, nothing more.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.core import permissions
from govhall.identity.models import Role
from govhall.ratings.models import CounterVisit, Rating, Rectification

WORKING: frozenset[str] = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})
HANDLING: frozenset[str] = frozenset({Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})
HEADS: frozenset[str] = frozenset({Role.APPROVER, Role.DEPARTMENT_ADMIN})

RECTIFICATION_STAFF: dict[str, frozenset[str]] = {
    "contact": HANDLING,
    "rectify": HANDLING,
    "appeal": HEADS,
}
RECTIFICATION_RATER = frozenset({"confirm"})


def department_ids(user: Any, roles: frozenset[str] = WORKING) -> frozenset[int]:
    return frozenset(g.department_id for g in permissions.grants(user) if g.role in roles)


def supervised_paths(user: Any) -> tuple[str, ...]:
    return tuple(sorted({g.region_path for g in permissions.grants(user) if g.role == Role.SUPERVISOR}))


def is_supervisor(user: Any) -> bool:
    return bool(supervised_paths(user))


def _insider_q(user: Any, roles: frozenset[str] = WORKING) -> Q:
    q = Q(department_id__in=department_ids(user, roles))
    return q | permissions.region_subtree_q(supervised_paths(user), "department__region__path")


def supervises(user: Any, department: Any) -> bool:
    path = department.region.path
    return any(path.startswith(outer) for outer in supervised_paths(user))


def _rating_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user) or action != "view":
        return qs.none()
    if permissions.is_platform_admin(user):
        return qs
    return qs.filter(Q(rater_id=user.pk) | _insider_q(user))


def _rectification_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user):
        return qs.none()
    if action == "view":
        if permissions.is_platform_admin(user):
            return qs
        return qs.filter(Q(rating__rater_id=user.pk) | _insider_q(user))
    if action in RECTIFICATION_RATER:
        return qs.filter(rating__rater_id=user.pk)
    if action == "decide_appeal":
        return qs.filter(permissions.region_subtree_q(supervised_paths(user), "department__region__path"))
    roles = RECTIFICATION_STAFF.get(action)
    if roles is None:
        return qs.none()
    return qs.filter(department_id__in=department_ids(user, roles))


def _rectification_act(user: Any, obj: Any, action: str) -> bool:
    if not permissions.is_authenticated(user) or not isinstance(obj, Rectification):
        return False
    if action in RECTIFICATION_RATER:
        return obj.rating.rater_id == user.pk
    if action == "decide_appeal":
        return supervises(user, obj.department)
    roles = RECTIFICATION_STAFF.get(action)
    return roles is not None and bool(roles & permissions.roles_of(user, obj.department_id))


def _visit_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user) or action != "view":
        return qs.none()
    if permissions.is_platform_admin(user):
        return qs
    return qs.filter(Q(visitor_id=user.pk) | _insider_q(user))


def _visit_act(user: Any, obj: Any, action: str) -> bool:
    if action != "create" or not permissions.is_authenticated(user):
        return False
    department = obj if not isinstance(obj, type) else None
    if department is None:
        return bool(department_ids(user))
    return bool(WORKING & permissions.roles_of(user, department))


def register() -> None:
    permissions.register(Rating, queryset=_rating_queryset)
    permissions.register(Rectification, act=_rectification_act, queryset=_rectification_queryset)
    permissions.register(CounterVisit, act=_visit_act, queryset=_visit_queryset)
