"""What ratings tell people: in-site messages written in the changing transaction."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from govhall.identity.models import Role, User
from govhall.notifications import events
from govhall.notifications.events import SITE, EventSpec
from govhall.ratings.models import Rectification
from govhall.ratings.permissions import HANDLING

RATING_EVENTS = (
    EventSpec("ratings.rectification_new", "收到差评，请回访整改（{{ department }}）"),
    EventSpec("ratings.rater_contacted", "{{ department }}已就您的评价回访"),
    EventSpec("ratings.rectified", "{{ department }}已提交整改结果，请确认"),
    EventSpec("ratings.appeal_new", "差评申诉待复核（{{ department }}）"),
    EventSpec("ratings.appeal_decided", "差评申诉复核结果：{{ decision }}"),
)


def register_events() -> None:
    for spec in RATING_EVENTS:
        events.EVENTS.setdefault(spec.key, spec)


def _context(rectification: Rectification, **extra: Any) -> dict[str, Any]:
    rating = rectification.rating
    return {
        "department": rectification.department.name,
        "level": rating.level_zh,
        "comment": rating.comment[:80],
        "due": rectification.due_at,
        "decision": rectification.get_status_display().split(" ")[0],
        **extra,
    }


def link(rectification: Rectification) -> str:
    return f"/ratings/rectifications/{rectification.pk}/"


def _handlers(rectification: Rectification) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__department_id=rectification.department_id, memberships__role__in=HANDLING
    ).distinct()


def _send(recipients: Any, rectification: Rectification, event: str) -> None:
    from govhall.notifications.services import notify

    notify(
        recipients=recipients,
        event=event,
        context=_context(rectification),
        channels=[SITE],
        link=link(rectification),
        related=rectification,
    )


def to_staff(rectification: Rectification, event: str) -> None:
    _send(_handlers(rectification), rectification, event)


def to_rater(rectification: Rectification, event: str) -> None:
    rater = rectification.rating.rater
    if rater is not None:
        _send([rater], rectification, event)


def to_supervisors(rectification: Rectification, event: str) -> None:
    path = rectification.department.region.path
    people = User.objects.filter(is_active=True, memberships__role=Role.SUPERVISOR).values_list(
        "pk", "memberships__department__region__path"
    )
    ids = {pk for pk, outer in people if outer and path.startswith(outer)}
    _send(User.objects.filter(pk__in=ids), rectification, event)
