"""The evaluator of the case rules: which cases a sweep loads, and the check itself.

Time rules are preselected in SQL over the indexed deadline columns, windowed by the cutoff the
previous sweep reached and anti-joined with the alerts already raised; the acceptance backlog and
running special procedures are small by nature. :func:`~govhall.supervision.case_rules.load_facts`
and the rules decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from govhall.cases.models import Case, CaseEvent, Suspension, Task
from govhall.catalog.models import ItemVersion
from govhall.supervision import clock
from govhall.supervision.case_rules import (
    ACCEPTANCE_DELAY,
    CASE,
    DEADLINE_APPROACHING,
    OPEN_TASK,
    OVERDUE,
    QUIET_KINDS,
    RULES,
    RUNNING,
    STATUTORY_OVERDUE,
    STEP_OVERDUE,
    SUSPENSION,
    SUSPENSION_OVERRUN,
    TASK,
    load_facts,
)
from govhall.supervision.evaluation import Context
from govhall.supervision.models import Alert
from govhall.supervision.registry import Finding


def running_q() -> Q:
    """Cases whose clock runs, written as the complement of the other statuses: with ``status``
    indexed and no planner statistics, SQLite would otherwise scan the status index (nearly every
    open case) instead of the deadline range the sweep asks for."""
    return ~Q(status__in=[status for status in Case.Status.values if status not in RUNNING])


# Timeline entries the rules read; the rest (drafts, uploads, claims, downloads…) change nothing.


def _not_raised(kind: str, subject_type: str, due_column: str | None = None) -> Any:
    raised = Alert.objects.filter(
        rule_kind=kind, subject_type=subject_type, subject_id=Cast(OuterRef("pk"), output_field=CharField())
    )
    if due_column:
        raised = raised.filter(due_at=OuterRef(due_column))
    return ~Exists(raised)


class CaseEvaluator:
    """Applies :data:`RULES` to cases; see the module docstring for how cases are selected."""

    name = "cases"

    def due(self, ctx: Context) -> set[int]:
        ids: set[int] = set()
        ids |= self._acceptance_backlog(ctx)
        ids |= self._approaching(ctx)
        ids |= self._past(ctx, OVERDUE, "promised_deadline")
        ids |= self._past(ctx, STATUTORY_OVERDUE, "statutory_deadline")
        ids |= self._steps(ctx)
        ids |= self._suspensions(ctx)
        return ids

    @staticmethod
    def _ids(qs: QuerySet[Any], field_name: str = "pk") -> set[int]:
        return set(qs.order_by().values_list(field_name, flat=True))

    def _acceptance_backlog(self, ctx: Context) -> set[int]:
        # Cases still waiting to be accepted past the limit are few by nature; no window needed
        # (a supplement restarts the period without changing submitted_at).
        ids: set[int] = set()
        for days, departments in ctx.book.groups(ACCEPTANCE_DELAY):
            q = Q(
                status=Case.Status.SUBMITTED,
                channel=Case.Channel.ONLINE,
                submitted_at__lt=clock.late_if_before(ctx.now, days),
            )
            if departments is not None:
                q &= Q(lead_department_id__in=departments)
            ids |= self._ids(Case.objects.filter(q))
        return ids

    def _approaching(self, ctx: Context) -> set[int]:
        ids: set[int] = set()
        for days, departments in ctx.book.groups(DEADLINE_APPROACHING):
            mark = f"{DEADLINE_APPROACHING}:{days}"
            bound = clock.approaching_bound(ctx.now, days)
            q = running_q() & Q(promised_deadline__gt=ctx.now, promised_deadline__lte=bound)
            previous = ctx.window(mark)
            if previous is not None:
                q &= Q(promised_deadline__gt=previous)
            if departments is not None:
                q &= Q(lead_department_id__in=departments)
            qs = Case.objects.filter(q).exclude(item_version__item_type=ItemVersion.ItemType.INSTANT)
            ids |= self._ids(qs.filter(_not_raised(DEADLINE_APPROACHING, CASE, "promised_deadline")))
            ctx.advance(mark, bound)
        return ids

    def _past(self, ctx: Context, kind: str, column: str) -> set[int]:
        ids: set[int] = set()
        for grace, departments in ctx.book.groups(kind):
            mark = f"{kind}:{grace}"
            cutoff = clock.passed_cutoff(ctx.now, grace)
            q = running_q() & Q(**{f"{column}__lt": cutoff})
            previous = ctx.window(mark)
            if previous is not None:
                q &= Q(**{f"{column}__gte": previous})
            if departments is not None:
                q &= Q(lead_department_id__in=departments)
            ids |= self._ids(Case.objects.filter(q).filter(_not_raised(kind, CASE, column)))
            ctx.advance(mark, cutoff)
        return ids

    def _steps(self, ctx: Context) -> set[int]:
        ids: set[int] = set()
        for grace, departments in ctx.book.groups(STEP_OVERDUE):
            mark = f"{STEP_OVERDUE}:{grace}"
            cutoff = clock.passed_cutoff(ctx.now, grace)
            q = Q(status__in=OPEN_TASK, due_at__lt=cutoff)
            previous = ctx.window(mark)
            if previous is not None:
                q &= Q(due_at__gte=previous)
            if departments is not None:
                q &= Q(candidate_department_id__in=departments)
            qs = Task.objects.filter(q).filter(_not_raised(STEP_OVERDUE, TASK, "due_at"))
            ids |= self._ids(qs, "case_id")
            ctx.advance(mark, cutoff)
        return ids

    def _suspensions(self, ctx: Context) -> set[int]:
        # Running special procedures are few; grouped by their maximum, one cutoff each.
        ids: set[int] = set()
        running = Suspension.objects.filter(ended_at__isnull=True)
        maxima = sorted(set(running.order_by().values_list("max_days", flat=True).distinct()))
        for grace, departments in ctx.book.groups(SUSPENSION_OVERRUN):
            for max_days in maxima:
                q = Q(max_days=max_days, started_at__lt=clock.late_if_before(ctx.now, max_days + grace))
                if departments is not None:
                    q &= Q(case__lead_department_id__in=departments)
                qs = running.filter(q).filter(_not_raised(SUSPENSION_OVERRUN, SUSPENSION))
                ids |= self._ids(qs, "case_id")
        return ids

    def changed(self, since: datetime | None) -> set[int]:
        qs = CaseEvent.objects.exclude(kind__in=QUIET_KINDS)
        if since is not None:
            qs = qs.filter(occurred_at__gte=since)
        # Without the model's ordering, which DISTINCT would otherwise include (one row per entry).
        return set(qs.order_by().values_list("case_id", flat=True).distinct())

    def check(self, ctx: Context, ids: Sequence[int]) -> list[Finding]:
        findings: list[Finding] = []
        for case in load_facts(ids):
            if case.row["case_no"] is None:
                continue  # a draft: nothing filed yet
            for kind, rule in RULES.items():
                config = ctx.book.config(kind, case.department_id)
                if kind != STEP_OVERDUE and not config.enabled:
                    continue
                findings.extend(f for f in rule(ctx, case, config) if f.identity not in case.raised)
        return findings
