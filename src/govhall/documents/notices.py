"""What the documents app tells people, and the sign-for rule it gives electronic supervision.

Messages are in-site only (official documents are not announced by e-mail or SMS) and are written
in the transaction that makes the change. A send writes every receiving unit's messages with one
``notify`` call, so a thousand units are one bulk insert.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from govhall.core.calendar import SHANGHAI
from govhall.documents.models import Distribution, Document
from govhall.documents.permissions import LEADERS, REVIEWING, reader_roles
from govhall.identity.models import User
from govhall.notifications import events
from govhall.notifications.events import SITE, EventSpec

logger = logging.getLogger(__name__)

DOCUMENT_EVENTS = (
    EventSpec("documents.countersign_requested", "请会签：{{ title }}"),
    EventSpec("documents.signoff_requested", "请签发：{{ title }}"),
    EventSpec("documents.returned_for_revision", "公文退回修改：{{ title }}"),
    EventSpec("documents.received", "收文待签收：{{ number }} {{ title }}"),
    EventSpec("documents.returned", "收文单位退回：{{ number }}（{{ unit }}）"),
    EventSpec("documents.sign_reminder", "催收：请签收 {{ number }}"),
)


def register_events() -> None:
    for spec in DOCUMENT_EVENTS:
        events.EVENTS.setdefault(spec.key, spec)


def local(moment: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(SHANGHAI).strftime(fmt) if moment else ""


def context(document: Document, **extra: Any) -> dict[str, Any]:
    return {
        "title": document.title,
        "number": document.document_number or "",
        "sender": document.department.name,
        "kind": document.get_kind_display(),
        "urgency": document.get_urgency_display() if document.urgency else "",
        "secrecy": document.get_secrecy_display() if document.secrecy else "",
        **extra,
    }


def staff_of(department_ids: Iterable[int], roles: Iterable[str]) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        memberships__department_id__in=list(department_ids),
        memberships__role__in=list(roles),
        memberships__department__is_active=True,
    ).distinct()


def _notify(recipients: Iterable[Any], event: str, ctx: dict[str, Any], link: str, related: Any) -> None:
    from govhall.notifications.services import notify

    notify(recipients=recipients, event=event, context=ctx, channels=[SITE], link=link, related=related)


def document_link(document: Document) -> str:
    return f"/documents/{document.pk}/"


def copy_link(document: Document) -> str:
    return f"/documents/inbox/{document.pk}/"


def to_countersigners(document: Document, department_ids: Iterable[int]) -> None:
    _notify(
        staff_of(department_ids, REVIEWING),
        "documents.countersign_requested",
        context(document),
        document_link(document),
        document,
    )


def to_leaders(document: Document) -> None:
    _notify(
        staff_of([document.department_id], LEADERS),
        "documents.signoff_requested",
        context(document),
        document_link(document),
        document,
    )


def to_drafter(document: Document, reason: str) -> None:
    _notify(
        [document.drafted_by],
        "documents.returned_for_revision",
        context(document, reason=reason),
        document_link(document),
        document,
    )


def to_units(document: Document, unit_ids: list[int], event: str, **extra: Any) -> None:
    """One message per reader of every unit, in one bulk insert."""
    _notify(
        staff_of(unit_ids, reader_roles(document.secrecy)).order_by("pk"),
        event,
        context(document, **extra),
        copy_link(document),
        document,
    )


def to_sender(document: Document, copy: Distribution, event: str, **extra: Any) -> None:
    from govhall.documents.permissions import WORKING

    _notify(
        staff_of([document.department_id], WORKING),
        event,
        context(document, unit=copy.unit.name, **extra),
        f"/documents/{document.pk}/tracking/",
        document,
    )


# --- Electronic supervision -----------------------------------------------------------------------

RULES_MODULE = "govhall.documents.supervision_rules"


def register_supervision_rules() -> bool:
    """Plug the sign-for rule into the supervision app's registry when that app is installed."""
    from django.apps import apps

    if not apps.is_installed("govhall.supervision") or importlib.util.find_spec(RULES_MODULE) is None:
        return False
    try:
        importlib.import_module(RULES_MODULE).register()
    except Exception:  # a changed registry must not stop the site from starting
        logger.exception("could not register the documents rules with supervision")
        return False
    return True
