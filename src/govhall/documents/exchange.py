"""Writes of document exchange: sending to units, sign-for (签收), return (退回), reminders.

A send is set-based whatever the number of units: the receiving units are resolved with a few
queries, the distribution rows are one ``bulk_create``, the units' messages one ``notify`` (itself
one bulk insert), and the send is one audit event naming the units — so a thousand units take the
same handful of statements as ten.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.errors import Conflict, DomainError
from govhall.documents import notices
from govhall.documents.models import Distribution, Document, ExchangeUnit, Secrecy, UnitGroup
from govhall.documents.services import forbidden, require, wrong_state
from govhall.identity.models import Department

DEFAULT_SIGN_FOR_HOURS = {"": 24, "urgent": 8, "extra_urgent": 2}
BATCH = 500


def sign_for_hours(urgency: str) -> int:
    configured = getattr(settings, "GOVHALL_DOCUMENTS_SIGN_FOR_HOURS", None) or {}
    return int(configured.get(urgency, DEFAULT_SIGN_FOR_HOURS.get(urgency, 24)))


def reminder_interval() -> timedelta:
    return timedelta(hours=int(getattr(settings, "GOVHALL_DOCUMENTS_REMINDER_HOURS", 4)))


@dataclass(frozen=True)
class SendResult:
    sent: int
    unit_ids: list[int]
    skipped_already: int = 0
    skipped_not_receiving: int = 0
    groups: list[str] = field(default_factory=list)


def _ids(values: Iterable[Any]) -> set[int]:
    return {v if isinstance(v, int) else v.pk for v in values}


def resolve_units(*, units: Iterable[Any] = (), groups: Iterable[Any] = ()) -> set[int]:
    """Active departments named directly or through groups (ids)."""
    wanted = _ids(units)
    group_ids = _ids(groups)
    if group_ids:
        members = UnitGroup.units.through.objects.filter(unitgroup_id__in=group_ids)
        wanted |= set(members.values_list("department_id", flat=True))
    if not wanted:
        return set()
    return set(Department.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))


def _check_clearance(document: Document, unit_ids: set[int]) -> None:
    if document.secrecy == Secrecy.NONE or not unit_ids:
        return
    cleared = set(
        ExchangeUnit.objects.filter(department_id__in=unit_ids, clearance__gte=document.secrecy).values_list(
            "department_id", flat=True
        )
    )
    refused = sorted(unit_ids - cleared)
    if refused:
        names = list(Department.objects.filter(pk__in=refused[:5]).values_list("name", flat=True))
        more = f"等{len(refused)}个单位" if len(refused) > 5 else ""
        raise DomainError(
            "unit_not_cleared",
            f"{document.get_secrecy_display()}公文不能发往无相应涉密资质的单位：{'、'.join(names)}{more}",
            f"{len(refused)} unit(s) lack the clearance for this secrecy level",
            status=422,
            details={"units": refused},
        )


@transaction.atomic
def send(
    *,
    actor: Any,
    document: Document,
    units: Iterable[Any] = (),
    groups: Iterable[Any] = (),
    copy_units: Iterable[Any] = (),
    at: datetime | None = None,
) -> SendResult:
    """Send a signed document to units (主送) and copy-to units (抄送), directly or by group.

    Units that already have the document are skipped (so a retried send adds nothing), as are
    units that do not receive documents. A secret document is refused as a whole if any unit
    lacks the clearance.
    """
    document = Document.objects.select_for_update().select_related("department").get(pk=document.pk)
    require(actor, document, "send")
    if document.status not in (Document.Status.SIGNED, Document.Status.SENT):
        raise wrong_state(document)
    group_list = list(UnitGroup.objects.filter(pk__in=_ids(groups)).values_list("code", flat=True))
    main_ids = resolve_units(units=units, groups=groups)
    copy_ids = resolve_units(units=copy_units) - main_ids
    wanted = (main_ids | copy_ids) - {document.department_id}
    if not wanted:
        raise DomainError("no_units", "请选择收文单位", "choose receiving units", status=422)
    already = set(
        Distribution.objects.filter(document=document, unit_id__in=wanted).values_list("unit_id", flat=True)
    )
    closed = set(
        ExchangeUnit.objects.filter(department_id__in=wanted, receives=False).values_list(
            "department_id", flat=True
        )
    )
    new_ids = sorted(wanted - already - closed)
    _check_clearance(document, set(new_ids))
    now = at or timezone.now()
    due = now + timedelta(hours=sign_for_hours(document.urgency))
    copy_start = 0
    if document.secrecy > Secrecy.NONE:
        copy_start = Distribution.objects.filter(document=document).count()
    rows = [
        Distribution(
            document=document,
            unit_id=unit_id,
            role=Distribution.Role.COPY if unit_id in copy_ids else Distribution.Role.MAIN,
            copy_number=f"{copy_start + index:06d}" if document.secrecy > Secrecy.NONE else "",
            delivered_at=now,
            sign_due_at=due,
            changed_at=now,
        )
        for index, unit_id in enumerate(new_ids, start=1)
    ]
    Distribution.objects.bulk_create(rows, batch_size=BATCH)
    if new_ids:
        notices.to_units(document, new_ids, "documents.received", due=notices.local(due))
        before = document.status
        document.status = Document.Status.SENT
        document.sent_at = document.sent_at or now
        document.save(update_fields=["status", "sent_at", "updated_at"])
        record_event(
            actor=actor,
            action="documents.sent",
            obj=document,
            before={"status": before},
            after={
                "status": document.status,
                "document_number": document.document_number,
                "unit_count": len(new_ids),
                "unit_ids": new_ids,
                "copy_unit_ids": sorted(copy_ids & set(new_ids)),
                "groups": group_list,
                "sign_due_at": due,
            },
        )
    return SendResult(
        sent=len(new_ids),
        unit_ids=new_ids,
        skipped_already=len(already),
        skipped_not_receiving=len(closed - already),
        groups=group_list,
    )


def _locked_copy(copy: Distribution) -> Distribution:
    return (
        Distribution.objects.select_for_update()
        .select_related("document__department", "unit")
        .get(pk=copy.pk)
    )


@transaction.atomic
def sign_for(*, actor: Any, copy: Distribution, at: datetime | None = None) -> Distribution:
    """The receiving unit's clerk signs for the document (签收)."""
    copy = _locked_copy(copy)
    if not permissions.can_act(actor, copy, "sign_for"):
        raise forbidden()
    if copy.status != Distribution.Status.DELIVERED:
        raise Conflict(
            "already_handled", f"该公文已{copy.get_status_display()}", f"already {copy.status}", status=409
        )
    now = at or timezone.now()
    copy.status, copy.signed_at, copy.signed_by, copy.changed_at = Distribution.Status.SIGNED, now, actor, now
    copy.first_opened_at = copy.first_opened_at or now
    copy.save()
    record_event(
        actor=actor,
        action="documents.signed_for",
        obj=copy,
        after={"document": copy.document_id, "unit": copy.unit_id, "late": now > copy.sign_due_at},
    )
    return copy


