"""/api/v1/mailbox/: the mailboxes, published letters, writing a letter and one's own letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Header, Router, Schema, Status

from govhall.core.api import ErrorOut
from govhall.mailbox import selectors, services
from govhall.mailbox.models import Letter
from govhall.mailbox.redact import mask_name

router = Router(tags=["信箱 mailbox"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422)}


class MailboxOut(Schema):
    code: str
    name: str
    kind: str
    department: str
    reply_days: int


class PublishedLetterOut(Schema):
    number: str
    mailbox: str
    category: str
    subject: str
    content: str
    writer: str
    submitted_at: datetime
    reply: str
    replied_by: str
    replied_at: datetime | None


class LetterIn(Schema):
    mailbox: str
    category: str
    subject: str
    content: str
    consent_publish: bool = False


class LetterOut(Schema):
    number: str
    mailbox: str
    category: str
    subject: str
    content: str
    status: str
    handling_department: str | None
    submitted_at: datetime
    due_at: datetime
    reply: str | None
    replied_at: datetime | None
    published: bool


def _published(letter: Letter) -> PublishedLetterOut:
    department = letter.handling_department or letter.mailbox.department
    return PublishedLetterOut(
        number=letter.number,
        mailbox=letter.mailbox.name,
        category=letter.category,
        subject=letter.public_subject,
        content=letter.public_content,
        writer=mask_name(letter.writer_name),
        submitted_at=letter.submitted_at,
        reply=letter.public_reply,
        replied_by=department.name,
        replied_at=letter.replied_at,
    )


def _mine(letter: Letter) -> LetterOut:
    replied = letter.status == Letter.Status.REPLIED
    return LetterOut(
        number=letter.number,
        mailbox=letter.mailbox.name,
        category=letter.category,
        subject=letter.subject,
        content=letter.content,
        # The writer sees "in progress" while the department's reply is under review.
        status=Letter.Status.ASSIGNED if letter.status == Letter.Status.REVIEWING else letter.status,
        handling_department=letter.handling_department.name if letter.handling_department else None,
        submitted_at=letter.submitted_at,
        due_at=letter.due_at,
        reply=letter.reply_text if replied else None,
        replied_at=letter.replied_at,
        published=letter.published_at is not None,
    )


@router.get("/mailboxes", response=list[MailboxOut], auth=None, summary="信箱列表 Mailboxes")
def mailboxes(request: HttpRequest) -> list[MailboxOut]:
    return [
        MailboxOut(
            code=b.code, name=b.name, kind=b.kind, department=b.department.name, reply_days=b.reply_days
        )
        for b in selectors.active_mailboxes()
    ]


@router.get("/letters", response=list[PublishedLetterOut], auth=None, summary="公开来信 Published letters")
def published_letters(
    request: HttpRequest, mailbox: str = "", category: str = ""
) -> list[PublishedLetterOut]:
    box = selectors.mailbox(mailbox) if mailbox else None
    letters = selectors.published_letters(mailbox=box, category=category)
    return [_published(letter) for letter in letters[:100]]


@router.post("/my/letters", response={201: LetterOut, **ERRORS}, summary="写信 Write a letter")
def write(
    request: HttpRequest, payload: LetterIn, idempotency_key: str = Header("", alias="Idempotency-Key")
) -> Status:
    """Send an ``Idempotency-Key`` header: a retry with the same key returns the first letter."""
    letter = services.submit_letter(
        actor=request.auth,  # type: ignore[attr-defined]
        mailbox=selectors.mailbox(payload.mailbox),
        category=payload.category,
        subject=payload.subject,
        content=payload.content,
        consent_publish=payload.consent_publish,
        idempotency_key=idempotency_key,
    )
    return Status(201, _mine(letter))


@router.get("/my/letters", response={200: list[LetterOut], **ERRORS}, summary="我的来信 My letters")
def my_letters(request: HttpRequest) -> list[LetterOut]:
    return [_mine(letter) for letter in selectors.my_letters(request.auth)[:200]]  # type: ignore[attr-defined]
