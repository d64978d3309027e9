"""Gateway notifications and returns: signatures, app id, unknown orders, amounts, order of arrival,
late and duplicate payments, and the sandbox sending again until it reads ``success``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from govhall.core.models import AuditEvent
from govhall.notifications.models import Message
from govhall.payments import clock, rsa2, services, settlement
from govhall.payments.models import FeeOrder, GatewayNotification, Payment
from govhall.payments.tests.helpers import (
    PlatformTransport,
    follow_to_sandbox,
    press,
    query_of,
    signed_notification,
)
from govhall.paysandbox.app import Sandbox

pytestmark = pytest.mark.django_db
TRADE_NO = "2026112322000000000000000042"


def notify(params: dict[str, str]) -> tuple[int, str]:
    response = Client().post(reverse("payments:notify"), data=params)
    return response.status_code, response.content.decode()


def success(sandbox: Sandbox, order: FeeOrder, **overrides: str) -> dict[str, str]:
    fields = {
        "notify_id": "n-success",
        "notify_time": "2026-11-23 10:00:05",
        "app_id": sandbox.config.app_id,
        "out_trade_no": order.payment_code,
        "trade_no": TRADE_NO,
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "20.00",
        "gmt_payment": "2026-11-23 10:00:01",
        "buyer_logon_id": "san***@sandbox.example.cn",
    }
    fields.update(overrides)
    return signed_notification(sandbox, **fields)


def rejected(outcome: str) -> GatewayNotification:
    """The last notification rejected with ``outcome``; every such one is on the audit chain."""
    rows = list(GatewayNotification.objects.filter(outcome=outcome).order_by("id"))
    for row in rows:
        assert AuditEvent.objects.filter(
            action="payments.notification_rejected",
            object_type="payments.gatewaynotification",
            object_id=str(row.pk),
        ).exists()
    return rows[-1]


def test_a_tampered_notification_changes_nothing(order: FeeOrder, sandbox: Sandbox) -> None:
    params = success(sandbox, order)
    params["total_amount"] = "0.01"
    assert notify(params) == (400, "fail")
    forged = dict(params, total_amount="20.00", sign=rsa2.sign_callback(params, rsa2.generate_private_key()))
    assert notify(forged) == (400, "fail")
    unsigned = {k: v for k, v in params.items() if k != "sign"}
    assert notify(unsigned) == (400, "fail")
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.UNPAID and not Payment.objects.exists()
    assert GatewayNotification.objects.filter(outcome="bad_signature", verified=False).count() == 3
    rejected("bad_signature")


def test_another_app_unknown_orders_and_wrong_amounts_are_rejected(order: FeeOrder, sandbox: Sandbox) -> None:
    assert notify(success(sandbox, order, app_id="9021000000009999")) == (400, "fail")
    rejected("wrong_app")
    unknown = success(sandbox, order, out_trade_no="44530026000000000000", notify_id="n-unknown")
    assert notify(unknown) == (404, "fail")
    assert rejected("unknown_order").out_trade_no == "44530026000000000000"
    assert notify(unknown) == (404, "fail")
    assert GatewayNotification.objects.get(outcome="unknown_order").times_received == 2
    assert notify(success(sandbox, order, total_amount="2.00", notify_id="n-cheap")) == (400, "fail")
    assert GatewayNotification.objects.get(outcome="amount_mismatch").order == order
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.UNPAID and not Payment.objects.exists()


def test_out_of_order_notifications(order: FeeOrder, sandbox: Sandbox) -> None:
    assert notify(success(sandbox, order)) == (200, "success")
    waiting = success(sandbox, order, notify_id="n-wait", trade_status="WAIT_BUYER_PAY", gmt_payment="")
    assert notify(waiting) == (200, "success")
    closed = success(sandbox, order, notify_id="n-closed", trade_status="TRADE_CLOSED")
    assert notify(closed) == (200, "success")
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID and Payment.objects.count() == 1
    assert list(GatewayNotification.objects.order_by("id").values_list("outcome", flat=True)) == [
        "applied",
        "no_change",
        "no_change",
    ]
    assert AuditEvent.objects.filter(action="payments.notification_no_change").count() == 2


def test_a_closed_trade_makes_a_paying_order_payable_again(
    client: Client, citizen: Any, order: FeeOrder, sandbox: Sandbox
) -> None:
    client.force_login(citizen)
    client.post(reverse("payments:pay", args=[order.payment_code]))
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAYING
    assert notify(success(sandbox, order, trade_status="TRADE_CLOSED", gmt_payment="")) == (200, "success")
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.UNPAID and order.paying_since is None


def test_a_payment_arriving_after_expiry_is_kept(
    order: FeeOrder, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "now", lambda: order.expires_at + timedelta(hours=1))
    services.expire_orders()
    assert notify(success(sandbox, order)) == (200, "success")
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID
    event = AuditEvent.objects.get(action="payments.paid", object_id=str(order.pk))
    assert event.before["status"] == "expired" and event.after["late"] is True


def test_a_second_payment_is_a_duplicate_to_refund(
    order: FeeOrder, sandbox: Sandbox, clerk: Any, approver: Any
) -> None:
    settlement.record_window_payment(
        actor=clerk, order=order, method="cash", receipt_no="SJ-100", amount="20"
    )
    assert notify(success(sandbox, order)) == (200, "success")
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID
    online = order.payments.get(channel="online")
    assert online.is_duplicate and online.receipt_no
    assert Message.objects.filter(recipient=approver, event="payment.duplicate").exists()


def test_the_return_needs_the_gateway_signature(
    client: Client, citizen: Any, order: FeeOrder, sandbox: Sandbox
) -> None:
    client.force_login(citizen)
    back = press(
        sandbox,
        follow_to_sandbox(
            client, sandbox, client.post(reverse("payments:pay", args=[order.payment_code]))["Location"]
        ),
    )
    params = query_of(back.headers["Location"])
    params["total_amount"] = "0.01"
    response = client.get(reverse("payments:return"), data=params)
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAYING


def test_the_sandbox_sends_again_until_it_reads_success(
    client: Client, citizen: Any, order: FeeOrder, sandbox: Sandbox, platform_transport: PlatformTransport
) -> None:
    client.force_login(citizen)
    press(
        sandbox,
        follow_to_sandbox(
            client, sandbox, client.post(reverse("payments:pay", args=[order.payment_code]))["Location"]
        ),
    )
    platform_transport.fail_next = 2
    assert sandbox.deliver_due() == 0
    assert sandbox.notifier.deliver_due(now=10**10) == 0  # second failure, later
    with sandbox.store.transaction() as db:
        row = sandbox.store.notifications(db)[0]
    assert row["attempts"] == 2 and row["delivered_at"] == "" and "refused" in row["last_result"]
    assert sandbox.notifier.deliver_due(now=10**11) == 1
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID
    assert sandbox.notifier.deliver_due(now=10**12) == 0


def test_a_repeat_is_counted_with_its_time(order: FeeOrder, sandbox: Sandbox) -> None:
    params = success(sandbox, order)
    assert notify(params) == (200, "success")
    first = GatewayNotification.objects.get()
    assert notify(params) == (200, "success")
    again = GatewayNotification.objects.get()
    assert again.times_received == 2 and again.last_received_at >= first.last_received_at
    assert again.last_received_at.tzinfo is not None
