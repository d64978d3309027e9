"""/api/v1/documents/: official documents for other government systems (OA clients).

Handlers only translate: body → service → output schema. Every route needs a staff member's token
or session; what a caller sees is what the documents permissions allow, and every open of a
document is audited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema, UploadedFile

from govhall.core.api import ErrorOut
from govhall.core.errors import DomainError, NotFound
from govhall.documents import exchange, sealing, selectors
from govhall.documents.models import Distribution, Document
from govhall.documents.permissions import may_read_copy

router = Router(tags=["电子公文 documents"])

ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422)}


class DocumentOut(Schema):
    id: int
    kind: str
    status: str
    document_number: str | None
    title: str
    issuer: str
    secrecy: str
    urgency: str
    main_recipients: str
    body: str
    written_on: date | None
    signer: str
    pdf_url: str | None
    seal_sm3: str | None


class SendIn(Schema):
    units: list[int] = []
    groups: list[int] = []
    copy_units: list[int] = []


class SendOut(Schema):
    sent: int
    unit_ids: list[int]
    skipped_already: int
    skipped_not_receiving: int


class TrackingRowOut(Schema):
    copy_id: int
    unit: str
    unit_code: str
    status: str
    delivered_at: datetime
    sign_due_at: datetime
    signed_at: datetime | None
    returned_at: datetime | None
    return_reason: str


class TrackingOut(Schema):
    total: int
    signed: int
    returned: int
    delivered: int
    overdue: int
    opened: int
    rows: list[TrackingRowOut]


class CopyOut(Schema):
    copy_id: int
    document_id: int
    unit: str
    status: str
    signed_at: datetime | None
    returned_at: datetime | None
    return_reason: str


class ReasonIn(Schema):
    reason: str


class SealOut(Schema):
    valid: bool
    code: str
    message: str
    digest_sm3: str
    key_id: str
    document_number: str | None
    title: str | None
    issuer: str | None


def _out(document: Document) -> DocumentOut:
    seal = getattr(document, "seal", None)
    return DocumentOut(
        id=document.pk,
        kind=document.get_kind_display(),
        status=document.status,
        document_number=document.document_number,
        title=document.title,
        issuer=document.department.name,
        secrecy=document.get_secrecy_display(),
        urgency=document.get_urgency_display(),
        main_recipients=document.main_recipients,
        body=document.body,
        written_on=document.written_on,
        signer=document.signer_name,
        pdf_url=f"/documents/{document.pk}/document.pdf" if document.pdf else None,
        seal_sm3=seal.digest_sm3 if seal else None,
    )


def _copy(copy: Distribution) -> CopyOut:
    return CopyOut(
        copy_id=copy.pk,
        document_id=copy.document_id,
        unit=copy.unit.name,
        status=copy.status,
        signed_at=copy.signed_at,
        returned_at=copy.returned_at,
        return_reason=copy.return_reason,
    )


def _copy_of(request: HttpRequest, copy_id: int) -> Distribution:
    copy = Distribution.objects.select_related("document", "unit").filter(pk=copy_id).first()
    if copy is None or not may_read_copy(request.auth, copy.unit_id, copy.document.secrecy):  # type: ignore[attr-defined]
        raise NotFound("copy_not_found", "收文不存在或您无权查看", "no such received copy", status=404)
    return copy


@router.get("/inbox", response={200: list[CopyOut], **ERRORS}, summary="收文 Received documents")
def inbox(request: HttpRequest, status: str = "") -> list[CopyOut]:
    qs = selectors.inbox(request.auth)  # type: ignore[attr-defined]
    if status:
        qs = qs.filter(status=status)
    return [_copy(c) for c in qs[:200]]


@router.post("/verify", response={200: SealOut, **ERRORS}, summary="验证电子印章 Verify a seal")
def verify(request: HttpRequest, file: UploadedFile = File(...)) -> SealOut:  # noqa: B008
    """Upload a received PDF: its SM3 digest must match a sealed document and the SM2 signature
    must verify with the issuer's key. Any changed byte fails."""
    if getattr(request.auth, "kind", "") != "staff":  # type: ignore[attr-defined]
        raise DomainError("forbidden", "仅限工作人员", "staff only", status=403)
    return SealOut(**sealing.check_file(file.read()).as_dict())  # type: ignore[arg-type]


@router.get("/{document_id}", response={200: DocumentOut, **ERRORS}, summary="公文 A document (audited)")
def get_document(request: HttpRequest, document_id: int) -> DocumentOut:
    return _out(selectors.open_document(request.auth, document_id, what="api"))  # type: ignore[attr-defined]


@router.post("/{document_id}/send", response={200: SendOut, **ERRORS}, summary="分发 Send to units")
def send(request: HttpRequest, document_id: int, payload: SendIn) -> SendOut:
    document = selectors.visible_documents(request.auth).filter(pk=document_id).first()  # type: ignore[attr-defined]
    if document is None:
        raise selectors.not_found()
    result = exchange.send(
        actor=request.auth,  # type: ignore[attr-defined]
        document=document,
        units=payload.units,
        groups=payload.groups,
        copy_units=payload.copy_units,
    )
    return SendOut(
        sent=result.sent,
        unit_ids=result.unit_ids,
        skipped_already=result.skipped_already,
        skipped_not_receiving=result.skipped_not_receiving,
    )


@router.get("/{document_id}/tracking", response={200: TrackingOut, **ERRORS}, summary="签收跟踪 Tracking")
def tracking(request: HttpRequest, document_id: int) -> TrackingOut:
    from govhall.core import permissions

    document = selectors.visible_documents(request.auth).filter(pk=document_id).first()  # type: ignore[attr-defined]
    if document is None or not permissions.can_act(request.auth, document, "track"):  # type: ignore[attr-defined]
        raise selectors.not_found()
    figures = selectors.tracking(document)
    rows = [
        TrackingRowOut(
            copy_id=r.pk,
            unit=r.unit.name,
            unit_code=r.unit.code,
            status=r.status,
            delivered_at=r.delivered_at,
            sign_due_at=r.sign_due_at,
            signed_at=r.signed_at,
            returned_at=r.returned_at,
            return_reason=r.return_reason,
        )
        for r in selectors.tracking_rows(document)
    ]
    return TrackingOut(
        total=figures.total,
        signed=figures.signed,
        returned=figures.returned,
        delivered=figures.delivered,
        overdue=figures.overdue,
        opened=figures.opened,
        rows=rows,
    )


@router.post("/copies/{copy_id}/sign-for", response={200: CopyOut, **ERRORS}, summary="签收 Sign for")
def sign_for(request: HttpRequest, copy_id: int) -> CopyOut:
    return _copy(exchange.sign_for(actor=request.auth, copy=_copy_of(request, copy_id)))  # type: ignore[attr-defined]


@router.post("/copies/{copy_id}/return", response={200: CopyOut, **ERRORS}, summary="退回 Return")
def return_copy(request: HttpRequest, copy_id: int, payload: ReasonIn) -> CopyOut:
    copy = _copy_of(request, copy_id)
    return _copy(exchange.return_copy(actor=request.auth, copy=copy, reason=payload.reason))  # type: ignore[attr-defined]
