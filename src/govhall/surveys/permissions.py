"""Who may see and act on surveys and votes (registered with core.permissions from the app config).

- everyone sees published surveys and votes (and answers or votes while they are open);
- a department's staff (any working role) build its drafts and see its results at any time;
  its heads (approver, department admin) publish, close early and withdraw;
- supervisors see those of the departments in their regions; platform admins see all;
- the public sees a survey's results after its close when the survey says so, and a vote's tally
  only after its close.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.core import permissions
from govhall.identity.models import Role
from govhall.surveys.models import Status, Survey, Vote

WORKING: frozenset[str] = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})
HEADS: frozenset[str] = frozenset({Role.APPROVER, Role.DEPARTMENT_ADMIN})
ACTIONS: dict[str, frozenset[str]] = {
    "create": WORKING,
    "edit": WORKING,
    "results": WORKING,
    "publish": HEADS,
    "close": HEADS,
    "withdraw": HEADS,
}
PUBLIC = Q(status=Status.PUBLISHED)


def department_ids(user: Any, roles: frozenset[str] = WORKING) -> frozenset[int]:
    return frozenset(g.department_id for g in permissions.grants(user) if g.role in roles)


def _supervised_paths(user: Any) -> tuple[str, ...]:
    return tuple(sorted({g.region_path for g in permissions.grants(user) if g.role == Role.SUPERVISOR}))


def _insider_q(user: Any) -> Q:
    q = Q(department_id__in=department_ids(user))
    return q | permissions.region_subtree_q(_supervised_paths(user), "department__region__path")


def is_insider(user: Any, obj: Survey | Vote) -> bool:
    """The owning department's staff, its supervisors and platform admins."""
    if not permissions.is_authenticated(user):
        return False
    if permissions.is_platform_admin(user) or obj.department_id in department_ids(user):
        return True
    return any(obj.department.region.path.startswith(p) for p in _supervised_paths(user))


def _queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action == "view":
        if not permissions.is_authenticated(user):
            return qs.filter(PUBLIC)
        if permissions.is_platform_admin(user):
            return qs
        return qs.filter(PUBLIC | _insider_q(user))
    roles = ACTIONS.get(action)
    if roles is None or not permissions.is_authenticated(user):
        return qs.none()
    return qs.filter(department_id__in=department_ids(user, roles))


def _act(user: Any, obj: Any, action: str) -> bool:
    roles = ACTIONS.get(action)
    if roles is None or not permissions.is_authenticated(user):
        return False
    if isinstance(obj, type):
        return bool(department_ids(user, roles))
    department_id = getattr(obj, "department_id", None)
    return department_id is not None and bool(roles & permissions.roles_of(user, department_id))


def register() -> None:
    permissions.register(Survey, act=_act, queryset=_queryset)
    permissions.register(Vote, act=_act, queryset=_queryset)
