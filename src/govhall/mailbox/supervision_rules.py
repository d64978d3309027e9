"""Letters under electronic supervision (see :mod:`govhall.supervision.registry`).

One rule, "来信答复超期": a letter not replied by its stored deadline (``due_at``: submission + the
mailbox's reply days, in working days), or replied after it. The deadline column is read in SQL,
windowed by the supervision sweep's marks; the letter's timeline (``LetterEvent``) tells the sweep
which letters changed. Each letter raises at most one alert (its key is the deadline). The alert
goes to the handling department, or to the office while the letter waits for assignment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast

from govhall.core.calendar import SHANGHAI
from govhall.mailbox.models import Letter, LetterEvent
from govhall.supervision import clock, registry
from govhall.supervision.evaluation import Context
from govhall.supervision.models import Alert, Level
from govhall.supervision.registry import WORKING_DAYS, Finding, RuleSpec

SUBJECT = "mailbox.letter"
LETTER_OVERDUE = "mailbox_letter_overdue"
OPEN = (Letter.Status.SUBMITTED, Letter.Status.ASSIGNED, Letter.Status.REVIEWING)
QUIET_KINDS = ("submitted", "published", "unpublished")

SPECS = [
    RuleSpec(
        LETTER_OVERDUE,
        "来信答复超期",
        "letter reply overdue",
        SUBJECT,
        Level.YELLOW,
        0,
        WORKING_DAYS,
        "宽限（工作日）",
        "市长信箱、部门信箱来信超过答复时限（来信之日起按信箱规定的工作日数，默认15个工作日）仍未答复，"
        "或超期后才答复。",
    )
]


def _iso(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="microseconds")


def _not_raised() -> Any:
    raised = Alert.objects.filter(
        rule_kind=LETTER_OVERDUE,
        subject_type=SUBJECT,
        subject_id=Cast(OuterRef("pk"), output_field=CharField()),
        due_at=OuterRef("due_at"),
    )
    return ~Exists(raised)


class LetterEvaluator:
    name = "mailbox_letters"

    def due(self, ctx: Context) -> set[int]:
        ids: set[int] = set()
        for grace, departments in ctx.book.groups(LETTER_OVERDUE):
            mark = f"{LETTER_OVERDUE}:{grace}"
            cutoff = clock.passed_cutoff(ctx.now, grace)
            q = Q(status__in=OPEN, due_at__lt=cutoff)
            previous = ctx.window(mark)
            if previous is not None:
                q &= Q(due_at__gte=previous)
            if departments is not None:
                q &= Q(handling_department_id__in=departments) | Q(
                    handling_department__isnull=True, mailbox__department_id__in=departments
                )
            ids |= set(Letter.objects.filter(q).filter(_not_raised()).values_list("pk", flat=True))
            ctx.advance(mark, cutoff)
        return ids

    def changed(self, since: datetime | None) -> set[int]:
        qs = LetterEvent.objects.exclude(kind__in=QUIET_KINDS)
        if since is not None:
            qs = qs.filter(at__gte=since)
        return set(qs.order_by().values_list("letter_id", flat=True).distinct())

    def check(self, ctx: Context, ids: Sequence[int]) -> list[Finding]:
        findings: list[Finding] = []
        rows = Letter.objects.filter(pk__in=list(ids)).values(
            "pk",
            "number",
            "subject",
            "status",
            "due_at",
            "replied_at",
            "handling_department_id",
            "handling_department__region_id",
            "mailbox__department_id",
            "mailbox__department__region_id",
            "mailbox__name",
        )
        for row in rows:
            department_id = row["handling_department_id"] or row["mailbox__department_id"]
            region_id = row["handling_department__region_id"] or row["mailbox__department__region_id"]
            config = ctx.book.config(LETTER_OVERDUE, department_id)
            if not config.enabled:
                continue
            due, replied = row["due_at"], row["replied_at"]
            if row["status"] in OPEN:
                late, title = clock.deadline_passed(due, ctx.now, config.threshold), "未答复"
            elif replied is not None:
                late, title = clock.deadline_passed(due, replied, config.threshold), "超期答复"
            else:
                continue
            if not late:
                continue
            day = due.astimezone(SHANGHAI).date()
            findings.append(
                Finding(
                    kind=LETTER_OVERDUE,
                    subject_type=SUBJECT,
                    subject_id=str(row["pk"]),
                    key=_iso(due),
                    department_id=department_id,
                    region_id=region_id,
                    title=f"{row['mailbox__name']}来信 {row['number']} 超过答复期限"
                    f"（{day.year}年{day.month}月{day.day}日）{title}",
                    facts={
                        "number": row["number"],
                        "subject": row["subject"],
                        "due": _iso(due),
                        "replied_at": _iso(replied) if replied else "",
                    },
                    due_at=due,
                )
            )
        return findings


def register() -> None:
    for spec in SPECS:
        registry.register_rule(spec)
    registry.register_evaluator(LetterEvaluator())
