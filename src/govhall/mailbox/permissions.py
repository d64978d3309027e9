"""Who may see and act on letters (registered with core.permissions from the app config).

- everyone sees a published letter (the pages show only its public, redacted text);
- the writer sees their own letters;
- the office running a mailbox (any working role of its department) sees every letter of it and
  assigns and publishes them;
- a department sees only the letters assigned to it: any working role drafts replies; its heads
  (approver, department admin) review them, as do the office's heads;
- supervisors see the letters of the departments in their regions; platform admins see all.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.core import permissions
from govhall.identity.models import Role
from govhall.mailbox.models import Letter

WORKING: frozenset[str] = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})
HEADS: frozenset[str] = frozenset({Role.APPROVER, Role.DEPARTMENT_ADMIN})
PUBLISHED = Q(published_at__isnull=False)


def department_ids(user: Any, roles: frozenset[str] = WORKING) -> frozenset[int]:
    return frozenset(g.department_id for g in permissions.grants(user) if g.role in roles)


def _supervised_paths(user: Any) -> tuple[str, ...]:
    return tuple(sorted({g.region_path for g in permissions.grants(user) if g.role == Role.SUPERVISOR}))


def _office_q(roles: frozenset[int]) -> Q:
    return Q(mailbox__department_id__in=roles)


def _insider_q(user: Any) -> Q:
    mine = department_ids(user)
    q = Q(mailbox__department_id__in=mine) | Q(handling_department_id__in=mine)
    paths = _supervised_paths(user)
    q |= permissions.region_subtree_q(paths, "handling_department__region__path")
    q |= permissions.region_subtree_q(paths, "mailbox__department__region__path")
    return q


def _action_q(user: Any, action: str) -> Q:
    if action in {"assign", "publish"}:
        return Q(mailbox__department_id__in=department_ids(user))
    if action == "draft":
        return Q(handling_department_id__in=department_ids(user))
    if action == "review":
        heads = department_ids(user, HEADS)
        return Q(handling_department_id__in=heads) | Q(mailbox__department_id__in=heads)
    return Q(pk__in=[])


def _queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action == "view":
        if not permissions.is_authenticated(user):
            return qs.filter(PUBLISHED)
        if permissions.is_platform_admin(user):
            return qs
        return qs.filter(PUBLISHED | Q(writer_id=user.pk) | _insider_q(user))
    if action == "view_private":  # the full letter with the writer's details
        if not permissions.is_authenticated(user):
            return qs.none()
        if permissions.is_platform_admin(user):
            return qs
        return qs.filter(Q(writer_id=user.pk) | _insider_q(user))
    if not permissions.is_authenticated(user):
        return qs.none()
    return qs.filter(_action_q(user, action))


def _act(user: Any, obj: Any, action: str) -> bool:
    if not permissions.is_authenticated(user):
        return False
    if isinstance(obj, type):
        return action == "create" and getattr(user, "kind", "") != "staff"
    if not isinstance(obj, Letter):
        return False
    mine = permissions.roles_of(user, obj.mailbox.department_id)
    if action in {"assign", "publish"}:
        return bool(WORKING & mine)
    if action == "draft":
        return obj.handling_department_id is not None and bool(
            WORKING & permissions.roles_of(user, obj.handling_department_id)
        )
    if action == "review":
        handling: frozenset[str] = (
            permissions.roles_of(user, obj.handling_department_id)
            if obj.handling_department_id
            else frozenset()
        )
        return bool(HEADS & (mine | handling))
    return False


def register() -> None:
    permissions.register(Letter, act=_act, queryset=_queryset)
