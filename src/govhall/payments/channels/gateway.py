"""An online gateway that follows the Alipay open API: RSA2-signed parameters, a browser redirect
to the gateway's pay page, a return URL, an asynchronous notification, and server-to-server calls
(query, close, refund, statement link) whose JSON answers are signed too.

``TRANSPORT`` carries the server-to-server calls (HTTP by default); tests set it to the sandbox
served in-process, keeping the real signatures both ways.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.utils import timezone

from govhall.payments import conf, money, rsa2
from govhall.payments.channels.base import ChannelError, RefundOutcome, TradeState

BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SUCCESS = "10000"


class Transport(Protocol):
    def post_form(self, url: str, params: dict[str, str]) -> tuple[int, str]: ...

    def get(self, url: str) -> tuple[int, bytes]: ...


class HttpTransport:
    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def post_form(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        data = urlencode(params).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the configured gateway
            url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", errors="replace")

    def get(self, url: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


TRANSPORT: Transport | None = None


def transport(timeout: float) -> Transport:
    return TRANSPORT if TRANSPORT is not None else HttpTransport(timeout)


def beijing(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime(TIME_FORMAT)


def parse_beijing(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=BEIJING)
    except ValueError:
        return None


@dataclass
class AlipayStyleGateway:
    """The platform's side of the protocol, for one merchant application."""

    settings: conf.GatewaySettings
    code = "online"
    label = "网上支付"

    @classmethod
    def from_settings(cls) -> AlipayStyleGateway:
        return cls(conf.gateway())

    @property
    def app_id(self) -> str:
        return self.settings.app_id

    # --- Requests --------------------------------------------------------------------------------

    def _common(self, method: str, biz: dict[str, Any], **extra: str) -> dict[str, str]:
        params = {
            "app_id": self.settings.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": rsa2.SIGN_TYPE,
            "timestamp": beijing(timezone.now()),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            **extra,
        }
        params["sign"] = rsa2.sign(params, conf.app_private_key(self.settings))
        return params

    def pay_url(
        self,
        *,
        out_trade_no: str,
        amount: Decimal,
        subject: str,
        expires_at: datetime,
        return_url: str,
        notify_url: str,
        quit_url: str,
    ) -> str:
        biz = {
            "out_trade_no": out_trade_no,
            "product_code": "FAST_INSTANT_TRADE_PAY",
            "total_amount": money.yuan(amount),
            "subject": subject[:256],
            "time_expire": expires_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
            "quit_url": quit_url,
        }
        params = self._common("alipay.trade.page.pay", biz, return_url=return_url, notify_url=notify_url)
        return f"{self.settings.gateway_url}?{urlencode(params)}"

    def _call(self, method: str, biz: dict[str, Any]) -> dict[str, Any]:
        try:
            status, body = transport(self.settings.timeout).post_form(
                self.settings.gateway_url, self._common(method, biz)
            )
        except (OSError, ValueError) as error:
            raise ChannelError(f"gateway unreachable: {error}") from error
        if status != 200:
            raise ChannelError(f"gateway answered HTTP {status}")
        node_text = rsa2.response_node_text(body, method)
        try:
            signature = json.loads(body).get("sign", "")
        except ValueError:
            signature = ""
        if node_text is None or not signature:
            raise ChannelError("gateway answer without a signed response")
        try:
            key = conf.gateway_public_key(self.settings)
        except OSError as error:
            raise ChannelError(f"the gateway's public key is not available: {error}") from error
        if not rsa2.verify_text(node_text, signature, key):
            raise ChannelError("gateway answer with a bad signature", retryable=False)
        node: dict[str, Any] = json.loads(node_text)
        return node

    @staticmethod
    def _failure(node: dict[str, Any]) -> str:
        return f"{node.get('sub_code') or node.get('code')}: {node.get('sub_msg') or node.get('msg')}"

    # --- Calls -----------------------------------------------------------------------------------

    def query(self, *, out_trade_no: str) -> TradeState | None:
        node = self._call("alipay.trade.query", {"out_trade_no": out_trade_no})
        if node.get("code") != SUCCESS:
            if node.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return None
            raise ChannelError(self._failure(node))
        return TradeState(
            out_trade_no=str(node.get("out_trade_no", "")),
            trade_no=str(node.get("trade_no", "")),
            status=str(node.get("trade_status", "")),
            amount=money.to_amount(node.get("total_amount", "0")),
            app_id=self.settings.app_id,
            paid_at=parse_beijing(str(node.get("send_pay_date", ""))),
            buyer=str(node.get("buyer_logon_id", "")),
            raw={key: str(value) for key, value in node.items()},
        )

    def close(self, *, out_trade_no: str) -> bool:
        node = self._call("alipay.trade.close", {"out_trade_no": out_trade_no})
        if node.get("code") == SUCCESS or node.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return True
        if node.get("sub_code") == "ACQ.TRADE_STATUS_ERROR":
            return False
        raise ChannelError(self._failure(node))

    def refund(
        self, *, out_trade_no: str, trade_no: str, request_no: str, amount: Decimal, reason: str
    ) -> RefundOutcome:
        node = self._call(
            "alipay.trade.refund",
            {
                "out_trade_no": out_trade_no,
                "trade_no": trade_no,
                "refund_amount": money.yuan(amount),
                "out_request_no": request_no,
                "refund_reason": reason[:256],
            },
        )
        if node.get("code") == SUCCESS:
            return RefundOutcome(succeeded=True, detail=f"refund_fee {node.get('refund_fee', '')}")
        if str(node.get("code")) in ("40004", "40002"):
            return RefundOutcome(succeeded=False, detail=self._failure(node)[:300])
        raise ChannelError(self._failure(node))

    def statement(self, *, day: date) -> bytes:
        node = self._call(
            "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": day.isoformat()},
        )
        url = str(node.get("bill_download_url") or "")
        if node.get("code") != SUCCESS or not url:
            raise ChannelError(self._failure(node), retryable=node.get("sub_code") != "isp.bill_not_exist")
        try:
            status, data = transport(self.settings.timeout).get(url)
        except (OSError, ValueError) as error:
            raise ChannelError(f"statement download failed: {error}") from error
        if status != 200:
            raise ChannelError(f"statement download answered HTTP {status}")
        return data

    # --- Callbacks -------------------------------------------------------------------------------

    def verify_callback(self, params: dict[str, str]) -> bool:
        try:
            key = conf.gateway_public_key(self.settings)
        except OSError:
            return False
        return rsa2.verify(params, key, exclude=rsa2.CALLBACK_EXCLUDED)

    def trade_from_callback(self, params: dict[str, str]) -> TradeState:
        out_trade_no = params.get("out_trade_no", "")
        trade_no = params.get("trade_no", "")
        if not out_trade_no or not trade_no:
            raise ValueError("out_trade_no and trade_no are required")
        # A return (同步跳转) has no trade_status: reaching it means the cashier took the money,
        # which the query before applying it confirms.
        status = params.get("trade_status", "")
        return TradeState(
            out_trade_no=out_trade_no,
            trade_no=trade_no,
            status=status,
            amount=money.to_amount(params.get("total_amount", "")),
            app_id=params.get("app_id", ""),
            paid_at=parse_beijing(params.get("gmt_payment", "")),
            buyer=params.get("buyer_logon_id", ""),
            notify_id=params.get("notify_id", ""),
            raw=dict(params),
        )
