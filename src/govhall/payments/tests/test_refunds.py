"""Refunds through the channel the money came by, full and partial, and who may give them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from govhall.notifications.models import Message
from govhall.payments import refunds, settlement
from govhall.payments.channels import gateway
from govhall.payments.models import FeeOrder, GatewayNotification, Payment, Refund
from govhall.payments.tests.helpers import PlatformTransport, follow_to_sandbox, press
from govhall.paysandbox.app import Sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_online(client: Client, citizen: Any, order: FeeOrder, sandbox: Sandbox) -> Payment:
    client.force_login(citizen)
    back = press(
        sandbox,
        follow_to_sandbox(
            client, sandbox, client.post(reverse("payments:pay", args=[order.payment_code]))["Location"]
        ),
    )
    client.get(back.headers["Location"])
    sandbox.deliver_due()
    return Payment.objects.get(order=order)


def sandbox_trade(sandbox: Sandbox, trade_no: str) -> Any:
    with sandbox.store.transaction() as db:
        return sandbox.store.trade(db, trade_no=trade_no)


def test_partial_then_full_refund_through_the_sandbox(
    paid_online: Payment, approver: Any, citizen: Any, sandbox: Sandbox, platform_transport: PlatformTransport
) -> None:
    order = paid_online.order
    first = refunds.request_refund(
        actor=approver, payment=paid_online, amount="5.50", reason="多收工本费", idempotency_key="k1"
    )
    assert first.status == Refund.Status.SUCCEEDED and first.request_no
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (FeeOrder.Status.PARTIALLY_REFUNDED, Decimal("5.50"))
    trade = sandbox_trade(sandbox, paid_online.trade_no)
    assert (trade.status, trade.refunded_total) == ("TRADE_SUCCESS", Decimal("5.50"))
    # A retried request with the same key refunds nothing more.
    assert (
        refunds.request_refund(
            actor=approver, payment=paid_online, amount="5.50", reason="多收工本费", idempotency_key="k1"
        )
        == first
    )

    with pytest.raises(DomainError) as too_much:
        refunds.request_refund(actor=approver, payment=paid_online, amount="14.51", reason="超额")
    assert (too_much.value.status, too_much.value.code) == (422, "refund_exceeds_paid")

    rest = refunds.request_refund(actor=approver, payment=paid_online, amount="14.50", reason="申请人撤回")
    assert rest.status == Refund.Status.SUCCEEDED
    order.refresh_from_db()
    paid_online.refresh_from_db()
    assert (order.status, order.refunded_amount, paid_online.refunded_amount) == (
        "refunded",
        Decimal("20.00"),
        Decimal("20.00"),
    )
    assert sandbox_trade(sandbox, paid_online.trade_no).status == "TRADE_CLOSED"
    # The gateway's notifications of the refunds (TRADE_SUCCESS with refund_fee, then TRADE_CLOSED)
    # are acknowledged and change nothing.
    assert sandbox.deliver_due() == 2
    order.refresh_from_db()
    assert order.status == "refunded"
    assert set(GatewayNotification.objects.values_list("outcome", flat=True)) <= {"applied", "no_change"}
    assert Message.objects.filter(recipient=citizen, event="payment.refunded").count() == 2
    assert order.case.events.filter(kind="fee_refunded").count() == 2
    assert AuditEvent.objects.filter(action="payments.refunded", object_id=str(order.pk)).count() == 2


def test_a_refund_waits_for_an_unreachable_gateway(
    paid_online: Payment, approver: Any, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Down:
        def post_form(self, url: str, params: dict[str, str]) -> tuple[int, str]:
            raise OSError("connection refused")

        def get(self, url: str) -> tuple[int, bytes]:
            raise OSError("connection refused")

    working = gateway.TRANSPORT
    monkeypatch.setattr(gateway, "TRANSPORT", Down())
    refund = refunds.request_refund(actor=approver, payment=paid_online, amount="20", reason="撤回")
    assert refund.status == Refund.Status.PENDING and "refused" in refund.failure
    paid_online.order.refresh_from_db()
    assert paid_online.order.status == FeeOrder.Status.REFUNDING
    monkeypatch.setattr(gateway, "TRANSPORT", working)
    assert refunds.retry_pending_refunds(older_than=timedelta(0)) == 1
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and refund.attempts == 2
    assert sandbox_trade(sandbox, paid_online.trade_no).refunded_total == Decimal("20.00")


def test_a_window_payment_is_refunded_at_the_counter(
    order: FeeOrder, clerk: Any, department_admin: Any
) -> None:
    payment = settlement.record_window_payment(
        actor=clerk, order=order, method="cash", receipt_no="SJ-300", amount="20"
    )
    refund = refunds.request_refund(actor=department_admin, payment=payment, amount="20", reason="重复收费")
    assert refund.status == Refund.Status.SUCCEEDED
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.REFUNDED


def test_who_may_refund(
    order: FeeOrder, clerk: Any, citizen: Any, other_citizen: Any, other_dept_approver: Any, supervisor: Any
) -> None:
    payment = settlement.record_window_payment(
        actor=clerk, order=order, method="cash", receipt_no="SJ-301", amount="20"
    )
    # A clerk of department B, or another citizen, is not told the order exists.
    for outsider in (other_dept_approver, other_citizen):
        with pytest.raises(DomainError) as hidden:
            refunds.request_refund(actor=outsider, payment=payment, amount="1", reason="试图退款")
        assert hidden.value.status == 404
    # Those who may see it but not refund: the clerk who took the money, the payer, the supervisor.
    for viewer in (clerk, citizen, supervisor):
        with pytest.raises(DomainError) as forbidden:
            refunds.request_refund(actor=viewer, payment=payment, amount="1", reason="试图退款")
        assert forbidden.value.status == 403
    assert not Refund.objects.exists()
    with pytest.raises(DomainError) as no_reason:
        refunds.request_refund(actor=clerk, payment=payment, amount="1", reason=" ")
    assert no_reason.value.code == "reason_required"
