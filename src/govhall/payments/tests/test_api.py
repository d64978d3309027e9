"""/api/v1/payments/: the same services behind JSON, with bearer tokens."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from govhall.identity.tokens import issue_token
from govhall.payments.models import FeeOrder
from govhall.paysandbox.app import Sandbox

pytestmark = pytest.mark.django_db
BASE = "/api/v1/payments"


def call(client: Client, user: Any, method: str, url: str, payload: Any = None, **headers: str) -> Any:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user).raw}", **headers}
    if method == "get":
        return client.get(url, **auth)
    return client.post(url, data=json.dumps(payload or {}), content_type="application/json", **auth)


def test_the_payer_reads_and_pays_online(
    client: Client, citizen: Any, order: FeeOrder, sandbox: Sandbox
) -> None:
    listed = call(client, citizen, "get", f"{BASE}/orders").json()
    assert [o["payment_code"] for o in listed] == [order.payment_code]
    detail = call(client, citizen, "get", f"{BASE}/orders/{order.payment_code}").json()
    assert detail["amount"] == "20.00" and detail["lines"][0]["name"] == "居民身份证工本费"
    paid = call(client, citizen, "post", f"{BASE}/orders/{order.payment_code}/pay")
    assert paid.status_code == 200 and paid.json()["pay_url"].startswith("http://sandbox.test/gateway.do?")


def test_window_payment_and_refund_with_idempotency(
    client: Client, clerk: Any, approver: Any, other_citizen: Any, order: FeeOrder
) -> None:
    url = f"{BASE}/orders/{order.payment_code}"
    recorded = call(
        client,
        clerk,
        "post",
        f"{url}/window-payments",
        {"method": "cash", "receipt_no": "SJ-42", "amount": "20.00"},
    )
    assert recorded.status_code == 201, recorded.content
    payment_id = recorded.json()["id"]
    body = {"payment_id": payment_id, "amount": "3.00", "reason": "减免"}
    first = call(client, approver, "post", f"{url}/refunds", body, HTTP_IDEMPOTENCY_KEY="r-1")
    again = call(client, approver, "post", f"{url}/refunds", body, HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["request_no"] == again.json()["request_no"] and first.json()["status"] == "succeeded"
    order.refresh_from_db()
    assert order.status == "partially_refunded"
    hidden = call(client, other_citizen, "get", url)
    assert hidden.status_code == 404 and hidden.json()["code"] == "order_not_found"
    refused = call(client, clerk, "post", f"{url}/refunds", body)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
