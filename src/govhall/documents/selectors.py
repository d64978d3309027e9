"""Reads of official documents, filtered by :mod:`govhall.documents.permissions`.

Opening a document (its page, its file) is audited: :func:`open_document` writes a
``documents.opened`` event for every open, and marks a receiving unit's first look at its copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.errors import NotFound
from govhall.documents.models import Countersign, Distribution, Document, UnitGroup
from govhall.documents.permissions import LEADERS, WORKING, copy_q, department_ids


def not_found() -> NotFound:
    return NotFound("document_not_found", "公文不存在或您无权查看", "no such document", status=404)


def visible_documents(user: Any) -> QuerySet[Document]:
    return permissions.restrict(Document.objects.all(), user, "view").select_related("department")


def issued_by_my_units(user: Any) -> QuerySet[Document]:
    return Document.objects.filter(department_id__in=department_ids(user, WORKING)).select_related(
        "department"
    )


def awaiting_my_signoff(user: Any) -> QuerySet[Document]:
    return Document.objects.filter(
        department_id__in=department_ids(user, LEADERS), status=Document.Status.AWAITING_SIGNOFF
    ).select_related("department")


def my_countersigns(user: Any) -> QuerySet[Countersign]:
    return (
        permissions.restrict(Countersign.objects.all(), user, "decide")
        .filter(status=Countersign.Status.PENDING, document__status=Document.Status.COUNTERSIGNING)
        .select_related("document__department", "department")
    )


def inbox(user: Any) -> QuerySet[Distribution]:
    """Copies sent to the user's units that the user may read, newest first."""
    return (
        Distribution.objects.filter(copy_q(user))
        .select_related("document__department", "unit")
        .order_by("-delivered_at", "-id")
    )


def copy_for(user: Any, document: Document) -> Distribution | None:
    """The user's unit's copy of ``document`` (the first of them when the user has several units)."""
    return inbox(user).filter(document=document).first()


@transaction.atomic
def open_document(user: Any, pk: int, *, what: str = "page") -> Document:
    """The document if ``user`` may see it; every open is an audit event."""
    document = visible_documents(user).filter(pk=pk).first()
    if document is None:
        raise not_found()
    copy = copy_for(user, document)
    if copy is not None and copy.first_opened_at is None:
        Distribution.objects.filter(pk=copy.pk, first_opened_at__isnull=True).update(
            first_opened_at=timezone.now()
        )
    record_event(
        actor=user,
        action="documents.opened",
        obj=document,
        after={
            "what": what,
            "unit": copy.unit_id if copy else document.department_id,
            "secrecy": document.secrecy,
        },
    )
    return document


@dataclass(frozen=True)
class Tracking:
    total: int
    delivered: int
    signed: int
    returned: int
    opened: int
    overdue: int

    @property
    def done(self) -> int:
        return self.signed + self.returned


def tracking(document: Document) -> Tracking:
    now = timezone.now()
    figures = Distribution.objects.filter(document=document).aggregate(
        total=Count("pk"),
        delivered=Count("pk", filter=Q(status=Distribution.Status.DELIVERED)),
        signed=Count("pk", filter=Q(status=Distribution.Status.SIGNED)),
        returned=Count("pk", filter=Q(status=Distribution.Status.RETURNED)),
        opened=Count("pk", filter=Q(first_opened_at__isnull=False)),
        overdue=Count("pk", filter=Q(status=Distribution.Status.DELIVERED, sign_due_at__lt=now)),
    )
    return Tracking(**{k: int(v or 0) for k, v in figures.items()})


def tracking_rows(document: Document, *, status: str = "") -> QuerySet[Distribution]:
    qs = Distribution.objects.filter(document=document).select_related("unit", "signed_by", "returned_by")
    if status:
        qs = qs.filter(status=status)
    # Returned first (they need the sender), then waiting, then signed.
    return qs.order_by("-status", "unit__region__code", "unit__code")


def groups() -> QuerySet[UnitGroup]:
    return UnitGroup.objects.annotate(size=Count("units")).order_by("order", "code")
