"""The sandbox gateway on its own: what it refuses, and that every answer carries its signature."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from govhall.payments import conf, rsa2
from govhall.payments.channels import gateway as gateway_module
from govhall.paysandbox.app import Sandbox
from govhall.paysandbox.wsgi_client import call

GATEWAY = "http://sandbox.test/gateway.do"


def signed(method: str, biz: dict[str, Any], **extra: str) -> dict[str, str]:
    params = {
        "app_id": "9021000000000001",
        "method": method,
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": "2026-11-23 10:00:00",
        "version": "1.0",
        "biz_content": json.dumps(biz, ensure_ascii=False),
        **extra,
    }
    params["sign"] = rsa2.sign(params, conf.app_private_key())
    return params


def api(sandbox: Sandbox, params: dict[str, str]) -> dict[str, Any]:
    result = call(sandbox, "POST", GATEWAY, form=params)
    node_name = rsa2.response_node_name(params.get("method") or "error")
    node_text = rsa2.response_node_text(result.text, params.get("method") or "error")
    assert node_text is not None, result.text
    assert rsa2.verify_text(node_text, json.loads(result.text)["sign"], sandbox.private_key.public_key())
    return dict(json.loads(result.text)[node_name])


def page_pay(sandbox: Sandbox, params: dict[str, str]) -> Any:
    return call(sandbox, "GET", f"{GATEWAY}?{urlencode(params)}")


PAY = {
    "out_trade_no": "44530026000000000018",
    "product_code": "FAST_INSTANT_TRADE_PAY",
    "total_amount": "20.00",
    "subject": "工本费",
}


def test_the_cashier_refuses_what_is_not_signed_right(sandbox: Sandbox) -> None:
    good = signed(
        "alipay.trade.page.pay", PAY, return_url="http://testserver/r/", notify_url="http://testserver/n/"
    )
    assert page_pay(sandbox, good).status == 200
    tampered = dict(good, biz_content=good["biz_content"].replace("20.00", "0.01"))
    refused = page_pay(sandbox, tampered)
    assert refused.status == 400 and "isv.invalid-signature" in refused.text
    other_app = signed("alipay.trade.page.pay", PAY)
    other_app["app_id"] = "9021000000000002"
    assert "isv.invalid-app-id" in page_pay(sandbox, other_app).text
    changed = signed("alipay.trade.page.pay", {**PAY, "total_amount": "30.00"})
    assert "ACQ.CONTEXT_INCONSISTENT" in page_pay(sandbox, changed).text
    late = signed("alipay.trade.page.pay", {**PAY, "out_trade_no": "2", "time_expire": "2020-01-01 00:00"})
    assert "ACQ.TRADE_HAS_CLOSE" in page_pay(sandbox, late).text


def test_cancel_goes_back_to_the_merchant(sandbox: Sandbox) -> None:
    cashier = page_pay(
        sandbox, signed("alipay.trade.page.pay", {**PAY, "quit_url": "http://testserver/order/"})
    )
    html = cashier.text
    token = html.split('name="token" value="')[1].split('"')[0]
    path = html.split('action="')[1].split('"')[0]
    back = call(sandbox, "POST", f"http://sandbox.test{path}", form={"token": token, "action": "cancel"})
    assert back.status == 303 and back.headers["Location"] == "http://testserver/order/"
    forged = call(sandbox, "POST", f"http://sandbox.test{path}", form={"token": "guess", "action": "pay"})
    assert forged.status == 404


def test_api_answers_are_signed_and_refunds_bounded(sandbox: Sandbox) -> None:
    assert (
        api(sandbox, signed("alipay.trade.query", {"out_trade_no": "nope"}))["sub_code"]
        == "ACQ.TRADE_NOT_EXIST"
    )
    assert api(sandbox, signed("alipay.trade.nonsense", {}))["sub_code"] == "isv.invalid-method"
    unsigned = signed("alipay.trade.query", {"out_trade_no": "nope"})
    unsigned["sign"] = unsigned["sign"][::-1]
    assert api(sandbox, unsigned)["sub_code"] == "isv.invalid-signature"
    page_pay(sandbox, signed("alipay.trade.page.pay", PAY))
    assert (
        api(
            sandbox,
            signed("alipay.trade.refund", {"out_trade_no": PAY["out_trade_no"], "refund_amount": "1.00"}),
        )["sub_code"]
        == "ACQ.TRADE_STATUS_ERROR"
    )
    with sandbox.store.transaction() as db:
        trade = sandbox.store.trade(db, app_id="9021000000000001", out_trade_no=PAY["out_trade_no"])
        assert trade is not None
        sandbox.store.update_trade(db, trade.trade_no, status="TRADE_SUCCESS", paid_at="2026-11-23 10:00:01")
    refund = {"out_trade_no": PAY["out_trade_no"], "refund_amount": "15.00", "out_request_no": "R1"}
    first = api(sandbox, signed("alipay.trade.refund", refund))
    assert (first["code"], first["fund_change"], first["refund_fee"]) == ("10000", "Y", "15.00")
    again = api(sandbox, signed("alipay.trade.refund", refund))
    assert (again["fund_change"], again["refund_fee"]) == ("N", "15.00")
    too_much = {**refund, "refund_amount": "5.01", "out_request_no": "R2"}
    assert (
        api(sandbox, signed("alipay.trade.refund", too_much))["sub_code"] == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
    )
    found = api(
        sandbox,
        signed(
            "alipay.trade.fastpay.refund.query", {"out_trade_no": PAY["out_trade_no"], "out_request_no": "R1"}
        ),
    )
    assert (found["refund_status"], found["refund_amount"]) == ("REFUND_SUCCESS", "15.00")
    assert (
        api(sandbox, signed("alipay.trade.close", {"out_trade_no": PAY["out_trade_no"]}))["sub_code"]
        == "ACQ.TRADE_STATUS_ERROR"
    )


def test_statement_links_are_signed_and_expire(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    node = api(
        sandbox,
        signed(
            "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": sandbox.now().date().isoformat()},
        ),
    )
    url = node["bill_download_url"]
    assert url.startswith("http://sandbox.test/bills/")
    statement = call(sandbox, "GET", url)
    assert statement.status == 200 and statement.body.decode("gbk").startswith("#支付宝业务明细查询")
    assert call(sandbox, "GET", url[:-2] + "00").status == 403
    import govhall.paysandbox.app as app_module

    monkeypatch.setattr(app_module.time, "time", lambda: 4_000_000_000.0)
    assert call(sandbox, "GET", url).status == 403
    future = api(
        sandbox,
        signed(
            "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": "2999-01-01"},
        ),
    )
    assert future["sub_code"] == "isp.bill_not_exist"
    # The platform's adapter is pointed at this sandbox by the fixture, not at the network.
    assert gateway_module.TRANSPORT is not None