@transaction.atomic
def return_copy(*, actor: Any, copy: Distribution, reason: str, at: datetime | None = None) -> Distribution:
    """The receiving unit returns the document with its reason (退回); the sender is told."""
    copy = _locked_copy(copy)
    if not permissions.can_act(actor, copy, "return"):
        raise forbidden()
    if copy.status != Distribution.Status.DELIVERED:
        raise Conflict(
            "already_handled", f"该公文已{copy.get_status_display()}", f"already {copy.status}", status=409
        )
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", "请写明退回理由", "a reason is required", status=422)
    now = at or timezone.now()
    copy.status, copy.returned_at, copy.returned_by = Distribution.Status.RETURNED, now, actor
    copy.return_reason, copy.changed_at = reason[:300], now
    copy.save()
    record_event(
        actor=actor,
        action="documents.copy_returned",
        obj=copy,
        after={"document": copy.document_id, "unit": copy.unit_id, "reason": copy.return_reason},
    )
    notices.to_sender(copy.document, copy, "documents.returned", reason=copy.return_reason)
    return copy


def _remind(actor: Any, qs: Any, now: datetime) -> dict[str, int]:
    by_document: dict[int, list[int]] = defaultdict(list)
    for document_id, unit_id in qs.order_by().values_list("document_id", "unit_id"):
        by_document[document_id].append(unit_id)
    for document in Document.objects.filter(pk__in=list(by_document)).select_related("department"):
        unit_ids = sorted(by_document[document.pk])
        notices.to_units(document, unit_ids, "documents.sign_reminder", delivered="", due="")
        Distribution.objects.filter(
            document=document, unit_id__in=unit_ids, status=Distribution.Status.DELIVERED
        ).update(reminded_at=now, reminder_count=F("reminder_count") + 1)
        record_event(
            actor=actor,
            action="documents.sign_reminded",
            obj=document,
            after={"unit_count": len(unit_ids), "unit_ids": unit_ids},
        )
    return {"documents": len(by_document), "units": sum(len(v) for v in by_document.values())}


@transaction.atomic
def remind_unsigned(*, actor: Any, document: Document, at: datetime | None = None) -> int:
    """The sender reminds every unit that has not signed for the document yet (催收)."""
    require(actor, document, "send")
    qs = Distribution.objects.filter(document=document, status=Distribution.Status.DELIVERED)
    return _remind(actor, qs, at or timezone.now())["units"]


@transaction.atomic
def sweep_overdue(*, now: datetime | None = None) -> dict[str, int]:
    """Remind units whose sign-for deadline passed, again every reminder interval (periodic task)."""
    now = now or timezone.now()
    qs = Distribution.objects.filter(status=Distribution.Status.DELIVERED, sign_due_at__lt=now).filter(
        Q(reminded_at__isnull=True) | Q(reminded_at__lt=now - reminder_interval())
    )
    return _remind("documents.sweep_overdue", qs, now)
