"""Who may see and act on licences (registered with core.permissions from LicencesConfig.ready).

- the holder sees their licences: those issued to their account and those issued to their ID
  number or credit code before they had one;
- staff of the issuing department see its licences; supervisors those of departments in their
  regions; platform admins all;
- issuing, renewing and changing are for the issuing department's window clerks, approvers and
  department admins; suspending, returning, cancelling, withdrawing and revoking for its approvers
  and department admins. Nobody else, and no other department, acts on a licence.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.core import permissions
from govhall.core.crypto import lookup_hash
from govhall.identity.models import Department, Role, User
from govhall.licences.models import Licence

ISSUING_ROLES = frozenset({Role.WINDOW_CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN})
SANCTION_ROLES = frozenset({Role.APPROVER, Role.DEPARTMENT_ADMIN})
ACTION_ROLES: dict[str, frozenset[str]] = {
    "issue": ISSUING_ROLES,
    "renew": ISSUING_ROLES,
    "change": ISSUING_ROLES,
    "suspend": SANCTION_ROLES,
    "restore": SANCTION_ROLES,
    "cancel": SANCTION_ROLES,
    "withdraw": SANCTION_ROLES,
    "revoke": SANCTION_ROLES,
}
STAFF_VIEW_ROLES = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})


def holder_hash(user: Any) -> str:
    """The keyed hash a licence of ``user`` carries (ID number, or credit code for an enterprise)."""
    if getattr(user, "kind", "") == User.Kind.ENTERPRISE:
        return lookup_hash(user.uscc) if user.uscc else ""
    if getattr(user, "kind", "") == User.Kind.CITIZEN:
        return str(user.id_number_hash or "")
    return ""


def holder_q(user: Any) -> Q:
    q = Q(holder_id=user.pk)
    hashed = holder_hash(user)
    if hashed:
        q |= Q(holder_id_hash=hashed)
    return q


def is_holder(user: Any, licence: Licence) -> bool:
    if not permissions.is_authenticated(user):
        return False
    if licence.holder_id == user.pk:
        return True
    hashed = holder_hash(user)
    return bool(hashed) and hashed == licence.holder_id_hash


def may_act_for(user: Any, department: Department | int, action: str) -> bool:
    """Whether ``user`` may do ``action`` on licences issued by ``department``."""
    roles = ACTION_ROLES.get(action, frozenset())
    return bool(roles & permissions.roles_of(user, department))


def _staff_q(user: Any) -> Q:
    departments = [g.department_id for g in permissions.grants(user) if g.role in STAFF_VIEW_ROLES]
    supervised = sorted({g.region_path for g in permissions.grants(user) if g.role == Role.SUPERVISOR})
    return Q(issuer_id__in=departments) | permissions.region_subtree_q(supervised, "issuer__region__path")


def _queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user):
        return qs.none()
    if action == "view":
        if permissions.is_platform_admin(user):
            return qs
        return qs.filter(holder_q(user) | _staff_q(user))
    if action == "share":
        return qs.filter(holder_q(user))
    roles = ACTION_ROLES.get(action)
    if roles:
        return qs.filter(issuer_id__in=[g.department_id for g in permissions.grants(user) if g.role in roles])
    return qs.none()


def _view(user: Any, licence: Licence) -> bool:
    if is_holder(user, licence) or permissions.is_platform_admin(user):
        return True
    return _queryset(Licence.objects.filter(pk=licence.pk), user, "view").exists()


def _act(user: Any, obj: Any, action: str) -> bool:
    if not permissions.is_authenticated(user) or not isinstance(obj, Licence):
        return False
    if action == "share":
        return is_holder(user, obj)
    return may_act_for(user, obj.issuer_id, action)


def register() -> None:
    permissions.register(Licence, view=_view, act=_act, queryset=_queryset)
