"""The disclosure API over HTTP: public reads without a token, requests with one, who sees what."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from govhall.disclosure import list_services, request_services, services
from govhall.disclosure.tests import factories as f
from govhall.identity.tokens import issue_token

pytestmark = pytest.mark.django_db
BASE = "/api/v1/disclosure"


def bearer(user: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user).raw}"}


def post(client: Client, url: str, payload: dict[str, Any], user: Any) -> Any:
    return client.post(url, data=json.dumps(payload), content_type="application/json", **bearer(user))


def test_public_reads(client: Client, dept_a: Any, clerk: Any, reviewer: Any, approver: Any) -> None:
    live = f.published(
        dept_a, clerk, reviewer, approver, title="2026年食品安全抽检计划", body="计划抽检三千批次"
    )
    gone = f.published(dept_a, clerk, reviewer, approver, title="旧的抽检计划", body="旧正文")
    services.withdraw(actor=approver, publication=gone, reason="已被替代")
    f.draft(dept_a, clerk, title="抽检草稿")
    body = client.get(f"{BASE}/publications", {"q": "抽检计划"}).json()
    assert [item["title"] for item in body["items"]] == ["2026年食品安全抽检计划", "旧的抽检计划"]
    assert body["items"][1]["withdrawn"] is True and body["total"] == 2
    assert client.get(f"{BASE}/publications/{live.pk}").json()["body"] == "计划抽检三千批次"
    withdrawn = client.get(f"{BASE}/publications/{gone.pk}").json()
    assert withdrawn["body"] is None and withdrawn["withdrawal_reason"] == "已被替代"
    error = client.get(f"{BASE}/publications", {"date_from": "someday"})
    assert error.status_code == 400 and error.json()["code"] == "invalid_date"
    assert client.get(f"{BASE}/lists/bogus").status_code == 404

    decision = list_services.record_penalty(
        actor=clerk,
        department=dept_a,
        decision_number="云市监罚〔2026〕9号",
        party_kind="natural",
        party_name="钱多多",
        violation="无照经营",
        basis="《无证无照经营查处办法》",
        penalty="警告",
        decided_on=date(2026, 11, 2),
    )
    list_services.publish_penalty(actor=approver, decision=decision)
    listed = client.get(f"{BASE}/penalties").json()["items"]
    assert [item["party"] for item in listed] == ["钱**"]
    assert "钱多多" not in json.dumps(listed, ensure_ascii=False)


def test_requests_need_a_token_and_stay_the_applicants(
    client: Client, dept_a: Any, citizen: Any, other_citizen: Any, clerk: Any, other_dept_approver: Any
) -> None:
    payload = {
        "department": dept_a.code,
        "content": "2025年本局收到的投诉举报数量",
        "idempotency_key": "api-1",
    }
    assert (
        client.post(f"{BASE}/requests", data=json.dumps(payload), content_type="application/json").status_code
        == 401
    )
    created = post(client, f"{BASE}/requests", payload, citizen)
    assert created.status_code == 201
    number = created.json()["number"]
    assert post(client, f"{BASE}/requests", payload, citizen).json()["number"] == number  # retried: same one
    assert [r["number"] for r in client.get(f"{BASE}/requests", **bearer(citizen)).json()] == [number]
    assert client.get(f"{BASE}/requests", **bearer(other_citizen)).json() == []
    assert client.get(f"{BASE}/requests/{number}", **bearer(other_citizen)).status_code == 404
    assert client.get(f"{BASE}/requests/{number}", **bearer(clerk)).status_code == 200
    bad = post(client, f"{BASE}/requests", {**payload, "content": "短", "idempotency_key": ""}, citizen)
    assert bad.status_code == 400 and bad.json()["details"]["field"] == "content"
    assert post(client, f"{BASE}/requests", {**payload, "idempotency_key": "k2"}, clerk).status_code == 403

    request_services.confirm_receipt(actor=clerk, request=request_services.InformationRequest.objects.get())
    figures = client.get(f"{BASE}/report", {"department": dept_a.code, "year": 2026}, **bearer(clerk))
    assert figures.status_code == 200 and "received" in figures.json()
    assert (
        client.get(
            f"{BASE}/report", {"department": dept_a.code, "year": 2026}, **bearer(other_dept_approver)
        ).status_code
        == 403
    )
