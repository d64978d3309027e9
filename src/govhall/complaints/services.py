"""Writes of consultations (咨询) and complaints (投诉).

Consultation: submitted ──answer──▶ answered (──publish──▶ also a FAQ of the item's guide)
Complaint:    submitted ──accept──▶ accepted ──answer──▶ answered ──confirm──▶ confirmed
                  │                                         └──object──▶ escalated ──resolve──▶ resolved
                  └──reject──▶ rejected          (running past its deadline: escalate ──▶ escalated)

Every step is one transaction: the row is locked, a timeline event and an audit event are written
with the change. Creates take an idempotency key; a retry returns the first row.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone

from govhall.cases.models import Case
from govhall.catalog.models import FAQ, ItemVersion, ServiceItem
from govhall.complaints import notices
from govhall.complaints.models import Complaint, Consultation, InteractionEvent
from govhall.complaints.redaction import redact
from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.calendar import SHANGHAI, deadline_for
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.identity.models import Department, User

M = TypeVar("M", bound=models.Model)
CStatus = Complaint.Status
DEFAULT_CONSULTATION_DAYS = 5
DEFAULT_COMPLAINT_DAYS = 10
MAX_TEXT = 4000


def now() -> datetime:
    """The current time; the one place these services read the clock."""
    return timezone.now()


def _days(name: str, default: int) -> int:
    value = getattr(settings, name, None) or os.environ.get(name, "")
    try:
        return max(1, int(value)) if value else default
    except ValueError:
        return default


def consultation_days() -> int:
    return _days("GOVHALL_CONSULTATION_DAYS", DEFAULT_CONSULTATION_DAYS)


def complaint_days() -> int:
    return _days("GOVHALL_COMPLAINT_DAYS", DEFAULT_COMPLAINT_DAYS)


def _forbidden() -> PermissionDenied:
    return PermissionDenied("forbidden", "您无权进行此操作", "you may not do this", status=403)


def _applicant(actor: Any) -> None:
    if not permissions.is_authenticated(actor) or actor.kind == User.Kind.STAFF:
        raise PermissionDenied(
            "applicants_only", "请使用个人或法人账号提交", "use a citizen or enterprise account"
        )


def _text(value: str, field: str, zh: str, en: str, *, minimum: int = 2, maximum: int = MAX_TEXT) -> str:
    value = value.strip()
    if len(value) < minimum:
        raise DomainError(f"{field}_required", zh, en, details={"field": field})
    if len(value) > maximum:
        raise DomainError(f"{field}_too_long", "内容过长", "the text is too long", details={"field": field})
    return value


def _number(prefix: str, moment: datetime, pk: int) -> str:
    return f"{prefix}{moment.astimezone(SHANGHAI):%Y%m%d}{pk:06d}"


def _log(
    obj: Consultation | Complaint, kind: str, *, actor: Any, at: datetime, before: Any, note: str = ""
) -> None:
    is_complaint = isinstance(obj, Complaint)
    event = InteractionEvent(kind=kind, at=at, actor=actor if isinstance(actor, User) else None, note=note)
    if isinstance(obj, Complaint):
        event.complaint = obj
    else:
        event.consultation = obj
    event.save()
    after = {"number": obj.number, "status": obj.status, "due_at": obj.due_at, "note": note[:500]}
    prefix = "complaint" if is_complaint else "consultation"
    record_event(actor=actor, action=f"complaints.{prefix}_{kind}", obj=obj, before=before, after=after)


def _idempotent(model: type[M], owner_field: str, actor: Any, key: str, create: Callable[[], M]) -> M:
    if key:
        existing = model._default_manager.filter(**{owner_field: actor, "idempotency_key": key}).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        if key:
            existing = model._default_manager.filter(**{owner_field: actor, "idempotency_key": key}).first()
            if existing is not None:
                return existing
        raise


# --- Consultations ------------------------------------------------------------------------------------


def ask(
    *,
    actor: Any,
    subject: str,
    question: str,
    item: ServiceItem | None = None,
    department: Department | None = None,
    publish_consent: bool = False,
    idempotency_key: str = "",
) -> Consultation:
    """A question about an item (routed to its department) or a general one to a chosen department."""
    _applicant(actor)
    if item is not None:
        department = item.department
    if department is None or not department.is_active:
        raise DomainError(
            "department_required",
            "请选择咨询事项或部门",
            "choose an item or a department",
            details={"field": "department"},
        )
    subject = _text(subject, "subject", "请填写标题", "give a subject", minimum=2, maximum=100)
    question = _text(question, "question", "请写明咨询内容（至少5个字）", "write the question", minimum=5)
    key = idempotency_key.strip()[:64]

    def create() -> Consultation:
        moment = now()
        consultation = Consultation.objects.create(
            number=f"tmp-{os.urandom(8).hex()}",
            asker=actor,
            item=item,
            department=department,
            subject=subject,
            question=question,
            publish_consent=publish_consent,
            status=Consultation.Status.SUBMITTED,
            submitted_at=moment,
            due_at=deadline_for(moment, consultation_days()),
            idempotency_key=key,
        )
        consultation.number = _number("ZX", moment, consultation.pk)
        consultation.save(update_fields=["number"])
        _log(consultation, "submitted", actor=actor, at=moment, before=None)
        notices.consultation_to_staff(consultation, "complaints.consultation_new")
        return consultation

    return _idempotent(Consultation, "asker", actor, key, create)


def _lock(model: type[M], obj: M, actor: Any, action: str) -> M:
    locked = model._default_manager.select_for_update().get(pk=obj.pk)
    if not permissions.can_act(actor, locked, action):
        raise _forbidden()
    return locked


@transaction.atomic
def answer_consultation(*, actor: Any, consultation: Consultation, answer: str) -> Consultation:
    consultation = _lock(Consultation, consultation, actor, "answer")
    if consultation.status != Consultation.Status.SUBMITTED:
        raise Conflict("already_answered", "该咨询已答复", "the question was already answered")
    before = {"status": consultation.status}
    moment = now()
    consultation.answer = _text(answer, "answer", "请填写答复内容", "write the answer")
    consultation.answered_at = moment
    consultation.answered_by = actor
    consultation.status = Consultation.Status.ANSWERED
    consultation.save()
    _log(consultation, "answered", actor=actor, at=moment, before=before)
    notices.consultation_to_asker(consultation, "complaints.consultation_answered")
    return consultation


def publication_draft(consultation: Consultation) -> tuple[str, str]:
    """The question and answer with the asker's personal details taken out, for staff to review."""
    names = [consultation.asker.display_name, consultation.asker.get_full_name()]
    return redact(consultation.question, names), redact(consultation.answer, names)


