"""What consultations and complaints tell people: in-site messages written in the changing transaction."""

from __future__ import annotations

from typing import Any

from govhall.complaints.models import Complaint, Consultation
from govhall.identity.models import Role, User
from govhall.notifications import events
from govhall.notifications.events import SITE, EventSpec
from govhall.ratings.permissions import HANDLING, WORKING

COMPLAINT_EVENTS = (
    EventSpec("complaints.consultation_new", "新的咨询（{{ number }}）"),
    EventSpec("complaints.consultation_answered", "您的咨询已答复（{{ number }}）"),
    EventSpec("complaints.complaint_new", "新的投诉（{{ number }}）"),
    EventSpec("complaints.complaint_accepted", "您的投诉已受理（{{ number }}）"),
    EventSpec("complaints.complaint_answered", "您的投诉已答复（{{ number }}）"),
    EventSpec("complaints.complaint_escalated", "投诉提请监察（{{ number }}）"),
    EventSpec("complaints.complaint_resolved", "您的投诉监察处理结果（{{ number }}）"),
)


def register_events() -> None:
    for spec in COMPLAINT_EVENTS:
        events.EVENTS.setdefault(spec.key, spec)


def _notify(recipients: Any, obj: Consultation | Complaint, event: str, link: str) -> None:
    from govhall.notifications.services import notify

    notify(
        recipients=recipients,
        event=event,
        context={
            "number": obj.number,
            "subject": obj.subject,
            "department": obj.department.name,
            "due": obj.due_at,
        },
        channels=[SITE],
        link=link,
        related=obj,
    )


def consultation_link(consultation: Consultation) -> str:
    return f"/interaction/consultations/{consultation.number}/"


def complaint_link(complaint: Complaint) -> str:
    return f"/interaction/complaints/{complaint.number}/"


def _staff(department_id: int, roles: frozenset[str]) -> Any:
    return User.objects.filter(
        is_active=True, memberships__department_id=department_id, memberships__role__in=roles
    ).distinct()


def consultation_to_staff(consultation: Consultation, event: str) -> None:
    _notify(_staff(consultation.department_id, WORKING), consultation, event, consultation_link(consultation))


def consultation_to_asker(consultation: Consultation, event: str) -> None:
    _notify([consultation.asker], consultation, event, consultation_link(consultation))


def complaint_to_staff(complaint: Complaint, event: str) -> None:
    _notify(_staff(complaint.department_id, HANDLING), complaint, event, complaint_link(complaint))


def complaint_to_complainant(complaint: Complaint, event: str) -> None:
    _notify([complaint.complainant], complaint, event, complaint_link(complaint))


def complaint_to_supervisors(complaint: Complaint, event: str) -> None:
    path = complaint.department.region.path
    rows = User.objects.filter(is_active=True, memberships__role=Role.SUPERVISOR).values_list(
        "pk", "memberships__department__region__path"
    )
    ids = {pk for pk, outer in rows if outer and path.startswith(outer)}
    _notify(User.objects.filter(pk__in=ids), complaint, event, complaint_link(complaint))
