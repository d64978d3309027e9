"""Document sign-for under electronic supervision (see :mod:`govhall.supervision.registry`).

One rule, "公文签收超时": a receiving unit that has not signed for (or returned) a document by its
stored sign-for deadline (``Distribution.sign_due_at``: delivery + the hours configured for the
document's urgency), or signed for it after that. The deadline column is read in SQL over a partial
index of unsigned copies, windowed by the supervision sweep's marks; a copy's ``changed_at`` tells
the sweep which copies were signed or returned since. Each deadline raises at most one alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast

from govhall.core.calendar import SHANGHAI
from govhall.documents.models import Distribution
from govhall.supervision import clock, registry
from govhall.supervision.evaluation import Context
from govhall.supervision.models import Alert, Level
from govhall.supervision.registry import WORKING_DAYS, Finding, RuleSpec

SUBJECT = "documents.distribution"
SIGN_FOR_OVERDUE = "documents_signfor_overdue"
WAITING = Distribution.Status.DELIVERED

SPECS = [
    RuleSpec(
        SIGN_FOR_OVERDUE,
        "公文签收超时",
        "document sign-for overdue",
        SUBJECT,
        Level.WARNING,
        0,
        WORKING_DAYS,
        "宽限（工作日）",
        "收文单位在签收期限内（送达后按紧急程度：特急2小时、加急8小时、平件24小时，可配置）"
        "未签收或退回公文，或超过期限才签收。",
    )
]


def _iso(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="microseconds")


def _not_raised() -> Any:
    raised = Alert.objects.filter(
        rule_kind=SIGN_FOR_OVERDUE,
        subject_type=SUBJECT,
        subject_id=Cast(OuterRef("pk"), output_field=CharField()),
        due_at=OuterRef("sign_due_at"),
    )
    return ~Exists(raised)


class SignForEvaluator:
    name = "documents_sign_for"

    def due(self, ctx: Context) -> set[int]:
        ids: set[int] = set()
        for grace, departments in ctx.book.groups(SIGN_FOR_OVERDUE):
            mark = f"{SIGN_FOR_OVERDUE}:{grace}"
            cutoff = clock.passed_cutoff(ctx.now, grace)
            q = Q(status=WAITING, sign_due_at__lt=cutoff)
            previous = ctx.window(mark)
            if previous is not None:
                q &= Q(sign_due_at__gte=previous)
            if departments is not None:
                q &= Q(unit_id__in=departments)
            ids |= set(Distribution.objects.filter(q).filter(_not_raised()).values_list("pk", flat=True))
            ctx.advance(mark, cutoff)
        return ids

    def changed(self, since: datetime | None) -> set[int]:
        qs = Distribution.objects.exclude(status=WAITING)
        if since is not None:
            qs = qs.filter(changed_at__gte=since)
        return set(qs.order_by().values_list("pk", flat=True))

    def check(self, ctx: Context, ids: Sequence[int]) -> list[Finding]:
        findings: list[Finding] = []
        rows = Distribution.objects.filter(pk__in=list(ids)).values(
            "pk",
            "status",
            "sign_due_at",
            "signed_at",
            "returned_at",
            "unit_id",
            "unit__name",
            "unit__region_id",
            "document_id",
            "document__document_number",
            "document__title",
        )
        for row in rows:
            config = ctx.book.config(SIGN_FOR_OVERDUE, row["unit_id"])
            if not config.enabled:
                continue
            due = row["sign_due_at"]
            if row["status"] == WAITING:
                late, what = clock.deadline_passed(due, ctx.now, config.threshold), "未签收"
            else:
                done = row["signed_at"] or row["returned_at"]
                if done is None:
                    continue
                late, what = clock.deadline_passed(due, done, config.threshold), "超时签收"
            if not late:
                continue
            findings.append(
                Finding(
                    kind=SIGN_FOR_OVERDUE,
                    subject_type=SUBJECT,
                    subject_id=str(row["pk"]),
                    key=_iso(due),
                    department_id=row["unit_id"],
                    region_id=row["unit__region_id"],
                    title=(
                        f"{row['unit__name']} 公文 {row['document__document_number']} 超过签收期限"
                        f"（{due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}）{what}"
                    ),
                    facts={
                        "document": row["document_id"],
                        "number": row["document__document_number"],
                        "title": row["document__title"],
                        "due": _iso(due),
                    },
                    due_at=due,
                )
            )
        return findings


def register() -> None:
    for spec in SPECS:
        registry.register_rule(spec)
    registry.register_evaluator(SignForEvaluator())
