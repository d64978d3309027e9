"""What the mailboxes tell people, and their rule in electronic supervision.

Messages are written in the transaction that changes the letter. The "letter reply overdue" rule
is registered with the supervision app's registry when that app is installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import Any

from django.db.models import QuerySet

from govhall.core.calendar import SHANGHAI
from govhall.identity.models import User
from govhall.mailbox.models import Letter
from govhall.mailbox.permissions import HEADS, WORKING
from govhall.notifications import events
from govhall.notifications.events import SITE, EventSpec

logger = logging.getLogger(__name__)

MAILBOX_EVENTS = (
    EventSpec("mailbox.letter_submitted", "来信已提交（{{ number }}）", (events.SITE, events.EMAIL)),
    EventSpec(
        "mailbox.letter_replied",
        "您的来信已答复（{{ number }}）",
        (events.SITE, events.EMAIL, events.SMS),
        "GH_XX_REPLIED",
        "您的来信{number}已由{department}答复，请登录查看。",
        ("number", "department"),
    ),
    EventSpec("mailbox.letter_new", "新的来信待分办（{{ number }}）"),
    EventSpec("mailbox.letter_assigned", "来信已交办本部门（{{ number }}）"),
    EventSpec("mailbox.reply_to_review", "来信答复待审核（{{ number }}）"),
    EventSpec("mailbox.reply_returned", "来信答复被退回修改（{{ number }}）"),
)


def register_events() -> None:
    for spec in MAILBOX_EVENTS:
        events.EVENTS.setdefault(spec.key, spec)


def _local(moment: Any) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d") if moment else ""


def context(letter: Letter, **extra: Any) -> dict[str, Any]:
    department = letter.handling_department or letter.mailbox.department
    return {
        "number": letter.number,
        "writer": letter.writer_name,
        "mailbox": letter.mailbox.name,
        "subject": letter.subject,
        "department": department.name,
        "due": _local(letter.due_at),
        **extra,
    }


def staff_of(department_id: int, roles: frozenset[str] = WORKING) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__department_id=department_id, memberships__role__in=roles
    ).distinct()


def to_writer(letter: Letter, event: str, **extra: Any) -> None:
    from govhall.notifications.services import notify

    notify(
        recipients=[letter.writer],
        event=event,
        context=context(letter, **extra),
        link=f"/mailbox/my/{letter.number}/",
        related=letter,
    )


def to_staff(letter: Letter, event: str, department_id: int, *, heads: bool = False, **extra: Any) -> None:
    from govhall.notifications.services import notify

    notify(
        recipients=staff_of(department_id, HEADS if heads else WORKING),
        event=event,
        context=context(letter, **extra),
        channels=[SITE],
        link=f"/mailbox/staff/letters/{letter.number}/",
        related=letter,
    )


RULES_MODULE = "govhall.mailbox.supervision_rules"


def register_supervision_rules() -> bool:
    """Plug the overdue rule into the supervision app's registry when that app is installed."""
    from django.apps import apps

    if not apps.is_installed("govhall.supervision") or importlib.util.find_spec(RULES_MODULE) is None:
        return False
    try:
        importlib.import_module(RULES_MODULE).register()
    except Exception:  # a changed registry must not stop the site from starting
        logger.exception("could not register the mailbox rules with supervision")
        return False
    return True
