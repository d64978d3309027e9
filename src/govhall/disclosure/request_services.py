"""Writes of requests for information (依申请公开); the time limits are in :mod:`disclosure.clock`.

submitted ──confirm──▶ processing ──answer──▶ answered
                        │  ▲   │  ▲
     request_correction ▼  │   ▼  │ end_consultation
                 correcting  consulting
                        │
  (not corrected in time, or withdrawn) ──▶ closed

Every step is one transaction: it locks the request row, writes a timeline event and an audit event,
and the notifications to the applicant and the agency's staff.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.disclosure import answers, clock, notices, numbering
from govhall.disclosure.models import (
    InformationRequest,
    NumberCounter,
    Publication,
    ReplyFile,
    RequestEvent,
)
from govhall.identity.models import Department, User

Status = InformationRequest.Status
Answer = InformationRequest.Answer
RUNNING = (Status.PROCESSING, Status.CONSULTING)
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_CONTENT = 4000


def _forbidden() -> PermissionDenied:
    return PermissionDenied(
        "forbidden", "您无权办理该申请", "you may not do this on this request", status=403
    )


def snapshot(request: InformationRequest) -> dict[str, Any]:
    return {
        "number": request.number,
        "status": request.status,
        "received_at": request.received_at,
        "clock_started_at": request.clock_started_at,
        "due_at": request.due_at,
        "correction_due_at": request.correction_due_at,
        "consultation_days": request.consultation_days,
        "extended_at": request.extended_at,
        "answer": request.answer,
        "answer_reason": request.answer_reason,
        "answered_late": request.answered_late,
        "closure": request.closure,
    }


def _lock(request: InformationRequest, actor: Any, action: str) -> InformationRequest:
    locked = (
        InformationRequest.objects.select_for_update()
        .select_related("department", "applicant")
        .get(pk=request.pk)
    )
    if actor is not None and not permissions.can_act(actor, locked, action):
        raise _forbidden()
    return locked


def _log(
    request: InformationRequest,
    kind: str,
    *,
    actor: Any,
    at: datetime,
    before: dict[str, Any] | None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> RequestEvent:
    event = RequestEvent.objects.create(
        request=request,
        kind=kind,
        at=at,
        actor=actor if isinstance(actor, User) else None,
        note=note,
        data=data or {},
    )
    record_event(
        actor=actor if actor is not None else "disclosure.sweep",
        action=f"disclosure.request_{kind}",
        obj=request,
        before=before,
        after={**snapshot(request), "note": note, **({"data": data} if data else {})},
    )
    return event


def _recompute_due(request: InformationRequest) -> None:
    assert request.clock_started_at is not None
    pending = clock.CONSULTATION_MAX_DAYS if request.status == Status.CONSULTING else 0
    request.due_at = clock.answer_due(
        clock_started_at=request.clock_started_at,
        extended=request.extended_at is not None,
        consultation_days=request.consultation_days + pending,
    )


def submit_request(
    *,
    actor: Any,
    department: Department,
    content: str,
    delivery: str,
    purpose: str = "",
    postal_address: str = "",
    related_publication: Publication | None = None,
    idempotency_key: str = "",
    at: datetime | None = None,
) -> InformationRequest:
    """A citizen or organisation asks an agency for information online; returns the numbered request.

    Retrying with the same ``idempotency_key`` returns the request the first call created.
    """
    if not permissions.is_authenticated(actor) or actor.kind == User.Kind.STAFF:
        raise PermissionDenied(
            "applicants_only",
            "请使用个人或法人账号提出申请",
            "requests are made from a citizen or enterprise account",
        )
    key = idempotency_key.strip()[:64]
    if key:
        existing = InformationRequest.objects.filter(applicant=actor, idempotency_key=key).first()
        if existing is not None:
            return existing
    content = content.strip()
    if len(content) < 5:
        raise DomainError(
            "content_required",
            "请具体描述所需政府信息（至少5个字）",
            "describe the information you ask for",
            details={"field": "content"},
        )
    if len(content) > MAX_CONTENT:
        raise DomainError(
            "content_too_long", "申请内容过长", "the description is too long", details={"field": "content"}
        )
    if delivery not in InformationRequest.Delivery.values:
        raise DomainError(
            "invalid_delivery",
            "请选择获取信息的方式",
            "choose how to receive the information",
            details={"field": "delivery"},
        )
    if delivery == InformationRequest.Delivery.POST and not postal_address.strip():
        raise DomainError(
            "address_required",
            "邮寄方式须填写邮寄地址",
            "give a postal address for delivery by post",
            details={"field": "postal_address"},
        )
    if not department.is_active:
        raise DomainError("inactive_department", "该机关不受理申请", "this agency does not take requests")
    if related_publication is not None and not related_publication.is_public:
        related_publication = None
    moment = at or clock.now()
    try:
        with transaction.atomic():
            year = clock.local_date(moment).year
            sequence = numbering.next_sequence(department, NumberCounter.Kind.REQUEST, year)
            request = InformationRequest.objects.create(
                number=numbering.format_request_number(
                    department_code=department.code, year=year, sequence=sequence
                ),
                department=department,
                applicant=actor,
                applicant_kind=(
                    InformationRequest.ApplicantKind.LEGAL
                    if actor.kind == User.Kind.ENTERPRISE
                    else InformationRequest.ApplicantKind.NATURAL
                ),
                applicant_name=str(actor)[:100],
                channel=InformationRequest.Channel.ONLINE,
                content=content,
                purpose=purpose.strip()[:2000],
                delivery=delivery,
                postal_address=postal_address.strip()[:200],
                related_publication=related_publication,
                idempotency_key=key,
                status=Status.SUBMITTED,
                submitted_at=moment,
            )
            _log(request, "submitted", actor=actor, at=moment, before=None)
            notices.to_applicant(request, "disclosure.request_submitted")
            notices.to_staff(request, "disclosure.request_new")
    except IntegrityError:
        if key:
            existing = InformationRequest.objects.filter(applicant=actor, idempotency_key=key).first()
            if existing is not None:
                return existing
        raise
    return request


@transaction.atomic
def confirm_receipt(
    *, actor: Any, request: InformationRequest, at: datetime | None = None
) -> InformationRequest:
    """The agency confirms an online request: that day is the day of receipt (第三十一条)."""
    request = _lock(request, actor, "confirm")
    if request.status != Status.SUBMITTED:
        raise Conflict("already_received", "该申请已确认收到", "the request was already received")
    before = snapshot(request)
    moment = at or clock.now()
    request.received_at = moment
    request.clock_started_at = moment
    request.status = Status.PROCESSING
    _recompute_due(request)
    request.save()
    _log(request, "received", actor=actor, at=moment, before=before)
    notices.to_applicant(request, "disclosure.request_received")
    return request


@transaction.atomic
def request_correction(
    *,
    actor: Any,
    request: InformationRequest,
    note: str,
    days: int = clock.CORRECTION_PERIOD_DAYS,
    at: datetime | None = None,
) -> InformationRequest:
    """Ask once, within 7 working days of receipt, for the request to be made clear (第三十条)."""
    request = _lock(request, actor, "request_correction")
    moment = at or clock.now()
    if request.status != Status.PROCESSING:
        raise Conflict("not_processing", "该申请当前不能要求补正", "the request cannot be sent back now")
    if request.correction_requested_at is not None:
        raise Conflict("correction_once", "补正只能要求一次", "a correction may be asked for only once")
    assert request.received_at is not None
    if moment > clock.correction_notice_until(request.received_at):
        raise Conflict(
            "correction_too_late",
            "应当自收到申请之日起7个工作日内一次性告知补正",
            "a correction must be asked for within 7 working days of receipt",
        )
    if not note.strip():
        raise DomainError(
            "note_required", "请写明需要补正的事项", "say what to correct", details={"field": "note"}
        )
    if not 1 <= days <= 30:
        raise DomainError("invalid_period", "补正期限应为1至30个工作日", "the period is 1 to 30 working days")
    before = snapshot(request)
    request.status = Status.CORRECTING
    request.correction_requested_at = moment
    request.correction_due_at = clock.correction_due(moment, days)
    request.correction_note = note.strip()
    request.due_at = None  # the clock restarts from the corrected request
    request.save()
    _log(request, "correction_requested", actor=actor, at=moment, before=before, note=request.correction_note)
    notices.to_applicant(request, "disclosure.correction_requested", note=request.correction_note)
    return request


@transaction.atomic
def submit_correction(
    *,
    actor: Any,
    request: InformationRequest,
    content: str,
    purpose: str | None = None,
    at: datetime | None = None,
) -> InformationRequest:
    """The applicant's corrected request: the answer period counts again from its receipt."""
    request = _lock(request, actor, "correct")
    moment = at or clock.now()
    if request.status != Status.CORRECTING:
        raise Conflict("not_correcting", "该申请不需要补正", "the request is not awaiting a correction")
    content = content.strip()
    if len(content) < 5 or len(content) > MAX_CONTENT:
        raise DomainError(
            "content_required",
            "请具体描述所需政府信息",
            "describe the information you ask for",
            details={"field": "content"},
        )
    before = snapshot(request)
    previous = request.content
    request.content = content
    if purpose is not None:
        request.purpose = purpose.strip()[:2000]
    request.corrected_at = moment
    request.clock_started_at = moment
    request.status = Status.PROCESSING
    _recompute_due(request)
    request.save()
    _log(request, "corrected", actor=actor, at=moment, before=before, data={"previous_content": previous})
    notices.to_staff(request, "disclosure.request_new")
    return request


