"""Who may see and act on official documents (registered with core.permissions from the app config).

Issuing side (the drafting department):
- any working role (window clerk, reviewer, approver, department admin) drafts, edits drafts,
  asks for countersigns, submits for sign-off, sends a signed document and follows its tracking;
- only the department's leaders — approvers and the department admin — sign off (签发) or return a
  draft for revision.

Countersigning departments: their reviewers, approvers and department admin see the draft while
it is before them and agree or disagree.

Receiving units (a unit is a department): the unit's staff see a document only once it has been
sent to their unit. A secret document (秘密/机密) is seen in a receiving unit only by its clerks
and leaders (window clerk, approver, department admin), never by other staff; a unit never
receives a secret document above its clearance (the send refuses it). The leaders give the
instruction (批办); the other handling steps and filing are for anyone who may see the copy.

Nobody else sees documents: not supervisors (they see the sign-for figures through supervision's
alerts), not platform admins, not the public.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.core import permissions
from govhall.identity.models import Role

WORKING = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})
REVIEWING = frozenset({Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN})
LEADERS = frozenset({Role.APPROVER, Role.DEPARTMENT_ADMIN})
SECRET_READERS = frozenset({Role.WINDOW_CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN})

DOCUMENT_ACTIONS: dict[str, frozenset[str]] = {
    "create": WORKING,
    "edit": WORKING,
    "request_countersign": WORKING,
    "submit": WORKING,
    "sign_off": LEADERS,
    "return": LEADERS,
    "send": WORKING,
    "track": WORKING,
}
COPY_ACTIONS: dict[str, frozenset[str]] = {
    "sign_for": WORKING,
    "return": WORKING,
    "propose": WORKING,
    "instruct": LEADERS,
    "handle": WORKING,
    "circulate": WORKING,
    "finish": WORKING,
    "archive": WORKING,
}


def department_ids(user: Any, roles: frozenset[str] = WORKING) -> frozenset[int]:
    return frozenset(g.department_id for g in permissions.grants(user) if g.role in roles)


def may_act_in(user: Any, department_id: int | None, roles: frozenset[str]) -> bool:
    if not permissions.is_authenticated(user) or department_id is None:
        return False
    return bool(roles & permissions.roles_of(user, department_id))


def reader_roles(secrecy: int) -> frozenset[str]:
    """Roles of a receiving unit that may read a copy of this secrecy."""
    return SECRET_READERS if secrecy > 0 else WORKING


def may_read_copy(user: Any, unit_id: int, secrecy: int) -> bool:
    return may_act_in(user, unit_id, reader_roles(secrecy))


def copy_q(user: Any, prefix: str = "") -> Q:
    """Distribution rows (``prefix`` = path to the distribution) the user reads as a unit member."""
    open_units = department_ids(user, WORKING)
    secret_units = department_ids(user, SECRET_READERS)
    return Q(**{f"{prefix}unit_id__in": open_units, f"{prefix}document__secrecy": 0}) | Q(
        **{f"{prefix}unit_id__in": secret_units, f"{prefix}document__secrecy__gt": 0}
    )


def _document_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user):
        return qs.none()
    if action == "view":
        from govhall.documents.models import Countersign, Distribution

        countersigning = Countersign.objects.filter(department_id__in=department_ids(user, REVIEWING)).values(
            "document_id"
        )
        received = Distribution.objects.filter(copy_q(user)).values("document_id")
        return qs.filter(
            Q(department_id__in=department_ids(user)) | Q(pk__in=countersigning) | Q(pk__in=received)
        )
    roles = DOCUMENT_ACTIONS.get(action)
    if roles is None:
        return qs.none()
    return qs.filter(department_id__in=department_ids(user, roles))


def _document_act(user: Any, obj: Any, action: str) -> bool:
    roles = DOCUMENT_ACTIONS.get(action)
    if roles is None or not permissions.is_authenticated(user):
        return False
    if isinstance(obj, type):
        return bool(department_ids(user, roles))
    return may_act_in(user, obj.department_id, roles)


def _copy_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user):
        return qs.none()
    if action == "view":
        # The unit's readers, and the sender's staff (they track every copy).
        return qs.filter(copy_q(user) | Q(document__department_id__in=department_ids(user)))
    roles = COPY_ACTIONS.get(action)
    if roles is None:
        return qs.none()
    return qs.filter(copy_q(user)).filter(unit_id__in=department_ids(user, roles))


def _copy_act(user: Any, obj: Any, action: str) -> bool:
    roles = COPY_ACTIONS.get(action)
    if roles is None or isinstance(obj, type):
        return False
    if not may_read_copy(user, obj.unit_id, obj.document.secrecy):
        return False
    return may_act_in(user, obj.unit_id, roles)


def _countersign_act(user: Any, obj: Any, action: str) -> bool:
    return action == "decide" and not isinstance(obj, type) and may_act_in(user, obj.department_id, REVIEWING)


def _countersign_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action not in ("view", "decide"):
        return qs.none()
    return qs.filter(department_id__in=department_ids(user, REVIEWING))


def register() -> None:
    from govhall.documents.models import Countersign, Distribution, Document

    permissions.register(Document, queryset=_document_queryset, act=_document_act)
    permissions.register(Distribution, queryset=_copy_queryset, act=_copy_act)
    permissions.register(Countersign, queryset=_countersign_queryset, act=_countersign_act)