@transaction.atomic
def publish_to_faq(
    *, actor: Any, consultation: Consultation, question: str | None = None, answer: str | None = None
) -> FAQ:
    """Add an answered question, with the asker's consent and without personal details, to the FAQ of
    the item's published guide. The texts given are redacted again before they are stored."""
    consultation = _lock(Consultation, consultation, actor, "publish")
    if consultation.status != Consultation.Status.ANSWERED:
        raise Conflict("not_answered", "只能公开已答复的咨询", "only answered questions are published")
    if not consultation.publish_consent:
        raise Conflict("no_consent", "咨询人未同意公开", "the asker did not agree to publication")
    if consultation.faq_id is not None:
        raise Conflict("already_published", "该咨询已公开", "already published")
    item = consultation.item
    version: ItemVersion | None = item.current_version if item is not None else None
    if version is None or version.status != ItemVersion.Status.PUBLISHED:
        raise Conflict("no_guide", "该咨询没有可公开的事项指南", "there is no published guide to add it to")
    draft_q, draft_a = publication_draft(consultation)
    names = [consultation.asker.display_name]
    public_q = redact(
        _text(question or draft_q, "question", "请填写问题", "give the question", minimum=2), names
    )
    public_a = redact(_text(answer or draft_a, "answer", "请填写解答", "give the answer", minimum=2), names)
    last = FAQ.objects.filter(version=version).aggregate(last=Max("order"))["last"] or 0
    faq = FAQ.objects.create(version=version, order=last + 1, question=public_q[:300], answer=public_a)
    consultation.faq = faq
    consultation.save(update_fields=["faq"])
    moment = now()
    _log(consultation, "published", actor=actor, at=moment, before={"faq": None}, note=public_q[:300])
    record_event(
        actor=actor,
        action="catalog.faq_added_from_consultation",
        obj=faq,
        after={"version": version.pk, "question": faq.question, "consultation": consultation.number},
    )
    return faq


