"""Refunds (退费), in full or in part, by authorised staff with a reason, through the channel the
money came in by.

Requesting writes the refund as pending and the order as ``refunding`` (one transaction); the
channel is then asked outside any transaction (it may be a network call); its answer is written in
a second transaction. A refund whose channel could not be reached stays pending and is sent again
by a periodic task under the same request number, which the channel refunds at most once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from govhall.cases.transitions import log as case_log
from govhall.core.audit import record_event
from govhall.identity.models import User
from govhall.notifications.services import notify
from govhall.payments import channels, clock, money
from govhall.payments.channels import ChannelError
from govhall.payments.common import context, field_error, lock, order_link, require, snapshot, wrong_status
from govhall.payments.models import SETTLED_STATUSES, FeeOrder, Payment, Refund

logger = logging.getLogger(__name__)


def _refund_facts(refund: Refund) -> dict[str, object]:
    return {
        "request_no": refund.request_no,
        "payment": refund.payment_id,
        "amount": refund.amount,
        "reason": refund.reason,
        "status": refund.status,
        "failure": refund.failure,
    }


def request_refund(
    *, actor: User, payment: Payment, amount: Decimal | str, reason: str, idempotency_key: str = ""
) -> Refund:
    """Refund ``amount`` of ``payment``; returns the refund as the channel left it."""
    if not reason.strip():
        raise field_error("reason", "reason_required", "请填写退款原因", "a reason is required")
    if len(idempotency_key) > 80:
        raise field_error(
            "idempotency_key", "invalid_idempotency_key", "幂等键过长", "the idempotency key is too long"
        )
    try:
        value = money.to_amount(amount)
    except ValueError:
        raise field_error("amount", "invalid_amount", "退款金额无效", "invalid refund amount") from None
    if value <= 0:
        raise field_error("amount", "invalid_amount", "退款金额须大于零", "a refund must be positive")
    with transaction.atomic():
        order = lock(payment.order)
        require(actor, order, "refund")
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if idempotency_key:
            existing = Refund.objects.filter(payment=locked, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        if not locked.is_duplicate and order.status not in SETTLED_STATUSES:
            raise wrong_status(order, "退款", "refund")
        pending = (
            locked.refunds.filter(status=Refund.Status.PENDING).aggregate(total=Sum("amount"))["total"] or 0
        )
        available = locked.amount - locked.refunded_amount - pending
        if value > available:
            raise field_error(
                "amount",
                "refund_exceeds_paid",
                f"退款金额超过可退金额 {money.yuan(max(available, Decimal('0')))} 元",
                f"at most {available} can be refunded",
            )
        count = Refund.objects.filter(payment=locked).count()
        refund = Refund.objects.create(
            payment=locked,
            order=order,
            amount=value,
            reason=reason.strip(),
            request_no=f"RF{locked.pk:010d}{count + 1:03d}",
            idempotency_key=idempotency_key,
            requested_by=actor,
            requested_at=clock.now(),
        )
        before = snapshot(order)
        if not locked.is_duplicate:
            order.status = FeeOrder.Status.REFUNDING
            order.save(update_fields=["status", "updated_at"])
        record_event(
            actor=actor,
            action="payments.refund_requested",
            obj=order,
            before=before,
            after={**snapshot(order), "refund": _refund_facts(refund)},
        )
    return process_refund(refund)


def process_refund(refund: Refund) -> Refund:
    """Send a pending refund to its channel and record the answer."""
    current = Refund.objects.select_related("payment", "order").get(pk=refund.pk)
    if current.status != Refund.Status.PENDING:
        return current
    payment = current.payment
    channel = channels.channel(payment.channel)
    try:
        outcome = channel.refund(
            out_trade_no=current.order.payment_code,
            trade_no=payment.trade_no,
            request_no=current.request_no,
            amount=current.amount,
            reason=current.reason,
        )
    except ChannelError as error:
        with transaction.atomic():
            locked = Refund.objects.select_for_update().get(pk=current.pk)
            locked.attempts += 1
            locked.failure = str(error)[:300]
            locked.save(update_fields=["attempts", "failure"])
            record_event(
                actor=None, action="payments.refund_attempt_failed", obj=locked, after=_refund_facts(locked)
            )
        logger.warning("refund %s not sent: %s", current.request_no, error)
        return locked
    with transaction.atomic():
        order = lock(current.order)
        locked = Refund.objects.select_for_update().select_related("payment").get(pk=current.pk)
        if locked.status != Refund.Status.PENDING:
            return locked
        _settle(order, locked, succeeded=outcome.succeeded, detail=outcome.detail)
    return locked


def _settle(order: FeeOrder, refund: Refund, *, succeeded: bool, detail: str) -> None:
    before = snapshot(order)
    payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
    at = clock.now()
    refund.attempts += 1
    refund.completed_at = at
    if succeeded:
        refund.status = Refund.Status.SUCCEEDED
        payment.refunded_amount += refund.amount
        payment.save(update_fields=["refunded_amount"])
        if not payment.is_duplicate:
            order.refunded_amount += refund.amount
    else:
        refund.status = Refund.Status.FAILED
        refund.failure = detail[:300]
    refund.save(update_fields=["status", "completed_at", "failure", "attempts"])
    if not payment.is_duplicate:
        order.status = _status_after_refunds(order)
        order.save(update_fields=["status", "refunded_amount", "updated_at"])
    record_event(
        actor=None,
        action="payments.refunded" if succeeded else "payments.refund_failed",
        obj=order,
        before=before,
        after={**snapshot(order), "refund": _refund_facts(refund), "detail": detail},
    )
    if not succeeded:
        return
    case_log(
        order.case,
        actor=refund.requested_by,
        kind="fee_refunded",
        at=at,
        from_status=order.case.status,
        note=f"退款 {money.yuan(refund.amount)} 元：{refund.reason}",
        data={"payment_code": order.payment_code, "request_no": refund.request_no},
    )
    notify(
        recipients=[order.payer],
        event="payment.refunded",
        context=context(order, amount=money.yuan(refund.amount), reason=refund.reason),
        link=order_link(order),
        related=order,
    )


def _status_after_refunds(order: FeeOrder) -> str:
    if order.refunds.filter(status=Refund.Status.PENDING, payment__is_duplicate=False).exists():
        return FeeOrder.Status.REFUNDING
    if order.refunded_amount >= order.amount:
        return FeeOrder.Status.REFUNDED
    if order.refunded_amount > 0:
        return FeeOrder.Status.PARTIALLY_REFUNDED
    return FeeOrder.Status.PAID


def retry_pending_refunds(*, older_than: timedelta = timedelta(minutes=2), limit: int = 100) -> int:
    """Send again the refunds a channel did not answer; returns how many are settled now."""
    cutoff = clock.now() - older_than
    settled = 0
    for refund in Refund.objects.filter(status=Refund.Status.PENDING, requested_at__lte=cutoff).order_by(
        "requested_at"
    )[:limit]:
        settled += int(process_refund(refund).status != Refund.Status.PENDING)
    return settled
