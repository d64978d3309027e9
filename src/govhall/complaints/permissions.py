"""Who may see and act on consultations and complaints (registered with core.permissions).

Consultations: the asker; every working role of the department asked (window clerks answer too);
reviewers, approvers and the department admin publish an answer to the item's FAQ; supervisors of
the department's region read them.

Complaints are about the department's own people, so window clerks do not see them: the
department's reviewers, approvers and admin accept, investigate and answer; the complainant
confirms or objects (which escalates to supervision) and may escalate one left past its deadline;
supervisors of the department's region see every complaint there and resolve escalated ones.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.complaints.models import Complaint, Consultation
from govhall.core import permissions
from govhall.ratings.permissions import HANDLING, WORKING, department_ids, supervised_paths, supervises

CONSULTATION_STAFF: dict[str, frozenset[str]] = {"answer": WORKING, "publish": HANDLING}
COMPLAINT_STAFF: dict[str, frozenset[str]] = {"accept": HANDLING, "reject": HANDLING, "answer": HANDLING}
COMPLAINANT_ACTIONS = frozenset({"confirm", "object", "escalate"})


def _region_q(user: Any) -> Q:
    return permissions.region_subtree_q(supervised_paths(user), "department__region__path")


def _consultation_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user):
        return qs.none()
    if action == "view":
        if permissions.is_platform_admin(user):
            return qs
        return qs.filter(Q(asker_id=user.pk) | Q(department_id__in=department_ids(user)) | _region_q(user))
    roles = CONSULTATION_STAFF.get(action)
    return qs.none() if roles is None else qs.filter(department_id__in=department_ids(user, roles))


def _consultation_act(user: Any, obj: Any, action: str) -> bool:
    if not permissions.is_authenticated(user) or not isinstance(obj, Consultation):
        return False
    roles = CONSULTATION_STAFF.get(action)
    return roles is not None and bool(roles & permissions.roles_of(user, obj.department_id))


def _complaint_queryset(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not permissions.is_authenticated(user):
        return qs.none()
    if action == "view":
        if permissions.is_platform_admin(user):
            return qs
        q = Q(complainant_id=user.pk) | Q(department_id__in=department_ids(user, HANDLING)) | _region_q(user)
        return qs.filter(q)
    if action in COMPLAINANT_ACTIONS:
        return qs.filter(complainant_id=user.pk)
    if action == "resolve":
        return qs.filter(_region_q(user))
    roles = COMPLAINT_STAFF.get(action)
    return qs.none() if roles is None else qs.filter(department_id__in=department_ids(user, roles))


def _complaint_act(user: Any, obj: Any, action: str) -> bool:
    if not permissions.is_authenticated(user) or not isinstance(obj, Complaint):
        return False
    if action in COMPLAINANT_ACTIONS:
        return obj.complainant_id == user.pk
    if action == "resolve":
        return supervises(user, obj.department)
    roles = COMPLAINT_STAFF.get(action)
    return roles is not None and bool(roles & permissions.roles_of(user, obj.department_id))


def register() -> None:
    permissions.register(Consultation, act=_consultation_act, queryset=_consultation_queryset)
    permissions.register(Complaint, act=_complaint_act, queryset=_complaint_queryset)
