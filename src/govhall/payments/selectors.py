"""Reads of the payments app, already narrowed to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from govhall.cases.models import Case
from govhall.core import permissions
from govhall.core.errors import NotFound
from govhall.payments import codes
from govhall.payments.common import order_not_found
from govhall.payments.models import (
    FeeOrder,
    GatewayNotification,
    Payment,
    ReconciliationItem,
    ReconciliationRun,
    Refund,
)


def orders(user: Any, action: str = "view") -> QuerySet[FeeOrder]:
    base = FeeOrder.objects.select_related("case", "department", "department__region", "payer")
    return permissions.restrict(base, user, action)


def my_orders(user: Any) -> QuerySet[FeeOrder]:
    return orders(user).filter(payer_id=getattr(user, "pk", None))


def staff_orders(user: Any, *, status: str = "", query: str = "") -> QuerySet[FeeOrder]:
    """Orders of the departments the user works in or supervises (not their own as a payer)."""
    qs = orders(user).exclude(payer_id=getattr(user, "pk", None))
    if status in FeeOrder.Status.values:
        qs = qs.filter(status=status)
    text = codes.normalise(query)
    if text:
        qs = qs.filter(Q(payment_code=text) | Q(case__case_no=query.strip()))
    return qs


def get_order(user: Any, payment_code: str) -> FeeOrder:
    order = orders(user).filter(payment_code=codes.normalise(payment_code)).first()
    if order is None:
        raise order_not_found()
    return order


def case_orders(user: Any, case: Case) -> list[FeeOrder]:
    return list(orders(user).filter(case=case).prefetch_related("lines"))


def lines(order: FeeOrder) -> list[Any]:
    return list(order.lines.all())


def payments(order: FeeOrder) -> list[Payment]:
    return list(order.payments.select_related("recorded_by").order_by("paid_at", "id"))


def refunds(order: FeeOrder) -> list[Refund]:
    return list(order.refunds.select_related("payment", "requested_by").order_by("requested_at", "id"))


def notifications(order: FeeOrder) -> list[GatewayNotification]:
    return list(order.notifications.order_by("received_at", "id"))


def payment_with_receipt(user: Any, payment_code: str, receipt_no: str) -> Payment:
    order = get_order(user, payment_code)
    payment = order.payments.filter(receipt_no=receipt_no).first()
    if payment is None:
        raise NotFound("receipt_not_found", "票据不存在", "no such receipt", status=404)
    payment.order = order
    return payment


def runs(user: Any) -> QuerySet[ReconciliationRun]:
    return permissions.restrict(ReconciliationRun.objects.all(), user, "view")


def get_run(user: Any, run_id: int) -> ReconciliationRun:
    run = runs(user).filter(pk=run_id).first()
    if run is None:
        raise NotFound("run_not_found", "对账记录不存在", "no such reconciliation run", status=404)
    return run


def run_items(run: ReconciliationRun) -> QuerySet[ReconciliationItem]:
    return run.items.select_related("order", "resolved_by").order_by("resolved_at", "kind", "id")


def get_item(user: Any, item_id: int) -> ReconciliationItem:
    item = ReconciliationItem.objects.filter(pk=item_id, run__in=runs(user)).first()
    if item is None:
        raise NotFound("difference_not_found", "对账差异不存在", "no such difference", status=404)
    return item
