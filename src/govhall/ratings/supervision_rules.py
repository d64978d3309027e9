"""Rectifications of bad ratings under electronic supervision (see :mod:`govhall.supervision.registry`).

One rule, "差评整改超期": a rectification not reported by its stored deadline (``due_at``: the
rating + N working days, default 5), or reported after it. :class:`DeadlineEvaluator` is the shape
every "answer by a stored deadline" rule of the interaction apps shares (the complaints app uses
it for consultations and complaints): the deadline column is read in SQL, windowed by the sweep's
marks, the subject's timeline tells the sweep what changed, and each deadline raises at most one
alert (its key is the deadline, so a moved deadline is a new one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast

from govhall.core.calendar import SHANGHAI
from govhall.ratings.models import Rectification, RectificationEvent
from govhall.supervision import clock, registry
from govhall.supervision.evaluation import Context
from govhall.supervision.models import Alert, Level
from govhall.supervision.registry import WORKING_DAYS, Finding, RuleSpec

SUBJECT = "ratings.rectification"
RECTIFICATION_OVERDUE = "rating_rectification_overdue"

SPECS = [
    RuleSpec(
        RECTIFICATION_OVERDUE,
        "差评整改超期",
        "rectification of a bad rating overdue",
        SUBJECT,
        Level.YELLOW,
        0,
        WORKING_DAYS,
        "宽限（工作日）",
        "不满意或非常不满意评价生成整改后，责任部门未在整改期限（默认5个工作日）内回访、核实并整改，"
        "或超期后才整改。申诉复核期间暂停计时。",
    )
]


def iso(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="microseconds")


@dataclass
class DeadlineEvaluator:
    """Findings for subjects that must reach a done state by their ``due_at``."""

    name: str
    kind: str
    subject: str
    model: type[models.Model]
    running: tuple[str, ...]
    fields: tuple[str, ...]  # further columns ``done_at`` and ``title`` read
    done_at: Callable[[dict[str, Any]], datetime | None]  # when a subject no longer running was done
    changed_ids: Callable[[datetime | None], set[int]]
    title: Callable[[dict[str, Any], str], str]

    def _not_raised(self) -> Any:
        raised = Alert.objects.filter(
            rule_kind=self.kind,
            subject_type=self.subject,
            subject_id=Cast(OuterRef("pk"), output_field=CharField()),
            due_at=OuterRef("due_at"),
        )
        return ~Exists(raised)

    def due(self, ctx: Context) -> set[int]:
        ids: set[int] = set()
        manager = self.model._default_manager
        for grace, departments in ctx.book.groups(self.kind):
            mark = f"{self.kind}:{grace}"
            cutoff = clock.passed_cutoff(ctx.now, grace)
            q = Q(status__in=self.running, due_at__lt=cutoff)
            previous = ctx.window(mark)
            if previous is not None:
                q &= Q(due_at__gte=previous)
            if departments is not None:
                q &= Q(department_id__in=departments)
            ids |= set(manager.filter(q).filter(self._not_raised()).values_list("pk", flat=True))
            ctx.advance(mark, cutoff)
        return ids

    def changed(self, since: datetime | None) -> set[int]:
        return self.changed_ids(since)

    def check(self, ctx: Context, ids: Sequence[int]) -> list[Finding]:
        findings: list[Finding] = []
        fields = {"pk", "status", "due_at", "department_id", "department__region_id", *self.fields}
        rows = self.model._default_manager.filter(pk__in=list(ids)).values(*fields)
        for row in rows:
            config = ctx.book.config(self.kind, row["department_id"])
            due, done = row["due_at"], self.done_at(row)
            if not config.enabled or due is None:
                continue
            if row["status"] in self.running:
                late, how = clock.deadline_passed(due, ctx.now, config.threshold), "未办理"
            elif done is not None:
                late, how = clock.deadline_passed(due, done, config.threshold), "超期办理"
            else:
                continue
            if not late:
                continue
            findings.append(
                Finding(
                    kind=self.kind,
                    subject_type=self.subject,
                    subject_id=str(row["pk"]),
                    key=iso(due),
                    department_id=row["department_id"],
                    region_id=row["department__region_id"],
                    title=self.title(row, how),
                    facts={"due": iso(due), "done_at": iso(done) if done else ""},
                    due_at=due,
                )
            )
        return findings


def _changed(since: datetime | None) -> set[int]:
    qs = RectificationEvent.objects.exclude(kind="opened")
    if since is not None:
        qs = qs.filter(at__gte=since)
    return set(qs.order_by().values_list("rectification_id", flat=True).distinct())


def _title(row: dict[str, Any], how: str) -> str:
    day = row["due_at"].astimezone(SHANGHAI).date()
    return f"差评整改 #{row['pk']} 超过整改期限（{day.year}年{day.month}月{day.day}日）{how}"


EVALUATOR = DeadlineEvaluator(
    name="ratings_rectifications",
    kind=RECTIFICATION_OVERDUE,
    subject=SUBJECT,
    model=Rectification,
    running=(Rectification.Status.OPEN, Rectification.Status.CONTACTED),
    fields=("rectified_at",),
    done_at=lambda row: row["rectified_at"],
    changed_ids=_changed,
    title=_title,
)


def register() -> None:
    for spec in SPECS:
        registry.register_rule(spec)
    registry.register_evaluator(EVALUATOR)
