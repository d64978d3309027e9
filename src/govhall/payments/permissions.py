"""Who may see and act on fee orders and reconciliation (registered from PaymentsConfig.ready).

Fee orders:
- the payer (the case's applicant) sees their own orders and pays them online; nobody else pays;
- staff of the collecting department (window clerk, reviewer, approver, department admin) see its
  orders; window clerks record payments at the window and close unpaid orders;
- refunds are a finance decision: the platform has no separate finance role, so they are given to
  the department's approvers and department admins — the people who decide for it — and never to
  the window clerks who take the money (separation of duties);
- supervisors see the orders of departments in the regions they supervise; platform admins see all.

Reconciliation compares the platform's one merchant account with the gateway's statement, so it
belongs to the platform's finance office: platform admins run, read and resolve it; supervisors
read it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.core import permissions
from govhall.identity.models import Role
from govhall.payments.models import FeeOrder, ReconciliationRun

WORKING_ROLES: frozenset[str] = frozenset(
    {Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN}
)
STAFF_ACTIONS: dict[str, frozenset[str]] = {
    "record_payment": frozenset({Role.WINDOW_CLERK}),
    "close": frozenset({Role.WINDOW_CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN}),
    "issue": frozenset({Role.WINDOW_CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN}),
    "refund": frozenset({Role.APPROVER, Role.DEPARTMENT_ADMIN}),
}
PAYER_ACTIONS = frozenset({"pay"})


def _departments(user: Any, roles: frozenset[str]) -> list[int]:
    return [g.department_id for g in permissions.grants(user) if g.role in roles]


def _supervised_paths(user: Any) -> tuple[str, ...]:
    return tuple(sorted({g.region_path for g in permissions.grants(user) if g.role == Role.SUPERVISOR}))


def _order_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user):
        return qs.none()
    if action == "view":
        if permissions.is_platform_admin(user):
            return qs
        q = Q(payer_id=user.pk) | Q(department_id__in=_departments(user, WORKING_ROLES))
        q |= permissions.region_subtree_q(_supervised_paths(user), "department__region__path")
        return qs.filter(q)
    if action in PAYER_ACTIONS:
        return qs.filter(payer_id=user.pk)
    roles = STAFF_ACTIONS.get(action)
    if roles:
        return qs.filter(department_id__in=_departments(user, roles))
    return qs.none()


def _order_view(user: Any, order: FeeOrder) -> bool:
    if not permissions.is_authenticated(user):
        return False
    if order.payer_id == user.pk or permissions.is_platform_admin(user):
        return True
    if WORKING_ROLES & permissions.roles_of(user, order.department_id):
        return True
    paths = _supervised_paths(user)
    return bool(paths) and order.department.region.path.startswith(paths)


def _order_act(user: Any, obj: Any, action: str) -> bool:
    if not permissions.is_authenticated(user) or not isinstance(obj, FeeOrder):
        return False
    if action in PAYER_ACTIONS:
        return obj.payer_id == user.pk
    roles = STAFF_ACTIONS.get(action)
    return bool(roles and roles & permissions.roles_of(user, obj.department_id))


def _run_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if permissions.is_platform_admin(user):
        return qs
    if action == "view" and _supervised_paths(user):
        return qs
    return qs.none()


def _run_act(user: Any, obj: Any, action: str) -> bool:
    return action in {"reconcile", "resolve"} and permissions.is_platform_admin(user)


def may_reconcile(user: Any) -> bool:
    return permissions.can_act(user, ReconciliationRun, "reconcile")


def may_view_reconciliation(user: Any) -> bool:
    return permissions.is_platform_admin(user) or bool(_supervised_paths(user))


def register() -> None:
    permissions.register(FeeOrder, view=_order_view, act=_order_act, queryset=_order_queryset)
    permissions.register(ReconciliationRun, act=_run_act, queryset=_run_queryset)
