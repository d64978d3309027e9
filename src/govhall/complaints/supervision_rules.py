"""Consultations and complaints under electronic supervision (see :mod:`govhall.supervision.registry`).

Two rules on the stored deadlines, with the evaluator shape of :mod:`govhall.ratings.supervision_rules`:
"咨询答复超期" (a consultation not answered by ``due_at``: submission + N working days, default 5)
and "投诉办理超期" (a complaint not answered by its department by ``due_at``: submission + N working
days, default 10; once escalated, the supervisor's own limit from the escalation).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from govhall.complaints.models import RUNNING_COMPLAINT, Complaint, Consultation, InteractionEvent
from govhall.core.calendar import SHANGHAI
from govhall.ratings.supervision_rules import DeadlineEvaluator
from govhall.supervision import registry
from govhall.supervision.models import Level
from govhall.supervision.registry import WORKING_DAYS, RuleSpec

CONSULTATION_OVERDUE = "consultation_overdue"
COMPLAINT_OVERDUE = "complaint_overdue"

SPECS = [
    RuleSpec(
        CONSULTATION_OVERDUE,
        "咨询答复超期",
        "consultation answer overdue",
        "complaints.consultation",
        Level.WARNING,
        0,
        WORKING_DAYS,
        "宽限（工作日）",
        "网上咨询超过答复期限（默认提交后5个工作日）仍未答复，或超期后才答复。",
    ),
    RuleSpec(
        COMPLAINT_OVERDUE,
        "投诉办理超期",
        "complaint overdue",
        "complaints.complaint",
        Level.YELLOW,
        0,
        WORKING_DAYS,
        "宽限（工作日）",
        "投诉超过办理期限（默认提交后10个工作日；提请监察后自提请之日重新计算）仍未答复，或超期后才答复。",
    ),
]


def _changed(field: str, since: datetime | None) -> set[int]:
    qs = InteractionEvent.objects.filter(**{f"{field}__isnull": False}).exclude(kind="submitted")
    if since is not None:
        qs = qs.filter(at__gte=since)
    return set(qs.order_by().values_list(f"{field}_id", flat=True).distinct())


def _day(moment: datetime) -> str:
    day = moment.astimezone(SHANGHAI).date()
    return f"{day.year}年{day.month}月{day.day}日"


def _complaint_done(row: dict[str, Any]) -> datetime | None:
    if row["status"] == Complaint.Status.RESOLVED:
        return row["closed_at"]
    if row["escalated_at"] is not None:
        return None  # the department's part ended with the escalation; its lateness was judged then
    return row["answered_at"]


CONSULTATIONS = DeadlineEvaluator(
    name="complaints_consultations",
    kind=CONSULTATION_OVERDUE,
    subject="complaints.consultation",
    model=Consultation,
    running=(Consultation.Status.SUBMITTED,),
    fields=("number", "answered_at"),
    done_at=lambda row: row["answered_at"],
    changed_ids=lambda since: _changed("consultation", since),
    title=lambda row, how: f"咨询 {row['number']} 超过答复期限（{_day(row['due_at'])}）{how}",
)

COMPLAINTS = DeadlineEvaluator(
    name="complaints_complaints",
    kind=COMPLAINT_OVERDUE,
    subject="complaints.complaint",
    model=Complaint,
    running=tuple(RUNNING_COMPLAINT),
    fields=("number", "answered_at", "closed_at", "escalated_at"),
    done_at=_complaint_done,
    changed_ids=lambda since: _changed("complaint", since),
    title=lambda row, how: f"投诉 {row['number']} 超过办理期限（{_day(row['due_at'])}）{how}",
)


def register() -> None:
    for spec in SPECS:
        registry.register_rule(spec)
    registry.register_evaluator(CONSULTATIONS)
    registry.register_evaluator(COMPLAINTS)
