"""Template tags: an order's status badge, and the fee panel of the case pages."""

from __future__ import annotations

from typing import Any

from django import template

from govhall.cases.views_common import zh
from govhall.core import permissions
from govhall.payments import selectors
from govhall.payments.models import FeeOrder

register = template.Library()

TONES: dict[str, str] = {
    FeeOrder.Status.UNPAID: "attention",
    FeeOrder.Status.PAYING: "waiting",
    FeeOrder.Status.PAID: "good",
    FeeOrder.Status.REFUNDING: "working",
    FeeOrder.Status.PARTIALLY_REFUNDED: "working",
    FeeOrder.Status.REFUNDED: "closed",
    FeeOrder.Status.CLOSED: "closed",
    FeeOrder.Status.EXPIRED: "bad",
}


@register.inclusion_tag("cases/_status.html")
def order_status(status: str) -> dict[str, Any]:
    return {"tone": TONES.get(status, "working"), "label": zh(FeeOrder.Status(status).label)}


@register.filter
def label_zh(label: str) -> str:
    return zh(str(label))


@register.inclusion_tag("payments/_case_orders.html", takes_context=True)
def case_fee_orders(context: template.Context, case: Any, staff: bool = False) -> dict[str, Any]:
    """The case's fee orders the viewer may see, with 去缴费 for the payer of an unpaid one."""
    request = context.get("request")
    user = getattr(request, "user", None)
    orders = selectors.case_orders(user, case) if case is not None and case.pk else []
    return {
        "orders": orders,
        "staff": staff,
        "payable": {o.pk for o in orders if o.is_payable and permissions.can_act(user, o, "pay")},
    }