@transaction.atomic
def start_consultation(
    *, actor: Any, request: InformationRequest, note: str, at: datetime | None = None
) -> InformationRequest:
    """Ask a third party (or another agency) for its view; that time is not counted (第三十二条)."""
    request = _lock(request, actor, "consult")
    if request.status != Status.PROCESSING:
        raise Conflict(
            "not_processing", "该申请当前不能征求意见", "the request cannot be put to a third party now"
        )
    if not note.strip():
        raise DomainError("note_required", "请写明征求意见的对象和事项", "say whom you consult about what")
    moment = at or clock.now()
    before = snapshot(request)
    request.status = Status.CONSULTING
    request.consultation_since = moment
    _recompute_due(request)
    request.save()
    _log(request, "consultation_started", actor=actor, at=moment, before=before, note=note.strip())
    return request


def _end_consultation(request: InformationRequest, moment: datetime) -> int:
    assert request.consultation_since is not None
    used = clock.consultation_working_days(request.consultation_since, moment)
    request.consultation_days += used
    request.consultation_since = None
    request.status = Status.PROCESSING
    _recompute_due(request)
    return used


@transaction.atomic
def end_consultation(
    *, actor: Any, request: InformationRequest, note: str = "", at: datetime | None = None
) -> InformationRequest:
    request = _lock(request, actor, "consult")
    if request.status != Status.CONSULTING:
        raise Conflict("not_consulting", "该申请未在征求意见", "no consultation is running")
    moment = at or clock.now()
    before = snapshot(request)
    used = _end_consultation(request, moment)
    request.save()
    _log(
        request,
        "consultation_ended",
        actor=actor,
        at=moment,
        before=before,
        note=note.strip(),
        data={"working_days_not_counted": used},
    )
    return request