# --- Complaints ----------------------------------------------------------------------------------------


def complain(
    *,
    actor: Any,
    target: str,
    subject: str,
    content: str,
    case: Case | None = None,
    department: Department | None = None,
    staff_name: str = "",
    idempotency_key: str = "",
) -> Complaint:
    """A complaint about a case (routed to its lead department), a department, or a staff member."""
    _applicant(actor)
    if target not in Complaint.Target.values:
        raise DomainError(
            "invalid_target",
            "请选择投诉对象",
            "choose what the complaint is about",
            details={"field": "target"},
        )
    if target == Complaint.Target.CASE:
        if case is None or case.applicant_id != actor.pk or not case.case_no:
            raise DomainError(
                "case_required",
                "请选择您本人的办件",
                "choose one of your own cases",
                details={"field": "case"},
            )
        department = case.lead_department
    if department is None or not department.is_active:
        raise DomainError(
            "department_required",
            "请选择被投诉部门",
            "choose the department",
            details={"field": "department"},
        )
    if target == Complaint.Target.STAFF and len(staff_name.strip()) < 1:
        raise DomainError(
            "staff_required",
            "请填写被投诉人员（姓名或工号、窗口号）",
            "name the staff member",
            details={"field": "staff_name"},
        )
    subject = _text(subject, "subject", "请填写标题", "give a subject", minimum=2, maximum=100)
    content = _text(
        content, "content", "请写明投诉事实和诉求（至少5个字）", "describe what happened", minimum=5
    )
    key = idempotency_key.strip()[:64]

    def create() -> Complaint:
        moment = now()
        complaint = Complaint.objects.create(
            number=f"tmp-{os.urandom(8).hex()}",
            complainant=actor,
            target=target,
            case=case if target == Complaint.Target.CASE else None,
            department=department,
            staff_name=staff_name.strip()[:60],
            subject=subject,
            content=content,
            status=CStatus.SUBMITTED,
            submitted_at=moment,
            due_at=deadline_for(moment, complaint_days()),
            idempotency_key=key,
        )
        complaint.number = _number("TS", moment, complaint.pk)
        complaint.save(update_fields=["number"])
        _log(complaint, "submitted", actor=actor, at=moment, before=None)
        notices.complaint_to_staff(complaint, "complaints.complaint_new")
        return complaint

    return _idempotent(Complaint, "complainant", actor, key, create)


def _step(
    complaint: Complaint, actor: Any, action: str, allowed: tuple[str, ...], code: str, zh: str
) -> tuple[Complaint, dict[str, Any], datetime]:
    locked = _lock(Complaint, complaint, actor, action)
    if locked.status not in allowed:
        raise Conflict(code, zh, f"the complaint cannot be {action}ed now")
    return locked, {"status": locked.status, "due_at": locked.due_at}, now()


@transaction.atomic
def accept(*, actor: Any, complaint: Complaint, note: str = "") -> Complaint:
    complaint, before, moment = _step(
        complaint, actor, "accept", (CStatus.SUBMITTED,), "not_submitted", "该投诉已受理"
    )
    complaint.status = CStatus.ACCEPTED
    complaint.accepted_at = moment
    complaint.handled_by = actor
    complaint.save()
    _log(complaint, "accepted", actor=actor, at=moment, before=before, note=note.strip()[:2000])
    notices.complaint_to_complainant(complaint, "complaints.complaint_accepted")
    return complaint


