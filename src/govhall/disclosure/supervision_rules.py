"""Information requests under electronic supervision (see :mod:`govhall.supervision.registry`).

One rule, "依申请公开超期": a request not answered by its stored deadline (``due_at``: receipt or
corrected request + 20 working days, + 20 when extended, + the consultation days not counted), or
answered after it. The deadline column is read in SQL, windowed by the supervision sweep's marks;
a request's own timeline (``RequestEvent``) tells the sweep which requests changed. Each deadline
raises at most one alert (its key is the deadline), so an extension that moves it is a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast

from govhall.core.calendar import SHANGHAI
from govhall.disclosure.models import InformationRequest, RequestEvent
from govhall.supervision import clock, registry
from govhall.supervision.evaluation import Context
from govhall.supervision.models import Alert, Level
from govhall.supervision.registry import WORKING_DAYS, Finding, RuleSpec

SUBJECT = "disclosure.informationrequest"
REQUEST_OVERDUE = "disclosure_request_overdue"
RUNNING = (InformationRequest.Status.PROCESSING, InformationRequest.Status.CONSULTING)
# Timeline entries that cannot make a request late or on time.
QUIET_KINDS = ("submitted", "consultation_started")

SPECS = [
    RuleSpec(
        REQUEST_OVERDUE,
        "依申请公开超期",
        "information request overdue",
        SUBJECT,
        Level.YELLOW,
        0,
        WORKING_DAYS,
        "宽限（工作日）",
        "政府信息公开申请超过答复期限（收到申请或补正之日起20个工作日，经批准延长的再加20个工作日，"
        "征求第三方意见时间不计入；政府信息公开条例第三十三条）仍未答复，或超期后才答复。",
    )
]


def _iso(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="microseconds")


def _not_raised() -> Any:
    raised = Alert.objects.filter(
        rule_kind=REQUEST_OVERDUE,
        subject_type=SUBJECT,
        subject_id=Cast(OuterRef("pk"), output_field=CharField()),
        due_at=OuterRef("due_at"),
    )
    return ~Exists(raised)


class RequestEvaluator:
    name = "disclosure_requests"

    def due(self, ctx: Context) -> set[int]:
        ids: set[int] = set()
        for grace, departments in ctx.book.groups(REQUEST_OVERDUE):
            mark = f"{REQUEST_OVERDUE}:{grace}"
            cutoff = clock.passed_cutoff(ctx.now, grace)
            q = Q(status__in=RUNNING, due_at__lt=cutoff)
            previous = ctx.window(mark)
            if previous is not None:
                q &= Q(due_at__gte=previous)
            if departments is not None:
                q &= Q(department_id__in=departments)
            ids |= set(
                InformationRequest.objects.filter(q).filter(_not_raised()).values_list("pk", flat=True)
            )
            ctx.advance(mark, cutoff)
        return ids

    def changed(self, since: datetime | None) -> set[int]:
        qs = RequestEvent.objects.exclude(kind__in=QUIET_KINDS)
        if since is not None:
            qs = qs.filter(at__gte=since)
        return set(qs.order_by().values_list("request_id", flat=True).distinct())

    def check(self, ctx: Context, ids: Sequence[int]) -> list[Finding]:
        findings: list[Finding] = []
        rows = InformationRequest.objects.filter(pk__in=list(ids), due_at__isnull=False).values(
            "pk", "number", "status", "due_at", "answered_at", "department_id", "department__region_id"
        )
        for row in rows:
            config = ctx.book.config(REQUEST_OVERDUE, row["department_id"])
            if not config.enabled:
                continue
            due, answered = row["due_at"], row["answered_at"]
            if due is None:
                continue
            if row["status"] in RUNNING:
                late, title = clock.deadline_passed(due, ctx.now, config.threshold), "未答复"
            elif row["status"] == InformationRequest.Status.ANSWERED and answered is not None:
                late, title = clock.deadline_passed(due, answered, config.threshold), "超期答复"
            else:
                continue
            if not late:
                continue
            day = due.astimezone(SHANGHAI).date()
            findings.append(
                Finding(
                    kind=REQUEST_OVERDUE,
                    subject_type=SUBJECT,
                    subject_id=str(row["pk"]),
                    key=_iso(due),
                    department_id=row["department_id"],
                    region_id=row["department__region_id"],
                    title=f"政府信息公开申请 {row['number']} 超过答复期限（{day.year}年{day.month}月{day.day}日）{title}",
                    facts={
                        "number": row["number"],
                        "due": _iso(due),
                        "answered_at": _iso(answered) if answered else "",
                    },
                    due_at=due,
                )
            )
        return findings


def register() -> None:
    for spec in SPECS:
        registry.register_rule(spec)
    registry.register_evaluator(RequestEvaluator())
