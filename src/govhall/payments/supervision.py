"""The supervision hook: a charge that is not the catalogue's raises an alert (收费与目录不符).

Registered with the supervision app's rule registry when that app is installed. An order keeps in
its ``deviation`` column why it differs (another amount, an item outside the catalogue, any charge
on a free item); the evaluator turns each such order into one alert, checked when the order is
issued (on commit) and again by the periodic sweep for orders issued since its last run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps

from govhall.payments import money
from govhall.payments.models import FeeOrder

if TYPE_CHECKING:
    from govhall.supervision.evaluation import Context
    from govhall.supervision.registry import Finding

NAME = "payments"
FEE_DEVIATION = "fee_deviation"
SUBJECT = "payments.feeorder"


def installed() -> bool:
    return apps.is_installed("govhall.supervision")


class FeeEvaluator:
    name = NAME

    def due(self, ctx: Context) -> set[int]:
        return set()  # nothing here becomes due by time alone

    def changed(self, since: datetime | None) -> set[int]:
        qs = FeeOrder.objects.exclude(deviation="")
        if since is not None:
            qs = qs.filter(created_at__gte=since)
        return set(qs.values_list("pk", flat=True))

    def check(self, ctx: Context, ids: Sequence[int]) -> list[Finding]:
        from govhall.supervision.models import Alert
        from govhall.supervision.registry import Finding

        raised = set(
            Alert.objects.filter(
                rule_kind=FEE_DEVIATION, subject_type=SUBJECT, subject_id__in=[str(i) for i in ids]
            ).values_list("subject_id", flat=True)
        )
        findings: list[Finding] = []
        orders = (
            FeeOrder.objects.filter(pk__in=ids).exclude(deviation="").select_related("case", "department")
        )
        for order in orders:
            if str(order.pk) in raised or not ctx.book.config(FEE_DEVIATION, order.department_id).enabled:
                continue
            findings.append(
                Finding(
                    kind=FEE_DEVIATION,
                    subject_type=SUBJECT,
                    subject_id=str(order.pk),
                    key="",
                    department_id=order.department_id,
                    region_id=order.department.region_id,
                    title=f"收费与目录不符：{order.item_name}（缴款码 {order.payment_code}）",
                    facts={
                        "payment_code": order.payment_code,
                        "case_no": order.case.case_no,
                        "amount": money.yuan(order.amount),
                        "deviation": order.deviation,
                    },
                    case_id=order.case_id,
                )
            )
        return findings


def register() -> None:
    from govhall.supervision.registry import RuleSpec, register_evaluator, register_rule

    register_rule(
        RuleSpec(
            kind=FEE_DEVIATION,
            name="收费与目录不符",
            name_en="Charge differs from the catalogue",
            subject=SUBJECT,
            level="warning",
            description="缴费单的收费项目或金额与事项目录的收费标准不一致，或对不收费事项收费。",
        )
    )
    register_evaluator(FeeEvaluator())


def check_on_commit(order: FeeOrder) -> Any:
    from govhall.core.queue import enqueue_on_commit
    from govhall.supervision.tasks import evaluate_subjects

    enqueue_on_commit(evaluate_subjects, NAME, [order.pk])
