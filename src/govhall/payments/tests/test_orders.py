"""Fee orders: issued from the catalogue at approval, by staff, expiry, and the window channel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from govhall.cases.models import Case
from govhall.catalog.content import FeeSpec
from govhall.core.audit import verify_chain
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from govhall.notifications.models import Message
from govhall.payments import clock, codes, services, settlement
from govhall.payments.models import FeeOrder
from govhall.payments.tests.helpers import decide, follow_to_sandbox, press, publish_fee_item
from govhall.paysandbox.app import Sandbox
from govhall.testing import personas

pytestmark = pytest.mark.django_db


def test_an_approved_case_gets_an_order_from_the_catalogue(approved: Case, citizen: Any) -> None:
    order = FeeOrder.objects.get(case=approved)
    assert (order.amount, order.status, order.payer, order.department) == (
        Decimal("20.00"),
        "unpaid",
        citizen,
        approved.lead_department,
    )
    line = order.lines.get()
    assert line.name == "居民身份证工本费" and "发改价格〔2003〕2322号" in line.basis
    assert (line.amount, line.catalogue_amount, line.quantity) == (Decimal("20.00"), Decimal("20.00"), 1)
    assert codes.is_payment_code(order.payment_code)
    assert order.payment_code.startswith("445300")
    assert timedelta(days=14) < order.expires_at - order.created_at <= timedelta(days=15)
    assert order.deviation == "" and order.created_by is None
    assert approved.events.filter(kind="fee_order_issued").count() == 1
    message = Message.objects.get(recipient=citizen, event="payment.order_issued")
    assert order.payment_code in message.body and "20.00" in message.body
    assert AuditEvent.objects.filter(action="payments.order_issued", object_id=str(order.pk)).exists()
    assert verify_chain().ok


def test_no_order_for_a_free_item_or_a_denial(
    dept_a: Any, citizen: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    free = publish_fee_item(dept_a, fees=[], name="个体工商户名称登记")
    zero = publish_fee_item(dept_a, fees=[FeeSpec(name="登记费", amount="0.00")], name="免费登记")
    charged = publish_fee_item(dept_a)
    assert not FeeOrder.objects.filter(case=decide(citizen, free)).exists()
    assert not FeeOrder.objects.filter(case=decide(citizen, zero)).exists()
    denied = decide(citizen, charged, action="deny")
    assert denied.status == Case.Status.DENIED and not FeeOrder.objects.filter(case=denied).exists()


def test_several_fees_are_one_order(
    dept_a: Any, citizen: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    item = publish_fee_item(
        dept_a,
        name="机动车注册登记",
        fees=[
            FeeSpec(name="机动车号牌工本费", amount="100.00", basis="发改价格〔2004〕2831号"),
            FeeSpec(name="机动车行驶证工本费", amount="15.00", basis="同上"),
            FeeSpec(name="机动车登记证书工本费", amount="10.00", basis="同上"),
        ],
    )
    order = FeeOrder.objects.get(case=decide(citizen, item))
    assert order.amount == Decimal("125.00")
    assert [line.name for line in order.lines.all()] == [
        "机动车号牌工本费",
        "机动车行驶证工本费",
        "机动车登记证书工本费",
    ]


def test_the_approval_hook_is_idempotent(approved: Case) -> None:
    result = approved.result
    first = FeeOrder.objects.get(case=approved)
    assert services.order_for_approved_case(approved, result) == first
    assert FeeOrder.objects.filter(case=approved).count() == 1


def test_a_charge_off_the_catalogue_raises_a_supervision_alert(
    order: FeeOrder, clerk: Any, approver: Any, supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from govhall.supervision.models import Alert

    with pytest.raises(DomainError) as outstanding:
        services.issue_order(actor=approver, case=order.case)
    assert outstanding.value.code == "order_outstanding"
    services.close_order(actor=clerk, order=order, reason="按住宅类重新开具")
    line = order.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        reissued = services.issue_order(
            actor=approver,
            case=order.case,
            lines=[
                services.LineSpec(
                    name=line.name, amount=Decimal("25.00"), basis=line.basis, fee_id=line.fee_id
                )
            ],
            idempotency_key="reissue-1",
        )
    assert reissued.amount == Decimal("25.00") and "目录标准 20.00 元" in reissued.deviation
    assert services.issue_order(actor=approver, case=order.case, idempotency_key="reissue-1") == reissued
    assert AuditEvent.objects.filter(action="payments.charge_alert", object_id=str(reissued.pk)).count() == 1
    alert = Alert.objects.get(rule_kind="fee_deviation")
    assert alert.subject_id == str(reissued.pk) and alert.case_id == order.case_id
    assert reissued.payment_code in alert.title


def test_only_the_lead_department_issues_orders(
    order: FeeOrder, other_dept_approver: Any, citizen: Any
) -> None:
    for outsider in (other_dept_approver, citizen):
        with pytest.raises(DomainError) as denied:
            services.issue_order(actor=outsider, case=order.case)
        assert denied.value.status == 403


def test_unpaid_orders_expire(order: FeeOrder, monkeypatch: pytest.MonkeyPatch) -> None:
    later = order.expires_at + timedelta(minutes=1)
    assert services.expire_orders() == 0
    monkeypatch.setattr(clock, "now", lambda: later)
    assert services.expire_orders() == 1
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.EXPIRED and order.closed_at == later
    assert order.case.events.filter(kind="fee_order_expired").exists()
    assert services.expire_orders() == 0
    with pytest.raises(DomainError) as late:
        settlement.record_window_payment(
            actor=personas.staff("clerk"), order=order, method="cash", receipt_no="SJ-LATE", amount="20"
        )
    assert late.value.code == "invalid_order_status"


def test_an_order_being_paid_is_closed_at_the_gateway_when_it_expires(
    client: Client, citizen: Any, order: FeeOrder, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(citizen)
    cashier = follow_to_sandbox(
        client, sandbox, client.post(reverse("payments:pay", args=[order.payment_code]))["Location"]
    )
    monkeypatch.setattr(clock, "now", lambda: order.expires_at + timedelta(minutes=1))
    assert services.expire_orders() == 1
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.EXPIRED
    refused = press(sandbox, cashier)
    assert refused.status == 409 and "交易已关闭" in refused.text


# --- The window ----------------------------------------------------------------------------------


def test_a_clerk_records_cash_at_the_window(order: FeeOrder, clerk: Any) -> None:
    payment = settlement.record_window_payment(
        actor=clerk, order=order, method="cash", receipt_no="sj-0001", amount="20"
    )
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID and order.paid_at == payment.paid_at
    assert (payment.channel, payment.method, payment.trade_no, payment.recorded_by) == (
        "window",
        "cash",
        "SJ-0001",
        clerk,
    )
    assert payment.receipt_no and payment.receipt_no.startswith(str(payment.paid_at.year))
    # The same form sent again records nothing new.
    assert (
        settlement.record_window_payment(
            actor=clerk, order=order, method="cash", receipt_no="SJ-0001", amount="20.00"
        )
        == payment
    )
    with pytest.raises(DomainError) as paid:
        settlement.record_window_payment(
            actor=clerk, order=order, method="pos", receipt_no="POS-9", amount="20"
        )
    assert (paid.value.status, paid.value.code) == (409, "invalid_order_status")


def test_window_payment_is_checked(
    order: FeeOrder, clerk: Any, approver: Any, other_county_clerk: Any
) -> None:
    for kwargs, code in [
        ({"method": "cheque", "receipt_no": "A-001", "amount": "20"}, "invalid_method"),
        ({"method": "cash", "receipt_no": "空", "amount": "20"}, "invalid_receipt_no"),
        ({"method": "cash", "receipt_no": "A-001", "amount": "19.99"}, "amount_mismatch"),
        ({"method": "cash", "receipt_no": "A-001", "amount": "20.001"}, "invalid_amount"),
    ]:
        with pytest.raises(DomainError) as error:
            settlement.record_window_payment(actor=clerk, order=order, **kwargs)
        assert (error.value.status, error.value.code) == (422, code)
    with pytest.raises(DomainError) as not_clerk:
        settlement.record_window_payment(
            actor=approver, order=order, method="cash", receipt_no="A-001", amount="20"
        )
    assert not_clerk.value.status == 403
    with pytest.raises(DomainError) as stranger:
        settlement.record_window_payment(
            actor=other_county_clerk, order=order, method="cash", receipt_no="A-001", amount="20"
        )
    assert stranger.value.status == 404
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.UNPAID


def test_the_window_closes_an_online_payment_in_progress(
    client: Client, citizen: Any, clerk: Any, order: FeeOrder, sandbox: Sandbox
) -> None:
    client.force_login(citizen)
    cashier = follow_to_sandbox(
        client, sandbox, client.post(reverse("payments:pay", args=[order.payment_code]))["Location"]
    )
    settlement.record_window_payment(
        actor=clerk, order=order, method="pos", receipt_no="POS-20261123-01", amount="20"
    )
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID and order.payments.get().channel == "window"
    refused = press(sandbox, cashier)
    assert refused.status == 409
    assert order.payments.count() == 1


def test_the_window_applies_an_online_payment_it_finds(
    client: Client, citizen: Any, clerk: Any, order: FeeOrder, sandbox: Sandbox
) -> None:
    client.force_login(citizen)
    press(
        sandbox,
        follow_to_sandbox(
            client, sandbox, client.post(reverse("payments:pay", args=[order.payment_code]))["Location"]
        ),
    )
    with pytest.raises(DomainError) as paid:
        settlement.record_window_payment(
            actor=clerk, order=order, method="cash", receipt_no="SJ-7", amount="20"
        )
    assert paid.value.code == "paid_online"
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID and order.payments.get().channel == "online"
