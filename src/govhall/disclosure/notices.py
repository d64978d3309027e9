"""What disclosure tells people, and what it reports to electronic supervision.

The notification events are added to the notifications app's table when the app loads (their body
templates are under this app's ``templates/notifications/events/``); messages are written in the
transaction that changes the request, like every other notification.

Supervision: when the supervision app offers a rule registry, an "information request overdue" rule
is registered with it; the facts it reads are recorded here in any case (the request's
``overdue_noted_for`` column, an ``overdue`` timeline event and the audit event
``disclosure.request_overdue``).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import Any

from django.db.models import QuerySet

from govhall.core.calendar import SHANGHAI
from govhall.disclosure.models import InformationRequest
from govhall.disclosure.permissions import REVIEWING
from govhall.identity.models import User
from govhall.notifications import events
from govhall.notifications.events import SITE, EventSpec

logger = logging.getLogger(__name__)

_APPLICANT = (events.SITE, events.EMAIL, events.SMS)

DISCLOSURE_EVENTS = (
    EventSpec(
        "disclosure.request_submitted", "政府信息公开申请已提交（{{ number }}）", (events.SITE, events.EMAIL)
    ),
    EventSpec(
        "disclosure.request_received",
        "政府信息公开申请已收到（{{ number }}）",
        _APPLICANT,
        "GH_GK_RECEIVED",
        "您的政府信息公开申请{number}已于{received}收到，答复期限{due}。",
        ("number", "received", "due"),
    ),
    EventSpec(
        "disclosure.correction_requested",
        "请补正政府信息公开申请（{{ number }}）",
        _APPLICANT,
        "GH_GK_CORRECTION",
        "您的政府信息公开申请{number}需要补正，请于{due}前登录查看并提交。",
        ("number", "due"),
    ),
    EventSpec(
        "disclosure.request_extended",
        "政府信息公开申请答复期限延长（{{ number }}）",
        _APPLICANT,
        "GH_GK_EXTENDED",
        "您的政府信息公开申请{number}答复期限延长至{due}。",
        ("number", "due"),
    ),
    EventSpec(
        "disclosure.request_answered",
        "政府信息公开申请已答复（{{ number }}）",
        _APPLICANT,
        "GH_GK_ANSWERED",
        "您的政府信息公开申请{number}已答复：{answer}，请登录查看。",
        ("number", "answer"),
    ),
    EventSpec(
        "disclosure.request_closed", "政府信息公开申请已终止（{{ number }}）", (events.SITE, events.EMAIL)
    ),
    # Staff: in-site only.
    EventSpec("disclosure.request_new", "新的政府信息公开申请（{{ number }}）"),
    EventSpec("disclosure.request_overdue", "政府信息公开申请已超期（{{ number }}）"),
)


def register_events() -> None:
    for spec in DISCLOSURE_EVENTS:
        events.EVENTS.setdefault(spec.key, spec)


def _local(moment: Any) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d") if moment else ""


def context(request: InformationRequest, **extra: Any) -> dict[str, Any]:
    return {
        "number": request.number,
        "applicant": request.applicant_name,
        "department": request.department.name,
        "received": _local(request.received_at),
        "due": _local(request.due_at),
        "correction_due": _local(request.correction_due_at),
        "content": request.content[:60],
        **extra,
    }


def link_for_applicant(request: InformationRequest) -> str:
    return f"/disclosure/my/requests/{request.number}/"


def link_for_staff(request: InformationRequest) -> str:
    return f"/disclosure/staff/requests/{request.number}/"


def department_handlers(request: InformationRequest) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__department_id=request.department_id, memberships__role__in=REVIEWING
    ).distinct()


def to_applicant(request: InformationRequest, event: str, **extra: Any) -> None:
    from govhall.notifications.services import notify

    notify(
        recipients=[request.applicant],
        event=event,
        context=context(request, **extra),
        link=link_for_applicant(request),
        related=request,
    )


def to_staff(request: InformationRequest, event: str, **extra: Any) -> None:
    from govhall.notifications.services import notify

    notify(
        recipients=department_handlers(request),
        event=event,
        context=context(request, **extra),
        channels=[SITE],
        link=link_for_staff(request),
        related=request,
    )


# --- Electronic supervision -----------------------------------------------------------------------


RULES_MODULE = "govhall.disclosure.supervision_rules"


def register_supervision_rules() -> bool:
    """Plug the overdue rule into the supervision app's registry when that app is installed."""
    from django.apps import apps

    if not apps.is_installed("govhall.supervision") or importlib.util.find_spec(RULES_MODULE) is None:
        return False
    try:
        importlib.import_module(RULES_MODULE).register()
    except Exception:  # a changed registry must not stop the site from starting
        logger.exception("could not register the disclosure rules with supervision")
        return False
    return True
