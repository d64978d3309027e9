"""Money arriving: paying online (the redirect), applying what the gateway reports (notification,
return, query), and payments recorded at the window. Every path ends in :func:`_record_payment`,
inside the transaction that holds the order's lock.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction

from govhall.cases.transitions import log as case_log
from govhall.core.audit import record_event
from govhall.core.calendar import SHANGHAI
from govhall.core.errors import Conflict, DomainError
from govhall.core.queue import enqueue_on_commit
from govhall.identity.models import Role, User
from govhall.notifications.services import notify
from govhall.payments import channels, clock, money
from govhall.payments.channels import ChannelError, TradeState
from govhall.payments.common import (
    context,
    department_people,
    field_error,
    gateway_unavailable,
    lock,
    order_link,
    require,
    snapshot,
    workbench_link,
    wrong_status,
)
from govhall.payments.models import SETTLED_STATUSES, FeeOrder, Payment

logger = logging.getLogger(__name__)

RECEIPT_NUMBER = re.compile(r"^[A-Za-z0-9-]{4,40}$")


# --- Paying online -------------------------------------------------------------------------------


def start_online_payment(
    *, actor: User, order: FeeOrder, return_url: str, notify_url: str, quit_url: str
) -> str:
    """The payer starts paying: the order is ``paying``; returns the gateway's pay page address."""
    at = clock.now()
    gateway = channels.online()
    with transaction.atomic():
        locked = lock(order)
        require(actor, locked, "pay")
        if not locked.is_payable:
            raise wrong_status(locked, "支付", "pay")
        if locked.expires_at <= at:
            raise Conflict(
                "order_expired", "缴费单已超过缴费期限", "the order is past its payment deadline", status=409
            )
        before = snapshot(locked)
        url = gateway.pay_url(
            out_trade_no=locked.payment_code,
            amount=locked.amount,
            subject=f"{locked.item_name}（{locked.case.case_no}）",
            expires_at=locked.expires_at,
            return_url=return_url,
            notify_url=notify_url,
            quit_url=quit_url,
        )
        locked.status = FeeOrder.Status.PAYING
        locked.paying_since = at
        locked.save(update_fields=["status", "paying_since", "updated_at"])
        record_event(
            actor=actor, action="payments.payment_started", obj=locked, before=before, after=snapshot(locked)
        )
    return url


@dataclass(frozen=True)
class Applied:
    order: FeeOrder
    payment: Payment | None
    changed: bool


class AmountMismatch(DomainError):
    pass


def apply_trade(order: FeeOrder, state: TradeState, *, source: str) -> Applied:
    """Bring the locked ``order`` up to date with a verified trade report (notification, return
    or query answer). Idempotent: the same report twice changes nothing the second time, and a
    report older than the order's state (a waiting status after success) changes nothing."""
    if state.paid:
        if state.amount != order.amount:
            raise AmountMismatch(
                "amount_mismatch",
                "支付金额与缴费单金额不符",
                f"paid {state.amount}, the order is for {order.amount}",
                status=400,
            )
        existing = Payment.objects.filter(channel=Payment.Channel.ONLINE, trade_no=state.trade_no).first()
        if existing is not None:
            return Applied(order, existing, changed=False)
        payment = _record_payment(
            order,
            channel=Payment.Channel.ONLINE,
            method=Payment.Method.GATEWAY,
            trade_no=state.trade_no,
            paid_at=state.paid_at or clock.now(),
            actor=None,
            payer_account=state.buyer[:100],
            source=source,
        )
        return Applied(order, payment, changed=True)
    if state.status == "TRADE_CLOSED" and order.status == FeeOrder.Status.PAYING:
        before = snapshot(order)
        order.status = FeeOrder.Status.UNPAID
        order.paying_since = None
        order.save(update_fields=["status", "paying_since", "updated_at"])
        record_event(
            actor=None,
            action="payments.trade_closed",
            obj=order,
            before=before,
            after={**snapshot(order), "source": source, "trade_no": state.trade_no},
        )
        return Applied(order, None, changed=True)
    return Applied(order, None, changed=False)


def _record_payment(
    order: FeeOrder,
    *,
    channel: str,
    method: str,
    trade_no: str,
    paid_at: datetime,
    actor: User | None,
    payer_account: str = "",
    note: str = "",
    source: str,
) -> Payment:
    duplicate = order.status in SETTLED_STATUSES
    payment = Payment.objects.create(
        order=order,
        channel=channel,
        method=method,
        trade_no=trade_no,
        amount=order.amount,
        paid_at=paid_at,
        recorded_by=actor,
        payer_account=payer_account,
        is_duplicate=duplicate,
        note=note[:200],
    )
    local_year = paid_at.astimezone(SHANGHAI).year
    payment.receipt_no = f"{local_year}{payment.pk:010d}"
    payment.save(update_fields=["receipt_no"])
    before = snapshot(order)
    facts = {
        "channel": channel,
        "method": method,
        "trade_no": trade_no,
        "source": source,
        "receipt_no": payment.receipt_no,
    }
    from govhall.payments.tasks import generate_receipt

    enqueue_on_commit(generate_receipt, payment.pk)
    if duplicate:
        record_event(
            actor=actor,
            action="payments.duplicate_payment",
            obj=order,
            before=before,
            after={**snapshot(order), **facts},
        )
        people = department_people(order, {Role.APPROVER, Role.DEPARTMENT_ADMIN})
        if people:
            notify(recipients=people, event="payment.duplicate", context=context(order), related=order)
        return payment
    late = order.status in (FeeOrder.Status.EXPIRED, FeeOrder.Status.CLOSED)
    order.status = FeeOrder.Status.PAID
    order.paid_at = paid_at
    order.save(update_fields=["status", "paid_at", "updated_at"])
    record_event(
        actor=actor,
        action="payments.paid",
        obj=order,
        before=before,
        after={**snapshot(order), **facts, "late": late},
    )
    case_log(
        order.case,
        actor=actor,
        kind="fee_paid",
        at=clock.now(),
        from_status=order.case.status,
        note=f"已缴费 {money.yuan(order.amount)} 元（{Payment.Channel(channel).label.split(' ')[0]}）",
        data={"payment_code": order.payment_code, "receipt_no": payment.receipt_no, "channel": channel},
    )
    notify(
        recipients=[order.payer],
        event="payment.paid",
        context=context(order),
        link=order_link(order),
        related=order,
    )
    clerks = department_people(order, {Role.WINDOW_CLERK})
    if clerks:
        notify(
            recipients=clerks,
            event="payment.received",
            context=context(order),
            link=workbench_link(order),
            related=order,
        )
    return payment


