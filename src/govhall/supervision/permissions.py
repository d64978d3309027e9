"""Who may see and act on supervision alerts and figures (registered with core.permissions).

- supervisors (监察人员) see the alerts of every department in the regions they supervise, and
  decide them (uphold or close) once explained;
- staff of the responsible department (window clerks, reviewers, approvers, department admins)
  see their own department's alerts and explain them (情况说明); they decide nothing;
- platform admins see every alert (they configure the rules; they decide none);
- citizens, enterprises and staff of other departments see nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.core import permissions
from govhall.identity.models import Department, Role
from govhall.supervision.models import Alert

DEPARTMENT_ROLES = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})


def department_ids(user: Any) -> frozenset[int]:
    """Departments whose alerts and figures ``user`` answers for."""
    return frozenset(g.department_id for g in permissions.grants(user) if g.role in DEPARTMENT_ROLES)


def supervised_paths(user: Any) -> tuple[str, ...]:
    return tuple(sorted({g.region_path for g in permissions.grants(user) if g.role == Role.SUPERVISOR}))


def is_supervisor(user: Any) -> bool:
    return bool(supervised_paths(user))


def may_use(user: Any) -> bool:
    """Whether the supervision pages have anything for ``user``."""
    return permissions.is_platform_admin(user) or is_supervisor(user) or bool(department_ids(user))


def department_scope(user: Any, field: str = "") -> Q:
    """``Q`` over a department relation (``field`` prefix, e.g. ``"lead_department__"``) that
    ``user`` may watch: supervised regions and own departments; everything for the platform admin."""
    if not permissions.is_authenticated(user):
        return Q(pk__in=[])
    if permissions.is_platform_admin(user):
        return Q()
    q = permissions.region_subtree_q(supervised_paths(user), f"{field}region__path")
    own = department_ids(user)
    if own:
        q |= Q(**{f"{field}id__in" if field else "id__in": own})
    return q


def visible_departments(user: Any) -> QuerySet[Department]:
    return Department.objects.filter(department_scope(user)).select_related("region")


def _alert_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user):
        return qs.none()
    if action == "view":
        return qs.filter(department_scope(user, "department__"))
    if action == "explain":
        return qs.filter(department_id__in=department_ids(user))
    if action == "decide":
        return qs.filter(permissions.region_subtree_q(supervised_paths(user), "region__path"))
    return qs.none()


def _alert_view(user: Any, alert: Alert) -> bool:
    if not permissions.is_authenticated(user):
        return False
    if permissions.is_platform_admin(user) or alert.department_id in department_ids(user):
        return True
    return alert.region.path.startswith(supervised_paths(user)) if supervised_paths(user) else False


def _alert_act(user: Any, obj: Any, action: str) -> bool:
    if not permissions.is_authenticated(user) or not isinstance(obj, Alert):
        return False
    if action == "explain":
        return obj.department_id in department_ids(user)
    if action == "decide":
        paths = supervised_paths(user)
        return bool(paths) and obj.region.path.startswith(paths)
    return False


def register() -> None:
    permissions.register(Alert, view=_alert_view, act=_alert_act, queryset=_alert_queryset)