@transaction.atomic
def extend(
    *, actor: Any, request: InformationRequest, reason: str, at: datetime | None = None
) -> InformationRequest:
    """Extend once by 20 working days with the office head's approval, before the period ends (第三十三条)."""
    request = _lock(request, actor, "extend")
    moment = at or clock.now()
    if request.status not in RUNNING:
        raise Conflict("not_running", "该申请当前不能延期", "the request cannot be extended now")
    if request.extended_at is not None:
        raise Conflict("extension_once", "答复期限只能延长一次", "the period can be extended only once")
    if request.due_at is not None and moment > request.due_at:
        raise Conflict("extension_too_late", "答复期限已过，不能再延期", "the period has already run out")
    if not reason.strip():
        raise DomainError(
            "reason_required",
            "请写明延期理由",
            "give the reason for the extension",
            details={"field": "reason"},
        )
    before = snapshot(request)
    request.extended_at = moment
    request.extension_reason = reason.strip()[:300]
    request.extension_approved_by = actor
    _recompute_due(request)
    request.save()
    _log(request, "extended", actor=actor, at=moment, before=before, note=request.extension_reason)
    notices.to_applicant(request, "disclosure.request_extended", reason=request.extension_reason)
    return request


def _check_answer(
    answer: str,
    reason: str,
    text: str,
    legal_basis: str,
    referral_agency: str,
    publications: list[Publication],
) -> None:
    if answer not in Answer.values:
        raise DomainError(
            "invalid_answer", "答复类型无效", "unknown answer type", details={"field": "answer"}
        )
    reasons = answers.REASONS.get(answer)
    if reasons is not None and reason not in reasons:
        raise DomainError(
            "reason_required", "请选择具体情形", "choose the ground", details={"field": "reason"}
        )
    if (
        answer in {Answer.PARTLY, Answer.NOT_DISCLOSED, Answer.NOT_HANDLED, Answer.SPECIAL_LAW}
        and not legal_basis.strip()
    ):
        raise DomainError(
            "basis_required", "请写明法律依据", "give the legal basis", details={"field": "legal_basis"}
        )
    if answer == Answer.NOT_THIS_AGENCY and not referral_agency.strip():
        raise DomainError(
            "agency_required",
            "请告知负责公开该信息的机关名称及联系方式",
            "name the competent agency",
            details={"field": "referral_agency"},
        )
    if answer == Answer.ALREADY_PUBLIC and not (publications or text.strip()):
        raise DomainError(
            "where_required",
            "请告知获取该信息的方式和途径",
            "say where the information is public",
            details={"field": "text"},
        )
    if not text.strip():
        raise DomainError("text_required", "请填写答复内容", "write the answer", details={"field": "text"})


