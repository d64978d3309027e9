"""The deadline sweep: records on each case's timeline, once, that its deadline is near or past.

Supervision reads these facts (timeline kinds ``deadline_approaching``, ``overdue`` and
``task_overdue``) instead of recomputing deadlines. The sweep loads only what is due, through the
partial indexes on ``Case.promised_deadline`` (cases whose clock runs) and ``Task.due_at`` (open
tasks); a marker column holding the deadline a fact was recorded for makes each fact happen once
per deadline — a deadline moved by a supplement or a special procedure is a new deadline.

"Approaching" means the promised deadline ends today or on the next working day (at most one
working day left); a case found already past its deadline gets only the overdue fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from govhall.cases import deadlines, notify
from govhall.cases.models import Case, Task
from govhall.cases.transitions import lock_case, log
from govhall.core.calendar import deadline_for

# Statuses in which the clock runs towards the promised deadline (decided cases still owe 办结).
RUNNING = (Case.Status.ACCEPTED, Case.Status.IN_REVIEW, Case.Status.APPROVED, Case.Status.DENIED)
OPEN_TASK = (Task.Status.OPEN, Task.Status.CLAIMED)
BATCH = 500


@dataclass(frozen=True)
class SweepReport:
    approaching: int
    overdue: int
    tasks_overdue: int

    def as_dict(self) -> dict[str, Any]:
        return {"approaching": self.approaching, "overdue": self.overdue, "tasks_overdue": self.tasks_overdue}


def _not_noted(field: str, deadline_field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | ~Q(**{field: F(deadline_field)})


def due_soon(now: datetime) -> Q:
    return Q(
        status__in=RUNNING, promised_deadline__gt=now, promised_deadline__lte=deadline_for(now, 1)
    ) & _not_noted("due_soon_noted_for", "promised_deadline")


def overdue(now: datetime) -> Q:
    return Q(status__in=RUNNING, promised_deadline__lte=now) & _not_noted(
        "overdue_noted_for", "promised_deadline"
    )


def task_overdue(now: datetime) -> Q:
    return Q(status__in=OPEN_TASK, due_at__lte=now) & _not_noted("overdue_noted_for", "due_at")


def sweep_deadlines(*, now: datetime | None = None, batch: int = BATCH) -> SweepReport:
    """Record every newly approaching or passed deadline; at most ``batch`` of each kind per run."""
    now = now or deadlines.now()
    approaching = [
        pk
        for pk in Case.objects.filter(due_soon(now))
        .order_by("promised_deadline")
        .values_list("pk", flat=True)[:batch]
        if _note_case(pk, now, kind="deadline_approaching")
    ]
    passed = [
        pk
        for pk in Case.objects.filter(overdue(now))
        .order_by("promised_deadline")
        .values_list("pk", flat=True)[:batch]
        if _note_case(pk, now, kind="overdue")
    ]
    tasks = [
        pk
        for pk in Task.objects.filter(task_overdue(now))
        .order_by("due_at")
        .values_list("pk", flat=True)[:batch]
        if _note_task(pk, now)
    ]
    return SweepReport(len(approaching), len(passed), len(tasks))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _note_case(pk: int, now: datetime, *, kind: str) -> bool:
    with transaction.atomic():
        case = lock_case(Case(pk=pk))
        # Checked again under the lock: the case may have moved since it was listed.
        condition = due_soon(now) if kind == "deadline_approaching" else overdue(now)
        if not Case.objects.filter(condition, pk=pk).exists():
            return False
        marker = "due_soon_noted_for" if kind == "deadline_approaching" else "overdue_noted_for"
        setattr(case, marker, case.promised_deadline)
        case.save(update_fields=[marker])
        log(
            case,
            actor=None,
            kind=kind,
            at=now,
            from_status=case.status,
            step=case.current_step[:100],
            data={
                "deadline": "promised",
                "due": _iso(case.promised_deadline),
                "statutory_due": _iso(case.statutory_deadline),
                "department": case.lead_department.code,
            },
        )
        notify.deadline_fact(
            case, "case.deadline_approaching" if kind == "deadline_approaching" else "case.overdue"
        )
    return True


def _note_task(pk: int, now: datetime) -> bool:
    with transaction.atomic():
        task = Task.objects.select_related("case", "candidate_department", "assignee").get(pk=pk)
        case = lock_case(task.case)
        if not Task.objects.filter(task_overdue(now), pk=pk).exists():
            return False
        task.overdue_noted_for = task.due_at
        task.save(update_fields=["overdue_noted_for"])
        log(
            case,
            actor=None,
            kind="task_overdue",
            at=now,
            from_status=case.status,
            step=task.name[:100],
            data={
                "task": task.pk,
                "step": task.step,
                "due": _iso(task.due_at),
                "department": task.candidate_department.code,
                "role": task.candidate_role,
            },
        )
        notify.deadline_fact(case, "task.overdue", task=task)
    return True
