"""What the gateway sends back: asynchronous notifications (``POST notify_url``) and the payer's
browser returning (``GET return_url``), both signed with the gateway's key.

A notification is checked in this order — signature, app id, fields, known order, amount — and
every one is kept as a :class:`GatewayNotification` row with its outcome. A genuine notification
seen before (the same ``notify_id``; gateways send again until they read ``success``) is only
counted: the same notification a thousand times is one payment. Anything rejected is written to
the audit log with the reason and answered with a 4xx and ``fail``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction

from govhall.core.audit import record_event
from govhall.core.errors import DomainError
from govhall.payments import channels, clock, settlement
from govhall.payments.channels import TradeState
from govhall.payments.common import lock, order_not_found
from govhall.payments.models import FeeOrder, GatewayNotification

logger = logging.getLogger(__name__)
Outcome = GatewayNotification.Outcome
ACCEPTED_OUTCOMES = frozenset({Outcome.APPLIED, Outcome.NO_CHANGE})
SUCCESS = "success"
FAIL = "fail"


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    outcome: str


def _trim(params: dict[str, str]) -> dict[str, str]:
    return {str(key)[:64]: str(value)[:2000] for key, value in list(params.items())[:60]}


def _reply(outcome: str) -> Reply:
    if outcome in ACCEPTED_OUTCOMES:
        return Reply(200, SUCCESS, outcome)
    return Reply(404 if outcome == Outcome.UNKNOWN_ORDER else 400, FAIL, outcome)


def receive_notification(params: dict[str, str]) -> Reply:
    gateway = channels.online()
    if not gateway.verify_callback(params):
        return _reject(params, Outcome.BAD_SIGNATURE, "签名无效 bad signature", verified=False)
    if params.get("app_id") != gateway.app_id:
        return _reject(params, Outcome.WRONG_APP, f"app_id {params.get('app_id', '')!r}", verified=False)
    try:
        state = gateway.trade_from_callback(params)
    except ValueError as error:
        return _reject(params, Outcome.MALFORMED, str(error)[:300], verified=True)
    # A repeat of a genuine notification is only counted: no order lookup, no lock.
    with transaction.atomic():
        seen = _seen(state.notify_id)
    if seen is not None:
        return _reply(seen)
    order = FeeOrder.objects.filter(payment_code=state.out_trade_no).only("pk").first()
    if order is None:
        logger.warning("notification for unknown order %s (trade %s)", state.out_trade_no, state.trade_no)
        return _reject(
            params, Outcome.UNKNOWN_ORDER, "缴费单不存在 unknown order", verified=True, state=state
        )
    with transaction.atomic():
        locked = lock(order)
        # Asked again under the lock: a concurrent copy may have been applied meanwhile.
        seen = _seen(state.notify_id)
        if seen is not None:
            return _reply(seen)
        try:
            applied = settlement.apply_trade(locked, state, source="notify")
        except settlement.AmountMismatch as error:
            _store(params, state, Outcome.AMOUNT_MISMATCH, error.message_en, order=locked, verified=True)
            record_event(
                actor=None,
                action="payments.notification_rejected",
                obj=locked,
                after={
                    "outcome": Outcome.AMOUNT_MISMATCH,
                    "trade_no": state.trade_no,
                    "amount": state.amount,
                },
            )
            return _reply(Outcome.AMOUNT_MISMATCH)
        outcome = Outcome.APPLIED if applied.changed else Outcome.NO_CHANGE
        row = _store(params, state, outcome, "", order=locked, verified=True)
        if not applied.changed:
            # Late or out-of-order (a waiting status after success, a repeat under a new id): kept
            # on the chain so that what arrived, and that it changed nothing, can be shown.
            record_event(
                actor=None,
                action="payments.notification_no_change",
                obj=locked,
                after={"notification": row.pk, "trade_no": state.trade_no, "trade_status": state.status},
            )
    return _reply(outcome)


def _seen(notify_id: str) -> str | None:
    """The outcome of a genuine notification already received under ``notify_id``, counted again.

    One ``UPDATE … RETURNING`` (SQLite 3.35+, PostgreSQL): a gateway repeats a notification until
    it reads ``success``, so this is the platform's busiest path for notifications.
    """
    if not notify_id:
        return None
    table = connection.ops.quote_name(GatewayNotification._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET times_received = times_received + 1, last_received_at = %s "  # noqa: S608
            "WHERE notify_id = %s AND verified RETURNING outcome",
            [connection.ops.adapt_datetimefield_value(clock.now()), notify_id],
        )
        row = cursor.fetchone()
    return str(row[0]) if row else None


def _store(
    params: dict[str, str],
    state: TradeState | None,
    outcome: str,
    detail: str,
    *,
    order: FeeOrder | None,
    verified: bool,
) -> GatewayNotification:
    return GatewayNotification.objects.create(
        last_received_at=clock.now(),
        notify_id=(params.get("notify_id") or "")[:128] if verified else "",
        out_trade_no=(params.get("out_trade_no") or "")[:64],
        trade_no=(params.get("trade_no") or "")[:64],
        trade_status=(params.get("trade_status") or "")[:32],
        verified=verified,
        outcome=outcome,
        detail=detail[:300],
        params=_trim(params),
        order=order,
    )


def _reject(
    params: dict[str, str], outcome: str, detail: str, *, verified: bool, state: TradeState | None = None
) -> Reply:
    try:
        with transaction.atomic():
            if verified:
                seen = _seen(params.get("notify_id", ""))
                if seen is not None:
                    return _reply(seen)
            row = _store(params, state, outcome, detail, order=None, verified=verified)
            record_event(
                actor=None,
                action="payments.notification_rejected",
                obj=row,
                after={
                    "outcome": outcome,
                    "detail": detail,
                    "out_trade_no": row.out_trade_no,
                    "trade_no": row.trade_no,
                    "trade_status": row.trade_status,
                },
            )
    except IntegrityError:
        # The same genuine notification, stored by a concurrent request a moment ago.
        with transaction.atomic():
            seen = _seen(params.get("notify_id", ""))
        return _reply(seen or outcome)
    return _reply(outcome)


def confirm_return(params: dict[str, str]) -> FeeOrder:
    """The payer's browser came back from the gateway: check the signature, then ask the gateway
    (the return itself does not say whether the money moved) and apply its answer."""
    gateway = channels.online()
    if not gateway.verify_callback(params) or params.get("app_id") != gateway.app_id:
        raise DomainError(
            "bad_signature", "支付结果签名无效", "the return carries no valid signature", status=400
        )
    try:
        state = gateway.trade_from_callback(params)
    except ValueError:
        raise DomainError(
            "malformed_return", "支付结果参数不全", "the return lacks its fields", status=400
        ) from None
    order = FeeOrder.objects.filter(payment_code=state.out_trade_no).first()
    if order is None:
        raise order_not_found()
    if not order.is_settled:
        settlement.sync_with_gateway(order, source="return")
        order.refresh_from_db()
    return order