@transaction.atomic
def answer_request(
    *,
    actor: Any,
    request: InformationRequest,
    answer: str,
    text: str,
    reason: str = "",
    legal_basis: str = "",
    referral_agency: str = "",
    publications: Iterable[Publication] = (),
    files: Iterable[UploadedFile] = (),
    at: datetime | None = None,
) -> InformationRequest:
    """Answer in one of the forms of 第三十六条; answering after ``due_at`` is recorded as late."""
    request = _lock(request, actor, "answer")
    if request.status not in RUNNING:
        raise Conflict("not_running", "该申请当前不能答复", "the request cannot be answered now")
    publication_list = [p for p in publications if p.is_public]
    _check_answer(answer, reason, text, legal_basis, referral_agency, publication_list)
    uploads = list(files)
    if any((f.size or 0) > MAX_FILE_BYTES for f in uploads):
        raise DomainError("file_too_large", "单个附件不能超过20MB", "each file must be under 20 MB")
    moment = at or clock.now()
    before = snapshot(request)
    if request.status == Status.CONSULTING:
        _end_consultation(request, moment)
    request.status = Status.ANSWERED
    request.answer = answer
    request.answer_reason = reason if answer in answers.REASONS else ""
    request.answer_text = text.strip()
    request.legal_basis = legal_basis.strip()
    request.referral_agency = referral_agency.strip()[:200]
    request.answered_at = moment
    request.answered_by = actor
    request.answered_late = request.due_at is not None and moment > request.due_at
    request.save()
    request.answer_publications.set(publication_list)
    for upload in uploads:
        ReplyFile.objects.create(
            request=request, file=upload, name=(upload.name or "附件")[:200], size=upload.size or 0
        )
    _log(
        request,
        "answered",
        actor=actor,
        at=moment,
        before=before,
        note=request.answer_text[:500],
        data={"answer": answer, "reason": request.answer_reason, "files": len(uploads)},
    )
    notices.to_applicant(
        request,
        "disclosure.request_answered",
        answer=request.get_answer_display().split(" ")[0],
        files=len(uploads),
    )
    return request


@transaction.atomic
def withdraw_request(
    *, actor: Any, request: InformationRequest, at: datetime | None = None
) -> InformationRequest:
    request = _lock(request, actor, "withdraw")
    if not request.is_open:
        raise Conflict("not_open", "该申请已办结", "the request is already finished")
    moment = at or clock.now()
    before = snapshot(request)
    request.status = Status.CLOSED
    request.closure = InformationRequest.Closure.WITHDRAWN
    request.closed_at = moment
    request.save()
    _log(request, "withdrawn", actor=actor, at=moment, before=before)
    return request


def sweep_requests(*, now: datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Record requests past their answer deadline (once per deadline) and close uncorrected ones."""
    now = now or clock.now()
    not_noted = Q(overdue_noted_for__isnull=True) | ~Q(overdue_noted_for=F("due_at"))
    overdue_ids = list(
        InformationRequest.objects.filter(not_noted, status__in=RUNNING, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:batch]
    )
    overdue = 0
    for pk in overdue_ids:
        with transaction.atomic():
            request = InformationRequest.objects.select_for_update().select_related("department").get(pk=pk)
            if request.status not in RUNNING or request.due_at is None or request.due_at > now:
                continue
            if request.overdue_noted_for == request.due_at:
                continue
            before = snapshot(request)
            request.overdue_noted_for = request.due_at
            request.save(update_fields=["overdue_noted_for"])
            _log(
                request,
                "overdue",
                actor=None,
                at=now,
                before=before,
                data={"due_at": request.due_at.isoformat()},
            )
            notices.to_staff(request, "disclosure.request_overdue")
            overdue += 1
    closed = 0
    for pk in InformationRequest.objects.filter(
        status=Status.CORRECTING, correction_due_at__lte=now
    ).values_list("pk", flat=True)[:batch]:
        with transaction.atomic():
            request = (
                InformationRequest.objects.select_for_update()
                .select_related("department", "applicant")
                .get(pk=pk)
            )
            if request.status != Status.CORRECTING:
                continue
            before = snapshot(request)
            request.status = Status.CLOSED
            request.closure = InformationRequest.Closure.NOT_CORRECTED
            request.closed_at = now
            request.save()
            _log(request, "closed", actor=None, at=now, before=before, note="逾期未补正，视为放弃申请")
            notices.to_applicant(
                request, "disclosure.request_closed", reason="逾期未补正，视为放弃申请（第三十条）"
            )
            closed += 1
    return {"overdue": overdue, "closed_uncorrected": closed}
