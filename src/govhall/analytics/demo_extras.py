"""Supervision cards and fee payments of the demo's historical cases, so that those charts have data.

Late completions carry the overdue card the supervision sweep would have raised (yellow, red when
more than five days late), already closed; about a third of approved cases paid a fee, online or
at the window. Written in bulk, like the historical cases themselves.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from govhall.cases.models import Case
from govhall.payments.codes import new_payment_code
from govhall.payments.models import FeeOrder, Payment
from govhall.supervision.models import Alert

FEES = (
    Decimal("10.00"),
    Decimal("20.00"),
    Decimal("40.00"),
    Decimal("50.00"),
    Decimal("80.00"),
    Decimal("200.00"),
)


def cards(cases: list[Case]) -> int:
    alerts: list[Alert] = []
    for case in cases:
        if (
            case.timeliness != Case.Timeliness.LATE
            or case.promised_deadline is None
            or case.completed_at is None
        ):
            continue
        late = case.completed_at - case.promised_deadline
        alerts.append(
            Alert(
                rule_kind="overdue",
                level="red" if late > timedelta(days=5) else "yellow",
                subject_type="case",
                subject_id=str(case.pk),
                key=case.promised_deadline.isoformat(),
                case=case,
                department_id=case.lead_department_id,
                region_id=case.lead_department.region_id,
                raised_at=case.promised_deadline + timedelta(hours=1),
                title=f"办件 {case.case_no} 超过承诺办结期限",
                status=Alert.Status.CLOSED,
                decided_at=case.completed_at + timedelta(days=2),
            )
        )
    Alert.objects.bulk_create(alerts, batch_size=500, ignore_conflicts=True)
    return len(alerts)


def payments(cases: list[Case], rng: random.Random) -> int:
    paid = [
        c
        for c in cases
        if c.decision == Case.Decision.APPROVED and c.completed_at is not None and rng.random() < 0.35
    ]
    orders = []
    for case in paid:
        assert case.decided_at is not None
        orders.append(
            FeeOrder(
                payment_code=new_payment_code(
                    division=case.lead_department.region.code, year=case.decided_at.year
                ),
                case=case,
                payer=case.applicant,
                payer_name=case.applicant_name,
                department_id=case.lead_department_id,
                item_name=case.item_version.name,
                amount=rng.choice(FEES),
                status=FeeOrder.Status.PAID,
                expires_at=case.decided_at + timedelta(days=15),
                paid_at=case.decided_at + timedelta(hours=rng.uniform(1, 48)),
                idempotency_key=f"demo-history-fee-{case.pk}",
            )
        )
    orders = FeeOrder.objects.bulk_create(orders, batch_size=500)
    rows = []
    for order in orders:
        online = order.case.channel == Case.Channel.ONLINE
        assert order.paid_at is not None
        rows.append(
            Payment(
                order=order,
                channel=Payment.Channel.ONLINE if online else Payment.Channel.WINDOW,
                method=Payment.Method.GATEWAY
                if online
                else rng.choice([Payment.Method.CASH, Payment.Method.POS]),
                trade_no=f"LS{order.payment_code}",
                amount=order.amount,
                paid_at=order.paid_at,
            )
        )
    Payment.objects.bulk_create(rows, batch_size=500)
    return len(rows)
