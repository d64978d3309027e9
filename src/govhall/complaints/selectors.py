"""Reads of consultations and complaints, filtered by core.permissions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from govhall.complaints.models import Complaint, Consultation, InteractionEvent
from govhall.core import permissions
from govhall.ratings.permissions import HANDLING, department_ids, supervised_paths


def my_consultations(user: Any) -> QuerySet[Consultation]:
    return (
        permissions.restrict(Consultation.objects.all(), user)
        .filter(asker_id=getattr(user, "pk", None))
        .select_related("department", "item__current_version")
    )


def my_complaints(user: Any) -> QuerySet[Complaint]:
    return (
        permissions.restrict(Complaint.objects.all(), user)
        .filter(complainant_id=getattr(user, "pk", None))
        .select_related("department")
    )


def consultation_queue(user: Any, *, status: str = "") -> QuerySet[Consultation]:
    qs = permissions.restrict(Consultation.objects.all(), user).filter(department_id__in=department_ids(user))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("department", "item__current_version", "asker").order_by(
        "status", "due_at", "id"
    )


def complaint_queue(user: Any, *, status: str = "") -> QuerySet[Complaint]:
    qs = permissions.restrict(Complaint.objects.all(), user).filter(
        department_id__in=department_ids(user, HANDLING)
    )
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("department", "complainant").order_by("due_at", "id")


def escalated(user: Any, *, pending_only: bool = True) -> QuerySet[Complaint]:
    qs = Complaint.objects.filter(
        permissions.region_subtree_q(supervised_paths(user), "department__region__path"),
        escalated_at__isnull=False,
    )
    if pending_only:
        qs = qs.filter(status=Complaint.Status.ESCALATED)
    return qs.select_related("department", "complainant").order_by("due_at", "id")


def consultation(user: Any, number: str) -> Consultation | None:
    return (
        permissions.restrict(Consultation.objects.all(), user)
        .select_related("department", "item__current_version", "asker", "faq")
        .filter(number=number)
        .first()
    )


def complaint(user: Any, number: str) -> Complaint | None:
    return (
        permissions.restrict(Complaint.objects.all(), user)
        .select_related("department__region", "case", "complainant")
        .filter(number=number)
        .first()
    )


def timeline(obj: Consultation | Complaint) -> QuerySet[InteractionEvent]:
    field = "complaint" if isinstance(obj, Complaint) else "consultation"
    return InteractionEvent.objects.filter(**{field: obj}).select_related("actor").order_by("at", "id")
