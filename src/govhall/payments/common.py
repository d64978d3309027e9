"""What the payment services share: errors, locking, the order's audit snapshot, messages' context."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from govhall.core import permissions
from govhall.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from govhall.identity.models import User
from govhall.payments import money
from govhall.payments.channels import ChannelError
from govhall.payments.models import FeeOrder, Payment

# --- Errors --------------------------------------------------------------------------------------


def order_not_found() -> NotFound:
    return NotFound("order_not_found", "缴费单不存在", "no such fee order", status=404)


def require(actor: Any, order: FeeOrder, action: str) -> None:
    if not permissions.can_act(actor, order, action):
        if permissions.can_view(actor, order):
            raise PermissionDenied(
                "forbidden", "您无权办理该缴费单", "you may not do this on this order", status=403
            )
        raise order_not_found()


def wrong_status(order: FeeOrder, doing_zh: str, doing_en: str) -> Conflict:
    return Conflict(
        "invalid_order_status",
        f"缴费单当前状态（{order.get_status_display().split(' ')[0]}）不能{doing_zh}",
        f"cannot {doing_en} an order in status {order.status}",
        status=409,
        details={"status": order.status},
    )


def field_error(field: str, code: str, zh: str, en: str) -> DomainError:
    return DomainError(
        code,
        zh,
        en,
        status=422,
        details={"fields": [{"field": field, "code": code, "message_zh": zh, "message_en": en}]},
    )


def gateway_unavailable(error: ChannelError) -> DomainError:
    return DomainError(
        "gateway_unavailable",
        "支付网关暂时无法访问，请稍后再试",
        f"the payment gateway is not available: {error}",
        status=503,
    )


# --- Reading helpers used by the services --------------------------------------------------------


def lock(order: FeeOrder) -> FeeOrder:
    return (
        FeeOrder.objects.select_for_update(of=("self",))
        .select_related("case", "department", "department__region", "payer")
        .get(pk=order.pk)
    )


def snapshot(order: FeeOrder) -> dict[str, Any]:
    return {
        "payment_code": order.payment_code,
        "status": order.status,
        "amount": order.amount,
        "refunded_amount": order.refunded_amount,
        "paid_at": order.paid_at,
        "expires_at": order.expires_at,
    }


def counted_payment(order: FeeOrder) -> Payment | None:
    return order.payments.filter(is_duplicate=False).order_by("paid_at", "id").first()


def context(order: FeeOrder, **extra: Any) -> dict[str, Any]:
    return {
        "case_no": order.case.case_no or "",
        "item": order.item_name,
        "department": order.department.name,
        "amount": money.yuan(order.amount),
        "payment_code": order.payment_code,
        **extra,
    }


def order_link(order: FeeOrder) -> str:
    return reverse("payments:order", args=[order.payment_code])


def department_people(order: FeeOrder, roles: set[str]) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, memberships__department_id=order.department_id, memberships__role__in=roles
        ).distinct()
    )


def workbench_link(order: FeeOrder) -> str:
    return reverse("payments:staff_order", args=[order.payment_code])
