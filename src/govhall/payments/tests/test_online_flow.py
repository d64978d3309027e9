"""The online flow against the real sandbox gateway (in-process, real RSA2 signatures both ways):
pay page → cashier → return → result, and the asynchronous notification."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from govhall.cases.models import Case
from govhall.core.audit import verify_chain
from govhall.core.models import AuditEvent
from govhall.payments.models import FeeOrder, GatewayNotification, Payment
from govhall.payments.tests.helpers import PlatformTransport, follow_to_sandbox, press, query_of
from govhall.paysandbox.app import Sandbox

pytestmark = pytest.mark.django_db


def start_paying(client: Client, order: FeeOrder) -> str:
    response = client.post(reverse("payments:pay", args=[order.payment_code]))
    assert response.status_code == 302, response.content[:500]
    return str(response["Location"])


def test_pay_through_the_sandbox_and_come_back_paid(
    client: Client, citizen: Any, order: FeeOrder, sandbox: Sandbox, platform_transport: PlatformTransport
) -> None:
    client.force_login(citizen)
    pay_url = start_paying(client, order)
    assert pay_url.startswith("http://sandbox.test/gateway.do?")
    params = query_of(pay_url)
    assert params["method"] == "alipay.trade.page.pay" and params["sign_type"] == "RSA2"
    assert '"total_amount":"20.00"' in params["biz_content"]
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAYING

    cashier = follow_to_sandbox(client, sandbox, pay_url)
    assert cashier.status == 200 and "确认付款" in cashier.text and "20.00" in cashier.text
    back = press(sandbox, cashier)
    assert back.status == 303
    return_url = back.headers["Location"]
    assert return_url.startswith("http://testserver/payments/return/?")

    # The browser returns before the notification: the platform asks the gateway and is paid.
    landed = client.get(return_url)
    assert landed.status_code == 302 and landed["Location"] == reverse(
        "payments:result", args=[order.payment_code]
    )
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID
    payment = order.payments.get()
    assert (payment.channel, payment.amount, payment.is_duplicate) == ("online", order.amount, False)
    assert len(payment.trade_no) == 28 and payment.receipt_no
    page = client.get(landed["Location"])
    assert "缴费成功" in page.content.decode()

    # Then the notification arrives: acknowledged, nothing changes.
    assert sandbox.deliver_due() == 1
    assert platform_transport.replies == [(200, "success")]
    assert order.payments.count() == 1
    note = GatewayNotification.objects.get()
    assert (note.outcome, note.verified, note.trade_status) == ("no_change", True, "TRADE_SUCCESS")

    case = Case.objects.get(pk=order.case_id)
    assert list(case.events.filter(kind__startswith="fee_").values_list("kind", flat=True)) == [
        "fee_order_issued",
        "fee_paid",
    ]
    assert AuditEvent.objects.filter(action="payments.paid", object_id=str(order.pk)).count() == 1
    assert verify_chain().ok


def test_notification_first_then_the_return(
    client: Client, citizen: Any, order: FeeOrder, sandbox: Sandbox, platform_transport: PlatformTransport
) -> None:
    client.force_login(citizen)
    back = press(sandbox, follow_to_sandbox(client, sandbox, start_paying(client, order)))
    assert sandbox.deliver_due() == 1
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID
    assert GatewayNotification.objects.get().outcome == "applied"
    client.get(back.headers["Location"])
    assert Payment.objects.filter(order=order).count() == 1


def test_the_same_notification_a_thousand_times_is_one_payment(
    client: Client, citizen: Any, order: FeeOrder, sandbox: Sandbox, platform_transport: PlatformTransport
) -> None:
    client.force_login(citizen)
    press(sandbox, follow_to_sandbox(client, sandbox, start_paying(client, order)))
    with sandbox.store.transaction() as db:
        params = json.loads(sandbox.store.notifications(db)[0]["params"])
    notifier = Client()
    events_before = AuditEvent.objects.count()
    replies = {notifier.post(reverse("payments:notify"), data=params).content for _ in range(1000)}
    assert replies == {b"success"}
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID
    assert Payment.objects.filter(order=order).count() == 1
    note = GatewayNotification.objects.get()
    assert note.times_received == 1000 and note.outcome == "applied"
    # One payment's worth of audit events, not a thousand.
    assert AuditEvent.objects.count() - events_before < 10


def test_once_paid_the_case_goes_on_to_delivery_and_completion(
    client: Client, citizen: Any, clerk: Any, order: FeeOrder, sandbox: Sandbox
) -> None:
    from govhall.cases import delivery
    from govhall.notifications.models import Message

    client.force_login(citizen)
    press(sandbox, follow_to_sandbox(client, sandbox, start_paying(client, order)))
    assert sandbox.deliver_due() == 1
    told = Message.objects.get(recipient=clerk, event="payment.received")
    assert order.payment_code in told.body
    delivery.deliver_result(actor=clerk, case=order.case, method="download")
    case = Case.objects.get(pk=order.case_id)
    assert case.status == Case.Status.COMPLETED
    kinds = list(case.events.order_by("occurred_at", "id").values_list("kind", flat=True))
    assert kinds.index("fee_paid") < kinds.index("result_delivered") < kinds.index("completed")


def test_the_periodic_tasks_run(order: FeeOrder, sandbox: Sandbox) -> None:
    from govhall.payments import tasks

    assert tasks.sweep_orders.call_local() == {"expired": 0, "synced": 0, "refunds_settled": 0}
    outcome = tasks.reconcile_yesterday.call_local()
    assert outcome["status"] == "balanced" and outcome["differences"] == 0
