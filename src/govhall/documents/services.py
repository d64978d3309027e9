"""Writes on the issuing side: drafting, countersign (会签), sign-off (签发) with numbering and seal.

Every call is one transaction with its audit event. Sign-off locks the document row and the
authority's counter row, takes the next number, renders the PDF and seals it, all in the same
transaction: a failure anywhere gives the number back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.calendar import SHANGHAI
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.documents import notices, numbering, sealing
from govhall.documents.models import (
    Countersign,
    Document,
    DocumentTemplate,
    ExchangeUnit,
    Kind,
    Secrecy,
    Urgency,
)
from govhall.identity.models import Department

EDITABLE = frozenset(
    {
        "kind",
        "title",
        "main_recipients",
        "body",
        "attachment_notes",
        "notes",
        "copy_to",
        "secrecy",
        "secrecy_period",
        "urgency",
        "issuing_mark",
        "number_prefix",
        "signature_name",
        "printed_by",
    }
)


def forbidden() -> PermissionDenied:
    return PermissionDenied("forbidden", "您无权进行此操作", "you may not do this", status=403)


def require(actor: Any, obj: Any, action: str) -> None:
    if not permissions.can_act(actor, obj, action):
        raise forbidden()


def wrong_state(document: Document) -> Conflict:
    return Conflict(
        "document_state",
        f"公文当前状态为“{document.get_status_display()}”，不能进行此操作",
        f"the document is {document.status}",
        status=409,
    )


def snapshot(document: Document) -> dict[str, Any]:
    return {
        "status": document.status,
        "title": document.title,
        "kind": document.kind,
        "secrecy": document.secrecy,
        "urgency": document.urgency,
        "document_number": document.document_number,
    }


def authority_defaults(department: Department) -> dict[str, str]:
    """发文机关标志, 机关代字, 署名 and 印发机关 as the unit has set them (or derived from its name)."""
    unit = ExchangeUnit.objects.filter(department=department).first()
    return {
        "issuing_mark": (unit.issuing_mark if unit and unit.issuing_mark else f"{department.name}文件"),
        "number_prefix": (unit.number_prefix if unit and unit.number_prefix else department.short_name),
        "signature_name": department.name,
        "printed_by": department.name,
    }


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise DomainError("unknown_fields", "包含不可修改的字段", f"fields not editable: {sorted(unknown)}")
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    if "kind" in cleaned and cleaned["kind"] not in Kind.values:
        raise DomainError("invalid_kind", "文种无效", "unknown document kind", status=422)
    if "secrecy" in cleaned:
        cleaned["secrecy"] = int(cleaned["secrecy"] or 0)
        if cleaned["secrecy"] not in Secrecy.values:
            raise DomainError("invalid_secrecy", "密级无效", "unknown secrecy level", status=422)
    if "urgency" in cleaned and (cleaned["urgency"] or "") not in Urgency.values:
        raise DomainError("invalid_urgency", "紧急程度无效", "unknown urgency", status=422)
    prefix = cleaned.get("number_prefix")
    if prefix is not None and (not prefix or numbering.parse_document_number(f"{prefix}〔2000〕1号") is None):
        raise DomainError("invalid_prefix", "机关代字无效", "invalid authority code", status=422)
    return cleaned


def _require_complete(document: Document) -> None:
    missing = [
        label for label, value in (("标题", document.title), ("正文", document.body)) if not value.strip()
    ]
    if document.secrecy > Secrecy.NONE and not document.secrecy_period:
        missing.append("保密期限")
    if missing:
        raise DomainError(
            "document_incomplete",
            f"请填写：{'、'.join(missing)}",
            "required elements are missing",
            status=422,
        )


@transaction.atomic
def create_document(
    *,
    actor: Any,
    department: Department,
    title: str,
    body: str = "",
    template: DocumentTemplate | None = None,
    idempotency_key: str | None = None,
    **fields: Any,
) -> Document:
    """A new draft; a template fills what is not given."""
    if not _may_draft(actor, department):
        raise forbidden()
    if idempotency_key:
        existing = Document.objects.filter(drafted_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    values: dict[str, Any] = {**authority_defaults(department)}
    if template is not None:
        values.update(
            kind=template.kind,
            main_recipients=template.main_recipients,
            body=template.body,
            copy_to=template.copy_to,
        )
        title = title or template.title
    values.update(_clean(fields))
    if body:
        values["body"] = body
    document = Document(
        department=department,
        drafted_by=actor,
        title=title.strip(),
        idempotency_key=idempotency_key or None,
        **values,
    )
    if not document.title:
        raise DomainError("document_incomplete", "请填写标题", "a title is required", status=422)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        existing = Document.objects.filter(drafted_by=actor, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    record_event(actor=actor, action="documents.drafted", obj=document, after=snapshot(document))
    return document


def _may_draft(actor: Any, department: Department) -> bool:
    from govhall.documents.permissions import WORKING, may_act_in

    return may_act_in(actor, department.pk, WORKING)


def _locked(document: Document) -> Document:
    return Document.objects.select_for_update().select_related("department").get(pk=document.pk)


@transaction.atomic
def update_draft(*, actor: Any, document: Document, **fields: Any) -> Document:
    document = _locked(document)
    require(actor, document, "edit")
    if document.status != Document.Status.DRAFT:
        raise wrong_state(document)
    before = snapshot(document)
    for name, value in _clean(fields).items():
        setattr(document, name, value)
    document.save()
    record_event(
        actor=actor, action="documents.edited", obj=document, before=before, after=snapshot(document)
    )
    return document


@transaction.atomic
def request_countersign(
    *, actor: Any, document: Document, departments: Iterable[Department]
) -> list[Countersign]:
    """Ask other departments to countersign the draft (会签); it waits until every one has agreed."""
    document = _locked(document)
    require(actor, document, "request_countersign")
    if document.status != Document.Status.DRAFT:
        raise wrong_state(document)
    chosen = {d.pk: d for d in departments if d.pk != document.department_id}
    if not chosen:
        raise DomainError(
            "no_countersigners", "请选择会签部门", "choose departments to countersign", status=422
        )
    previous = (
        Countersign.objects.filter(document=document)
        .order_by("-round")
        .values_list("round", flat=True)
        .first()
    )
    round_no = (previous or 0) + 1
    rows = Countersign.objects.bulk_create(
        [Countersign(document=document, department=d, round=round_no) for d in chosen.values()]
    )
    document.status = Document.Status.COUNTERSIGNING
    document.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        action="documents.countersign_requested",
        obj=document,
        after={"departments": sorted(chosen), "round": round_no},
    )
    notices.to_countersigners(document, list(chosen))
    return rows


@transaction.atomic
def countersign(*, actor: Any, countersign: Countersign, agree: bool, opinion: str = "") -> Countersign:
    """A countersigning department agrees or disagrees. All agreed → awaiting sign-off; one
    disagreement sends the draft back to its drafters with the opinion."""
    document = _locked(countersign.document)
    row = Countersign.objects.select_for_update().get(pk=countersign.pk)
    if not permissions.can_act(actor, row, "decide"):
        raise forbidden()
    if row.status != Countersign.Status.PENDING or document.status != Document.Status.COUNTERSIGNING:
        raise Conflict(
            "countersign_decided", "该会签已办理", "this countersign is already decided", status=409
        )
    if not agree and not opinion.strip():
        raise DomainError("opinion_required", "不同意时请写明意见", "an opinion is required", status=422)
    row.status = Countersign.Status.AGREED if agree else Countersign.Status.DISAGREED
    row.opinion, row.decided_by, row.decided_at = opinion.strip(), actor, timezone.now()
    row.save()
    if not agree:
        document.status = Document.Status.DRAFT
        document.return_reason = f"{row.department.name}会签意见：{row.opinion}"[:300]
        document.save(update_fields=["status", "return_reason", "updated_at"])
        notices.to_drafter(document, document.return_reason)
    elif not Countersign.objects.filter(
        document=document, round=row.round, status=Countersign.Status.PENDING
    ).exists():
        document.status = Document.Status.AWAITING_SIGNOFF
        document.save(update_fields=["status", "updated_at"])
        notices.to_leaders(document)
    record_event(
        actor=actor,
        action="documents.countersigned",
        obj=document,
        after={
            "department": row.department_id,
            "agree": agree,
            "opinion": row.opinion,
            "status": document.status,
        },
    )
    return row


@transaction.atomic
def submit_for_signoff(*, actor: Any, document: Document) -> Document:
    """A draft without countersigns (or whose countersigns all agreed) goes to the leaders."""
    document = _locked(document)
    require(actor, document, "submit")
    if document.status != Document.Status.DRAFT:
        raise wrong_state(document)
    _require_complete(document)
    document.status = Document.Status.AWAITING_SIGNOFF
    document.return_reason = ""
    document.save(update_fields=["status", "return_reason", "updated_at"])
    record_event(actor=actor, action="documents.submitted", obj=document, after=snapshot(document))
    notices.to_leaders(document)
    return document


@transaction.atomic
def return_for_revision(*, actor: Any, document: Document, reason: str) -> Document:
    document = _locked(document)
    require(actor, document, "return")
    if document.status != Document.Status.AWAITING_SIGNOFF:
        raise wrong_state(document)
    if not reason.strip():
        raise DomainError("reason_required", "请写明退回理由", "a reason is required", status=422)
    document.status, document.return_reason = Document.Status.DRAFT, reason.strip()[:300]
    document.save(update_fields=["status", "return_reason", "updated_at"])
    record_event(
        actor=actor, action="documents.returned_for_revision", obj=document, after={"reason": reason}
    )
    notices.to_drafter(document, document.return_reason)
    return document


@transaction.atomic
def sign_off(
    *, actor: Any, document: Document, opinion: str = "同意", at: datetime | None = None
) -> Document:
    """The leader signs off (签发): number, date, render, seal — one transaction."""
    document = _locked(document)
    require(actor, document, "sign_off")
    if document.status != Document.Status.AWAITING_SIGNOFF:
        raise wrong_state(document)
    _require_complete(document)
    now = at or timezone.now()
    today = now.astimezone(SHANGHAI).date()
    year = today.year
    sequence = numbering.next_sequence(document.department, document.number_prefix, year)
    document.number_year, document.number_sequence = year, sequence
    document.document_number = numbering.format_document_number(document.number_prefix, year, sequence)
    document.signer_name = actor.display_name or actor.username
    document.signed_by, document.signed_at = actor, now
    document.signoff_opinion = opinion.strip()[:300]
    document.written_on = today
    document.printed_on = today
    document.status = Document.Status.SIGNED
    document.save()
    seal = sealing.render_and_seal(document)
    record_event(
        actor=actor,
        action="documents.signed_off",
        obj=document,
        after={**snapshot(document), "digest_sm3": seal.digest_sm3, "key_id": seal.key_id},
    )
    return document
