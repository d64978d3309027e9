"""Writes of the mailboxes: letters from submission to a reviewed reply and publication.

submitted ──assign──▶ assigned ──draft──▶ reviewing ──approve──▶ replied ──publish (with consent)
   (department mailboxes start at assigned)   ▲        │return
                                              └────────┘

Every step is one transaction: it locks the letter row, writes a timeline event and an audit event
and the notifications.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.calendar import SHANGHAI, deadline_for, working_days_between
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.identity.models import Department, User
from govhall.mailbox import notices
from govhall.mailbox.models import Letter, LetterEvent, Mailbox, ReplyDraft
from govhall.mailbox.redact import redact

Status = Letter.Status
MAX_CONTENT = 5000
MAX_SUBJECT = 120


def _forbidden() -> PermissionDenied:
    return PermissionDenied("forbidden", "您无权办理该来信", "you may not do this on this letter", status=403)


def snapshot(letter: Letter) -> dict[str, Any]:
    return {
        "number": letter.number,
        "status": letter.status,
        "handling_department": letter.handling_department_id,
        "due_at": letter.due_at,
        "replied_at": letter.replied_at,
        "replied_late": letter.replied_late,
        "published_at": letter.published_at,
    }


def _lock(letter: Letter, actor: Any, action: str) -> Letter:
    locked = (
        Letter.objects.select_for_update(of=("self",))
        .select_related("mailbox", "mailbox__department", "handling_department", "writer")
        .get(pk=letter.pk)
    )
    if not permissions.can_act(actor, locked, action):
        raise _forbidden()
    return locked


def _log(
    letter: Letter,
    kind: str,
    *,
    actor: Any,
    at: datetime,
    before: dict[str, Any] | None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    LetterEvent.objects.create(
        letter=letter,
        kind=kind,
        at=at,
        actor=actor if isinstance(actor, User) else None,
        note=note,
        data=data or {},
    )
    record_event(
        actor=actor,
        action=f"mailbox.letter_{kind}",
        obj=letter,
        before=before,
        after={**snapshot(letter), "note": note, **({"data": data} if data else {})},
    )


def _new_number(moment: datetime) -> str:
    return f"XX{moment.astimezone(SHANGHAI):%Y%m%d}{secrets.randbelow(10**8):08d}"


def _required(value: str, field: str, label_zh: str, label_en: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise DomainError(
            f"{field}_required", f"请填写{label_zh}", f"{label_en} is required", details={"field": field}
        )
    if len(value) > limit:
        raise DomainError(
            f"{field}_too_long",
            f"{label_zh}不能超过{limit}个字",
            f"{label_en} is longer than {limit} characters",
            details={"field": field},
        )
    return value


def submit_letter(
    *,
    actor: Any,
    mailbox: Mailbox,
    category: str,
    subject: str,
    content: str,
    consent_publish: bool = False,
    idempotency_key: str = "",
    at: datetime | None = None,
) -> Letter:
    """A citizen or enterprise writes to a mailbox; retrying with the same key returns the same letter."""
    if not permissions.is_authenticated(actor) or actor.kind == User.Kind.STAFF:
        raise PermissionDenied(
            "writers_only",
            "请使用个人或法人账号写信",
            "letters are written from a citizen or enterprise account",
        )
    key = idempotency_key.strip()[:64]
    if key:
        existing = Letter.objects.filter(writer=actor, idempotency_key=key).first()
        if existing is not None:
            return existing
    if not mailbox.is_active or not mailbox.department.is_active:
        raise DomainError("mailbox_closed", "该信箱暂停受理来信", "this mailbox does not take letters")
    if category not in Letter.Category.values:
        raise DomainError(
            "invalid_category", "请选择来信类别", "choose a category", details={"field": "category"}
        )
    subject = _required(subject, "subject", "来信标题", "the subject", MAX_SUBJECT)
    content = _required(content, "content", "来信内容", "the content", MAX_CONTENT)
    moment = at or timezone.now()
    department_box = mailbox.kind == Mailbox.Kind.DEPARTMENT
    try:
        with transaction.atomic():
            letter = Letter.objects.create(
                number=_new_number(moment),
                mailbox=mailbox,
                writer=actor,
                writer_name=str(actor)[:100],
                category=category,
                subject=subject,
                content=content,
                consent_publish=bool(consent_publish),
                idempotency_key=key,
                status=Status.ASSIGNED if department_box else Status.SUBMITTED,
                handling_department=mailbox.department if department_box else None,
                submitted_at=moment,
                assigned_at=moment if department_box else None,
                due_at=deadline_for(moment, mailbox.reply_days),
            )
            _log(letter, "submitted", actor=actor, at=moment, before=None)
            notices.to_writer(letter, "mailbox.letter_submitted")
            event = "mailbox.letter_assigned" if department_box else "mailbox.letter_new"
            notices.to_staff(letter, event, mailbox.department_id)
    except IntegrityError:
        if key:
            existing = Letter.objects.filter(writer=actor, idempotency_key=key).first()
            if existing is not None:
                return existing
        raise
    return letter


@transaction.atomic
def assign_letter(
    *, actor: Any, letter: Letter, department: Department, note: str = "", at: datetime | None = None
) -> Letter:
    """The office hands a letter to a department (or to another one, before a reply is under review)."""
    letter = _lock(letter, actor, "assign")
    if letter.status not in (Status.SUBMITTED, Status.ASSIGNED):
        raise Conflict("cannot_assign", "该来信当前不能分办", "the letter cannot be assigned now")
    if not department.is_active:
        raise DomainError("inactive_department", "该部门已停用", "that department is inactive")
    if letter.handling_department_id == department.pk:
        raise Conflict(
            "already_assigned", "该来信已由该部门办理", "the letter is already with that department"
        )
    before = snapshot(letter)
    moment = at or timezone.now()
    letter.handling_department = department
    letter.assigned_at = moment
    letter.status = Status.ASSIGNED
    letter.save(update_fields=["handling_department", "assigned_at", "status"])
    _log(
        letter,
        "assigned",
        actor=actor,
        at=moment,
        before=before,
        note=note,
        data={"department": department.name},
    )
    notices.to_staff(letter, "mailbox.letter_assigned", department.pk)
    return letter


@transaction.atomic
def draft_reply(*, actor: Any, letter: Letter, text: str, at: datetime | None = None) -> ReplyDraft:
    """The handling department drafts a reply and sends it for review."""
    letter = _lock(letter, actor, "draft")
    if letter.status != Status.ASSIGNED:
        raise Conflict("cannot_draft", "该来信当前不能拟写答复", "a reply cannot be drafted now")
    text = _required(text, "text", "答复内容", "the reply", MAX_CONTENT)
    before = snapshot(letter)
    moment = at or timezone.now()
    assert letter.handling_department is not None
    draft = ReplyDraft.objects.create(
        letter=letter, department=letter.handling_department, text=text, author=actor, created_at=moment
    )
    letter.status = Status.REVIEWING
    letter.save(update_fields=["status"])
    _log(letter, "drafted", actor=actor, at=moment, before=before, data={"draft": draft.pk})
    notices.to_staff(letter, "mailbox.reply_to_review", letter.handling_department.pk, heads=True)
    return draft


@transaction.atomic
def review_reply(
    *, actor: Any, letter: Letter, approve: bool, note: str = "", at: datetime | None = None
) -> Letter:
    """A head approves the pending draft (the reply is sent) or returns it; never their own draft."""
    letter = _lock(letter, actor, "review")
    draft = (
        ReplyDraft.objects.select_for_update().filter(letter=letter, status=ReplyDraft.Status.PENDING).first()
    )
    if letter.status != Status.REVIEWING or draft is None:
        raise Conflict("nothing_to_review", "该来信没有待审核的答复", "no reply waits for review")
    if draft.author_id == actor.pk:
        raise Conflict("own_draft", "不能审核本人拟写的答复", "you may not review your own draft")
    if not approve and not note.strip():
        raise DomainError(
            "note_required", "退回修改请写明意见", "say why the draft is returned", details={"field": "note"}
        )
    before = snapshot(letter)
    moment = at or timezone.now()
    draft.status = ReplyDraft.Status.APPROVED if approve else ReplyDraft.Status.RETURNED
    draft.reviewer = actor
    draft.reviewed_at = moment
    draft.review_note = note.strip()
    draft.save(update_fields=["status", "reviewer", "reviewed_at", "review_note"])
    if approve:
        letter.status = Status.REPLIED
        letter.reply_text = draft.text
        letter.replied_at = moment
        letter.replied_late = moment > letter.due_at
        letter.reply_working_days = max(
            0,
            working_days_between(
                letter.submitted_at.astimezone(SHANGHAI).date(), moment.astimezone(SHANGHAI).date()
            ),
        )
        letter.save(
            update_fields=["status", "reply_text", "replied_at", "replied_late", "reply_working_days"]
        )
        _log(letter, "replied", actor=actor, at=moment, before=before, note=note, data={"draft": draft.pk})
        notices.to_writer(letter, "mailbox.letter_replied")
    else:
        letter.status = Status.ASSIGNED
        letter.save(update_fields=["status"])
        _log(letter, "returned", actor=actor, at=moment, before=before, note=note, data={"draft": draft.pk})
        assert letter.handling_department_id is not None
        notices.to_staff(letter, "mailbox.reply_returned", letter.handling_department_id, note=note)
    return letter


@transaction.atomic
def publish_letter(
    *,
    actor: Any,
    letter: Letter,
    public_subject: str = "",
    public_content: str = "",
    public_reply: str = "",
    at: datetime | None = None,
) -> Letter:
    """The office publishes a replied letter whose writer agreed, personal details removed."""
    letter = _lock(letter, actor, "publish")
    if letter.status != Status.REPLIED:
        raise Conflict("not_replied", "来信答复后才能公开", "only replied letters are published")
    if not letter.consent_publish:
        raise Conflict("no_consent", "来信人不同意公开，不能公开", "the writer did not agree to publication")
    if letter.published_at is not None:
        raise Conflict("already_published", "该来信已公开", "the letter is already published")
    names = (letter.writer_name, letter.writer.display_name)
    before = snapshot(letter)
    moment = at or timezone.now()
    letter.public_subject = redact(public_subject.strip() or letter.subject, names=names)[:MAX_SUBJECT]
    letter.public_content = redact(public_content.strip() or letter.content, names=names)
    letter.public_reply = redact(public_reply.strip() or letter.reply_text, names=names)
    letter.published_at = moment
    letter.save(update_fields=["public_subject", "public_content", "public_reply", "published_at"])
    _log(letter, "published", actor=actor, at=moment, before=before)
    return letter


@transaction.atomic
def unpublish_letter(*, actor: Any, letter: Letter, note: str, at: datetime | None = None) -> Letter:
    """The office takes a published letter off the public list (the writer withdrew consent, …)."""
    letter = _lock(letter, actor, "publish")
    if letter.published_at is None:
        raise Conflict("not_published", "该来信未公开", "the letter is not published")
    before = snapshot(letter)
    letter.published_at = None
    letter.save(update_fields=["published_at"])
    _log(letter, "unpublished", actor=actor, at=at or timezone.now(), before=before, note=note)
    return letter