@transaction.atomic
def reject(*, actor: Any, complaint: Complaint, reason: str) -> Complaint:
    """Not a complaint this department handles (不予受理), with the reason; the complainant may escalate."""
    complaint, before, moment = _step(
        complaint, actor, "reject", (CStatus.SUBMITTED,), "not_submitted", "该投诉已受理"
    )
    complaint.answer = _text(reason, "reason", "请写明不予受理的理由", "give the reason")
    complaint.answered_at = moment
    complaint.handled_by = actor
    complaint.status = CStatus.REJECTED
    complaint.save()
    _log(complaint, "rejected", actor=actor, at=moment, before=before, note=complaint.answer)
    notices.complaint_to_complainant(complaint, "complaints.complaint_answered")
    return complaint


@transaction.atomic
def answer(*, actor: Any, complaint: Complaint, finding: str, answer: str) -> Complaint:
    complaint, before, moment = _step(
        complaint, actor, "answer", (CStatus.ACCEPTED,), "not_accepted", "请先受理该投诉"
    )
    complaint.finding = _text(finding, "finding", "请填写调查核实情况", "record the investigation")
    complaint.answer = _text(answer, "answer", "请填写处理结果", "give the answer")
    complaint.answered_at = moment
    complaint.handled_by = actor
    complaint.status = CStatus.ANSWERED
    complaint.save()
    _log(complaint, "answered", actor=actor, at=moment, before=before, note=complaint.answer)
    notices.complaint_to_complainant(complaint, "complaints.complaint_answered")
    return complaint


@transaction.atomic
def confirm(*, actor: Any, complaint: Complaint, feedback: str = "") -> Complaint:
    complaint, before, moment = _step(
        complaint, actor, "confirm", (CStatus.ANSWERED,), "not_answered", "该投诉尚未答复"
    )
    complaint.feedback = feedback.strip()[:2000]
    complaint.closed_at = moment
    complaint.status = CStatus.CONFIRMED
    complaint.save()
    _log(complaint, "confirmed", actor=actor, at=moment, before=before, note=complaint.feedback)
    return complaint


@transaction.atomic
def escalate(*, actor: Any, complaint: Complaint, reason: str) -> Complaint:
    """The complainant objects to the answer (or to a refusal), or the deadline passed unanswered:
    the complaint goes to the supervisor of the department's region, with a new time limit."""
    complaint = _lock(Complaint, complaint, actor, "escalate")
    moment = now()
    late = complaint.status in (CStatus.SUBMITTED, CStatus.ACCEPTED) and moment > complaint.due_at
    if complaint.status not in (CStatus.ANSWERED, CStatus.REJECTED) and not late:
        raise Conflict(
            "cannot_escalate",
            "答复后不认可，或超过办理期限仍未答复的，才能提请监察",
            "a complaint goes to supervision after an answer you object to, or once its deadline passed",
        )
    before = {"status": complaint.status, "due_at": complaint.due_at}
    complaint.escalation_reason = _text(reason, "reason", "请写明不认可的理由", "say why")
    complaint.feedback = complaint.escalation_reason
    complaint.escalated_at = moment
    complaint.due_at = deadline_for(moment, complaint_days())
    complaint.status = CStatus.ESCALATED
    complaint.save()
    _log(complaint, "escalated", actor=actor, at=moment, before=before, note=complaint.escalation_reason)
    notices.complaint_to_supervisors(complaint, "complaints.complaint_escalated")
    return complaint


def object_to(*, actor: Any, complaint: Complaint, reason: str) -> Complaint:
    return escalate(actor=actor, complaint=complaint, reason=reason)


@transaction.atomic
def resolve(*, actor: Any, complaint: Complaint, opinion: str) -> Complaint:
    complaint, before, moment = _step(
        complaint, actor, "resolve", (CStatus.ESCALATED,), "not_escalated", "该投诉未提请监察"
    )
    complaint.supervisor_opinion = _text(opinion, "opinion", "请填写监察处理意见", "give the opinion")
    complaint.resolved_by = actor
    complaint.closed_at = moment
    complaint.status = CStatus.RESOLVED
    complaint.save()
    _log(complaint, "resolved", actor=actor, at=moment, before=before, note=complaint.supervisor_opinion)
    notices.complaint_to_complainant(complaint, "complaints.complaint_resolved")
    return complaint