def sync_with_gateway(order: FeeOrder, *, source: str = "query") -> Applied:
    """Ask the gateway about a ``paying`` (or just returned) order and apply its answer."""
    try:
        state = channels.online().query(out_trade_no=order.payment_code)
    except ChannelError as error:
        logger.warning("query of %s failed: %s", order.payment_code, error)
        return Applied(order, None, changed=False)
    if state is None:
        return Applied(order, None, changed=False)
    with transaction.atomic():
        locked = lock(order)
        try:
            return apply_trade(locked, state, source=source)
        except AmountMismatch:
            record_event(
                actor=None,
                action="payments.amount_mismatch",
                obj=locked,
                after={"source": source, "trade_no": state.trade_no, "amount": state.amount},
            )
            return Applied(locked, None, changed=False)


# --- The window ----------------------------------------------------------------------------------


def record_window_payment(
    *, actor: User, order: FeeOrder, method: str, receipt_no: str, amount: Decimal | str, note: str = ""
) -> Payment:
    """A clerk records cash or a card payment taken at the window, with its receipt number.

    Recording the same receipt number for the same order again returns the first record (a
    retried form). An order being paid online is first closed at the gateway, so the payer cannot
    pay twice; if the gateway says it was paid meanwhile, that payment is applied instead.
    """
    receipt = receipt_no.strip().upper()
    if method not in (Payment.Method.CASH, Payment.Method.POS):
        raise field_error("method", "invalid_method", "请选择现金或银行卡", "choose cash or card")
    if not RECEIPT_NUMBER.fullmatch(receipt):
        raise field_error(
            "receipt_no",
            "invalid_receipt_no",
            "请填写有效的收据或 POS 凭证号",
            "a valid receipt or POS slip number is required",
        )
    try:
        paid = money.to_amount(amount)
    except ValueError:
        raise field_error("amount", "invalid_amount", "金额无效", "invalid amount") from None
    current = FeeOrder.objects.select_related("department").get(pk=order.pk)
    require(actor, current, "record_payment")
    existing = Payment.objects.filter(channel=Payment.Channel.WINDOW, trade_no=receipt).first()
    if existing is not None:
        if existing.order_id == order.pk and existing.amount == paid:
            return existing
        raise Conflict(
            "receipt_used", "该收据号已登记过其他缴费", "the receipt number is recorded already", status=409
        )
    if current.status == FeeOrder.Status.PAYING:
        stop_online_payment(current)
    with transaction.atomic():
        locked = lock(order)
        if not locked.is_payable:
            # An expired or closed order takes no more money at the counter: staff issue a new one.
            raise wrong_status(locked, "登记缴费", "record a payment for")
        if paid != locked.amount:
            raise field_error(
                "amount",
                "amount_mismatch",
                f"应缴 {money.yuan(locked.amount)} 元",
                f"the order is for {locked.amount}",
            )
        try:
            with transaction.atomic():
                return _record_payment(
                    locked,
                    channel=Payment.Channel.WINDOW,
                    method=method,
                    trade_no=receipt,
                    paid_at=clock.now(),
                    actor=actor,
                    note=note,
                    source="window",
                )
        except IntegrityError:
            raise Conflict(
                "receipt_used",
                "该收据号已登记过其他缴费",
                "the receipt number is recorded already",
                status=409,
            ) from None


def stop_online_payment(order: FeeOrder) -> None:
    gateway = channels.online()
    try:
        closed = gateway.close(out_trade_no=order.payment_code)
    except ChannelError as error:
        raise gateway_unavailable(error) from error
    if not closed:
        sync_with_gateway(order, source="close")
        raise Conflict("paid_online", "该缴费单已在网上缴费", "the order has been paid online", status=409)


def sync_paying_orders(*, older_than: timedelta = timedelta(minutes=5), limit: int = 200) -> int:
    """Ask the gateway about orders left ``paying`` for a while: a notification may have been lost."""
    at = clock.now()
    changed = 0
    for order in FeeOrder.objects.filter(
        status=FeeOrder.Status.PAYING, paying_since__lte=at - older_than
    ).order_by("paying_since")[:limit]:
        changed += int(sync_with_gateway(order).changed)
    return changed
