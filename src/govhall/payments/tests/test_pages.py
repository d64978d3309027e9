"""The payer's and the staff's pages, through Django's test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from govhall.payments.models import FeeOrder, Refund

pytestmark = pytest.mark.django_db


def test_the_case_page_offers_to_pay(client: Client, citizen: Any, order: FeeOrder) -> None:
    client.force_login(citizen)
    page = client.get(reverse("cases:my_case", args=[order.case.case_no])).content.decode()
    order_url = reverse("payments:order", args=[order.payment_code])
    assert "去缴费" in page and order_url in page and order.code_display in page
    order_page = client.get(order_url).content.decode()
    assert "网上缴费" in order_page and "居民身份证工本费" in order_page and "¥20.00" in order_page
    listing = client.get(reverse("payments:my_orders")).content.decode()
    assert order_url in listing


def test_another_citizen_sees_and_pays_nothing(client: Client, other_citizen: Any, order: FeeOrder) -> None:
    client.force_login(other_citizen)
    assert client.get(reverse("payments:order", args=[order.payment_code])).status_code == 404
    assert client.post(reverse("payments:pay", args=[order.payment_code])).status_code == 404
    assert client.get(reverse("payments:result", args=[order.payment_code])).status_code == 404
    assert order.payment_code not in client.get(reverse("payments:my_orders")).content.decode()
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.UNPAID


def test_staff_cannot_pay_for_the_applicant(client: Client, clerk: Any, order: FeeOrder) -> None:
    client.force_login(clerk)
    assert client.post(reverse("payments:pay", args=[order.payment_code])).status_code == 403


def test_the_clerk_records_a_window_payment_on_the_workbench(
    client: Client, clerk: Any, order: FeeOrder
) -> None:
    client.force_login(clerk)
    case_page = client.get(reverse("workbench:case", args=[order.case.case_no])).content.decode()
    staff_url = reverse("payments:staff_order", args=[order.payment_code])
    assert staff_url in case_page
    listing = client.get(reverse("payments:staff_orders"), {"q": order.code_display}).content.decode()
    assert staff_url in listing
    page = client.get(staff_url).content.decode()
    assert (
        "窗口收费" in page
        and "登记缴费" in page
        and "退款" not in page.split("窗口收费")[1].split("</section>")[0]
    )
    act = reverse("payments:staff_act", args=[order.payment_code, "window"])
    wrong = client.post(act, {"method": "cash", "receipt_no": "SJ-1000", "amount": "2"})
    assert wrong.status_code == 422 and "应缴 20.00 元" in wrong.content.decode()
    done = client.post(act, {"method": "cash", "receipt_no": "SJ-1000", "amount": "20.00"})
    assert done.status_code == 302 and done["Location"] == staff_url
    order.refresh_from_db()
    assert order.status == FeeOrder.Status.PAID
    assert "下载缴款书" in client.get(staff_url).content.decode()


def test_an_approver_refunds_on_the_workbench(
    client: Client, clerk: Any, approver: Any, order: FeeOrder
) -> None:
    client.force_login(clerk)
    client.post(
        reverse("payments:staff_act", args=[order.payment_code, "window"]),
        {"method": "pos", "receipt_no": "POS-1", "amount": "20"},
    )
    payment = order.payments.get()
    client.force_login(approver)
    page = client.get(reverse("payments:staff_order", args=[order.payment_code])).content.decode()
    assert "退款原因" in page and "登记缴费" not in page
    response = client.post(
        reverse("payments:staff_act", args=[order.payment_code, "refund"]),
        {"payment": payment.pk, "amount": "20", "reason": "免收工本费", "idempotency_key": "page-1"},
    )
    assert response.status_code == 302
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED


def test_other_departments_and_citizens_stay_out(
    client: Client, other_dept_approver: Any, citizen: Any, order: FeeOrder
) -> None:
    client.force_login(other_dept_approver)
    assert client.get(reverse("payments:staff_order", args=[order.payment_code])).status_code == 404
    response = client.post(
        reverse("payments:staff_act", args=[order.payment_code, "refund"]),
        {"payment": 1, "amount": "1", "reason": "x"},
    )
    assert response.status_code == 404
    assert order.payment_code not in client.get(reverse("payments:staff_orders")).content.decode()
    client.force_login(citizen)
    assert client.get(reverse("payments:staff_orders")).status_code == 403


def test_the_notify_endpoint_takes_only_posts(client: Client) -> None:
    assert client.get(reverse("payments:notify")).status_code == 405
    response = client.post(reverse("payments:notify"), {"out_trade_no": "1"})
    assert (response.status_code, response.content) == (400, b"fail")
