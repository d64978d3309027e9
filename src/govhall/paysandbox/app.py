"""The sandbox gateway as a WSGI application (no Django), speaking the Alipay-style open API.

- ``GET|POST /gateway.do`` with ``method=alipay.trade.page.pay``: the browser arrives with signed
  parameters; the cashier page offers pay or cancel. Paying redirects the browser to ``return_url``
  with signed parameters and queues the asynchronous notification (``POST notify_url``, form
  parameters with ``sign``; the merchant answers ``success``, otherwise it is sent again later).
- ``POST /gateway.do`` with any other method answers signed JSON: ``alipay.trade.query``,
  ``alipay.trade.close``, ``alipay.trade.refund``, ``alipay.trade.fastpay.refund.query``,
  ``alipay.data.dataservice.bill.downloadurl.query`` (a link to ``GET /bills/<token>``, the day's
  trade statement as CSV in GBK).

Every request must carry the registered ``app_id`` and an RSA2 signature made with the merchant's
private key, checked against the merchant's public key file; every answer is signed with the
sandbox's own key, made on first start.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from govhall.payments import rsa2
from govhall.paysandbox import pages
from govhall.paysandbox.bills import statement_csv
from govhall.paysandbox.notifier import Notifier, Transport
from govhall.paysandbox.store import Refund, Store, Trade

BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
PAGE_PAY = "alipay.trade.page.pay"
MAX_AMOUNT = Decimal("100000000")
BILL_LINK_SECONDS = 300


def beijing_now() -> datetime:
    return datetime.now(BEIJING)


@dataclass
class SandboxConfig:
    var_dir: Path
    app_id: str
    app_public_key_file: Path
    merchant_name: str = "网上办事大厅（沙箱商户）"
    seller_id: str = "2088000000000001"
    now: Callable[[], datetime] = field(default=beijing_now)
    # Alipay sends again after 4m, 10m, 10m, 1h, 2h, 6h, 15h; the sandbox is quicker.
    retry_delays: tuple[float, ...] = (2, 5, 15, 60, 120, 600, 1800, 3600)


class ApiError(Exception):
    def __init__(self, code: str, msg: str, sub_code: str, sub_msg: str) -> None:
        super().__init__(sub_code)
        self.node = {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}


def _invalid(sub_code: str, sub_msg: str) -> ApiError:
    return ApiError("40002", "Invalid Arguments", sub_code, sub_msg)


def _business(sub_code: str, sub_msg: str) -> ApiError:
    return ApiError("40004", "Business Failed", sub_code, sub_msg)


@dataclass
class Response:
    status: str
    body: bytes
    headers: list[tuple[str, str]]


def _response(
    body: bytes, *, status: str = "200 OK", content_type: str = "text/html; charset=utf-8"
) -> Response:
    return Response(status, body, [("Content-Type", content_type), ("Cache-Control", "no-store")])


def _base_url(environ: dict[str, Any]) -> str:
    host = (
        environ.get("HTTP_HOST")
        or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    )
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"


def _redirect(location: str) -> Response:
    return Response("303 See Other", b"", [("Location", location), ("Cache-Control", "no-store")])


class Sandbox:
    """The gateway. ``transport`` posts notifications (default: HTTP); tests pass their own."""

    def __init__(self, config: SandboxConfig, *, transport: Transport | None = None) -> None:
        self.config = config
        config.var_dir.mkdir(parents=True, exist_ok=True)
        self.private_key_path = config.var_dir / "gateway_private.pem"
        self.public_key_path = config.var_dir / "gateway_public.pem"
        self.private_key = rsa2.ensure_key_pair(self.private_key_path, self.public_key_path)
        self.store = Store(config.var_dir / "sandbox.sqlite3")
        self.notifier = Notifier(self.store, transport=transport, delays=config.retry_delays)
        self._bill_secret = self._secret(config.var_dir / "bill_secret")
        self._app_key: tuple[float, Any] | None = None

    @staticmethod
    def _secret(path: Path) -> bytes:
        if not path.is_file():
            path.write_text(secrets.token_hex(32), encoding="ascii")
            path.chmod(0o600)
        return path.read_text(encoding="ascii").strip().encode("ascii")

    def app_public_key(self) -> Any:
        """The merchant's public key, read again whenever its file changes."""
        path = self.config.app_public_key_file
        mtime = path.stat().st_mtime
        if self._app_key is None or self._app_key[0] != mtime:
            self._app_key = (mtime, rsa2.load_public_key(path.read_bytes()))
        return self._app_key[1]

    def now(self) -> datetime:
        return self.config.now().astimezone(BEIJING)

    def stamp(self) -> str:
        return self.now().strftime(TIME_FORMAT)

    # --- WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = self.handle(environ)
        start_response(response.status, [*response.headers, ("Content-Length", str(len(response.body)))])
        return [response.body]

    def handle(self, environ: dict[str, Any]) -> Response:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            params.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        if path == "/gateway.do" and method in ("GET", "POST"):
            if params.get("method") == PAGE_PAY:
                return self.page_pay(params)
            if method == "POST":
                body = self.api(params, base_url=_base_url(environ)).encode("utf-8")
                return _response(body, content_type="application/json; charset=utf-8")
        if path.startswith("/cashier/") and method == "POST":
            return self.cashier_action(path.removeprefix("/cashier/"), params)
        if path.startswith("/bills/") and method == "GET":
            return self.bill(path.removeprefix("/bills/"))
        if path == "/healthz":
            return _response(b"ok", content_type="text/plain; charset=utf-8")
        if path == "/" and method == "GET":
            with self.store.transaction() as db:
                trades = self.store.trades(db)
                pending = sum(
                    1
                    for row in self.store.notifications(db)
                    if not row["delivered_at"] and not row["gave_up"]
                )
            body = pages.overview(
                app_id=self.config.app_id,
                public_key_path=str(self.public_key_path),
                trades=trades,
                pending=pending,
            )
            return _response(body)
        return _response(pages.message("页面不存在", "Not found"), status="404 Not Found")

    # --- Checking requests -----------------------------------------------------------------------

    def check_request(self, params: dict[str, str]) -> dict[str, Any]:
        """The signed common parameters checked; returns the parsed ``biz_content``."""
        if params.get("app_id") != self.config.app_id:
            raise _invalid("isv.invalid-app-id", "无效的AppID参数")
        if params.get("sign_type") != rsa2.SIGN_TYPE:
            raise _invalid("isv.invalid-signature-type", "无效的签名类型")
        if params.get("charset", "utf-8").lower() != "utf-8":
            raise _invalid("isv.invalid-charset", "字符集错误")
        try:
            key = self.app_public_key()
        except OSError:
            raise _invalid("isv.missing-signature-config", "应用未配置公钥") from None
        if not rsa2.verify(params, key, exclude=rsa2.REQUEST_EXCLUDED):
            raise _invalid("isv.invalid-signature", "验签出错")
        try:
            datetime.strptime(params.get("timestamp", ""), TIME_FORMAT)
        except ValueError:
            raise _invalid("isv.invalid-timestamp", "非法的时间戳参数") from None
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            raise _invalid("isv.invalid-parameter", "biz_content 不是合法的 JSON") from None
        if not isinstance(biz, dict):
            raise _invalid("isv.invalid-parameter", "biz_content 不是 JSON 对象")
        return biz

    @staticmethod
    def amount(value: object, *, name: str) -> Decimal:
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise _invalid("isv.invalid-parameter", f"{name} 金额格式错误") from None
        if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
            raise _invalid("isv.invalid-parameter", f"{name} 金额格式错误")
        if amount < Decimal("0.01") or amount > MAX_AMOUNT:
            raise _invalid("isv.invalid-parameter", f"{name} 金额超出范围")
        return amount

    def expired(self, trade: Trade) -> bool:
        if not trade.time_expire:
            return False
        try:
            limit = datetime.strptime(
                trade.time_expire, "%Y-%m-%d %H:%M:%S" if len(trade.time_expire) > 16 else "%Y-%m-%d %H:%M"
            )
        except ValueError:
            return False
        return self.now().replace(tzinfo=None) >= limit

    def close_if_expired(self, db: Any, trade: Trade) -> Trade:
        if trade.status == "WAIT_BUYER_PAY" and self.expired(trade):
            self.store.update_trade(db, trade.trade_no, status="TRADE_CLOSED", closed_at=self.stamp())
            trade.status, trade.closed_at = "TRADE_CLOSED", self.stamp()
        return trade

    # --- The cashier -----------------------------------------------------------------------------

    def page_pay(self, params: dict[str, str]) -> Response:
        try:
            biz = self.check_request(params)
            out_trade_no = str(biz.get("out_trade_no") or "")
            if not out_trade_no or len(out_trade_no) > 64:
                raise _invalid("isv.invalid-parameter", "out_trade_no 无效")
            if biz.get("product_code") != "FAST_INSTANT_TRADE_PAY":
                raise _invalid("isv.invalid-parameter", "product_code 无效")
            total = self.amount(biz.get("total_amount"), name="total_amount")
            subject = str(biz.get("subject") or "")[:256]
            if not subject:
                raise _invalid("isv.invalid-parameter", "subject 不能为空")
            trade = self._open_trade(params, biz, out_trade_no=out_trade_no, total=total, subject=subject)
        except ApiError as error:
            return _response(
                pages.message("支付请求有误", str(error.node["sub_msg"]), code=str(error.node["sub_code"])),
                status="400 Bad Request",
            )
        return _response(
            pages.cashier(trade, merchant=self.config.merchant_name, buyer=self.buyer_logon_id())
        )

    def _open_trade(
        self, params: dict[str, str], biz: dict[str, Any], *, out_trade_no: str, total: Decimal, subject: str
    ) -> Trade:
        urls = {
            "notify_url": params.get("notify_url", ""),
            "return_url": params.get("return_url", ""),
            "quit_url": str(biz.get("quit_url") or ""),
            "time_expire": str(biz.get("time_expire") or ""),
        }
        with self.store.transaction() as db:
            trade = self.store.trade(db, app_id=self.config.app_id, out_trade_no=out_trade_no)
            if trade is None:
                trade = Trade(
                    trade_no=self._trade_no(db),
                    app_id=self.config.app_id,
                    out_trade_no=out_trade_no,
                    subject=subject,
                    total_amount=total,
                    status="WAIT_BUYER_PAY",
                    pay_token=secrets.token_urlsafe(16),
                    buyer_id="",
                    buyer_logon_id="",
                    refunded_total=Decimal("0.00"),
                    created_at=self.stamp(),
                    paid_at="",
                    closed_at="",
                    **urls,
                )
                if self.expired(trade):
                    raise _business("ACQ.TRADE_HAS_CLOSE", "交易已超过支付时限")
                self.store.insert_trade(db, trade)
                return trade
            trade = self.close_if_expired(db, trade)
            if trade.status in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                raise _business("ACQ.TRADE_HAS_SUCCESS", "该订单已支付，请勿重复付款")
            if trade.status == "TRADE_CLOSED":
                raise _business("ACQ.TRADE_HAS_CLOSE", "交易已关闭")
            if trade.total_amount != total:
                raise _business("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
            self.store.update_trade(db, trade.trade_no, subject=subject, **urls)
            trade.subject = subject
            for name, value in urls.items():
                setattr(trade, name, value)
            return trade

    def _trade_no(self, db: Any) -> str:
        return f"{self.now():%Y%m%d}2200{self.store.next_number(db, 'trade'):016d}"

    def buyer_logon_id(self) -> str:
        return "san***@sandbox.example.cn"

    def cashier_action(self, trade_no: str, params: dict[str, str]) -> Response:
        with self.store.transaction() as db:
            trade = self.store.trade(db, trade_no=trade_no)
            if trade is None or not hmac.compare_digest(params.get("token", ""), trade.pay_token):
                return _response(
                    pages.message("交易不存在", "请从商户页面重新发起支付。"), status="404 Not Found"
                )
            if params.get("action") != "pay":
                target = trade.quit_url or trade.return_url
                return _redirect(target) if target else _response(pages.message("已取消", "您已取消付款。"))
            trade = self.close_if_expired(db, trade)
            if trade.status != "WAIT_BUYER_PAY":
                text = "该订单已支付。" if trade.status == "TRADE_SUCCESS" else "交易已关闭，未扣款。"
                return _response(pages.message("无法付款", text, link=trade.quit_url), status="409 Conflict")
            paid_at = self.stamp()
            trade.status, trade.paid_at = "TRADE_SUCCESS", paid_at
            trade.buyer_id, trade.buyer_logon_id = "2088102177846880", self.buyer_logon_id()
            self.store.update_trade(
                db,
                trade.trade_no,
                status=trade.status,
                paid_at=paid_at,
                buyer_id=trade.buyer_id,
                buyer_logon_id=trade.buyer_logon_id,
            )
            self.queue_notification(db, trade)
        if not trade.return_url:
            return _response(pages.message("付款成功", f"已付款 ¥{trade.total_amount:.2f}。"))
        separator = "&" if "?" in trade.return_url else "?"
        return _redirect(trade.return_url + separator + urlencode(self.return_params(trade)))

    def return_params(self, trade: Trade) -> dict[str, str]:
        params = {
            "charset": "utf-8",
            "out_trade_no": trade.out_trade_no,
            "method": "alipay.trade.page.pay.return",
            "total_amount": f"{trade.total_amount:.2f}",
            "trade_no": trade.trade_no,
            "auth_app_id": trade.app_id,
            "version": "1.0",
            "app_id": trade.app_id,
            "sign_type": rsa2.SIGN_TYPE,
            "seller_id": self.config.seller_id,
            "timestamp": self.stamp(),
        }
        params["sign"] = rsa2.sign_callback(params, self.private_key)
        return params

    # --- Notifications ---------------------------------------------------------------------------

    def notification_params(self, trade: Trade, **extra: str) -> dict[str, str]:
        amount = f"{trade.total_amount:.2f}"
        params = {
            "notify_time": self.stamp(),
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16),
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": rsa2.SIGN_TYPE,
            "app_id": trade.app_id,
            "auth_app_id": trade.app_id,
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_id": trade.buyer_id,
            "buyer_logon_id": trade.buyer_logon_id,
            "seller_id": self.config.seller_id,
            "trade_status": trade.status,
            "total_amount": amount,
            "receipt_amount": amount,
            "invoice_amount": amount,
            "buyer_pay_amount": amount,
            "point_amount": "0.00",
            "subject": trade.subject,
            "gmt_create": trade.created_at,
            "gmt_payment": trade.paid_at,
            "fund_bill_list": json.dumps([{"amount": amount, "fundChannel": "ALIPAYACCOUNT"}]),
            **extra,
        }
        params = {key: value for key, value in params.items() if value != ""}
        params["sign"] = rsa2.sign_callback(params, self.private_key)
        return params

    def queue_notification(self, db: Any, trade: Trade, **extra: str) -> None:
        if not trade.notify_url:
            return
        self.store.queue_notification(
            db,
            trade_no=trade.trade_no,
            notify_url=trade.notify_url,
            params=self.notification_params(trade, **extra),
            due=time.time(),
        )

    def deliver_due(self) -> int:
        """Send every notification that is due; returns how many were acknowledged with ``success``."""
        return self.notifier.deliver_due()

    # --- The JSON API ----------------------------------------------------------------------------

    def api(self, params: dict[str, str], *, base_url: str = "") -> str:
        method = params.get("method", "")
        handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "alipay.trade.query": self.api_query,
            "alipay.trade.close": self.api_close,
            "alipay.trade.refund": self.api_refund,
            "alipay.trade.fastpay.refund.query": self.api_refund_query,
            "alipay.data.dataservice.bill.downloadurl.query": lambda biz: self.api_bill_url(biz, base_url),
        }
        handler = handlers.get(method)
        try:
            if handler is None:
                raise _invalid("isv.invalid-method", "不存在的方法名")
            biz = self.check_request(params)
            node = {"code": "10000", "msg": "Success", **handler(biz)}
        except ApiError as error:
            node = error.node
        return rsa2.signed_response(method or "error", node, self.private_key)

    def _find(self, db: Any, biz: dict[str, Any]) -> Trade:
        trade = (
            self.store.trade(db, trade_no=str(biz["trade_no"]))
            if biz.get("trade_no")
            else self.store.trade(
                db, app_id=self.config.app_id, out_trade_no=str(biz.get("out_trade_no") or "")
            )
        )
        if trade is None:
            raise _business("ACQ.TRADE_NOT_EXIST", "交易不存在")
        return self.close_if_expired(db, trade)

    def api_query(self, biz: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction() as db:
            trade = self._find(db, biz)
        node = {
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": trade.buyer_logon_id,
            "trade_status": trade.status,
            "total_amount": f"{trade.total_amount:.2f}",
            "buyer_pay_amount": f"{trade.total_amount:.2f}" if trade.paid_at else "0.00",
            "send_pay_date": trade.paid_at,
            "buyer_user_id": trade.buyer_id,
        }
        return {key: value for key, value in node.items() if value != ""}

    def api_close(self, biz: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction() as db:
            trade = self._find(db, biz)
            if trade.status in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                raise _business("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            if trade.status == "WAIT_BUYER_PAY":
                self.store.update_trade(db, trade.trade_no, status="TRADE_CLOSED", closed_at=self.stamp())
        return {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}

    def api_refund(self, biz: dict[str, Any]) -> dict[str, Any]:
        amount = self.amount(biz.get("refund_amount"), name="refund_amount")
        with self.store.transaction() as db:
            trade = self._find(db, biz)
            request_no = str(biz.get("out_request_no") or trade.out_trade_no)[:64]
            existing = self.store.refund(db, trade.trade_no, request_no)
            if existing is not None:
                if existing.amount != amount:
                    raise _business("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "同一退款请求号的退款金额不一致")
                return self._refund_node(trade, fund_change="N")
            if trade.status not in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                raise _business("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            if trade.refunded_total + amount > trade.total_amount:
                raise _business("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            stamp = self.stamp()
            reason = str(biz.get("refund_reason") or "")[:256]
            self.store.insert_refund(db, Refund(trade.trade_no, request_no, amount, reason, stamp))
            trade.refunded_total += amount
            full = trade.refunded_total == trade.total_amount
            fields: dict[str, Any] = {"refunded_total": trade.refunded_total}
            if full:
                fields.update(status="TRADE_CLOSED", closed_at=stamp)
            self.store.update_trade(db, trade.trade_no, **fields)
            if full:
                trade.status = "TRADE_CLOSED"
            self.queue_notification(
                db, trade, refund_fee=f"{trade.refunded_total:.2f}", gmt_refund=stamp, out_biz_no=request_no
            )
        return {**self._refund_node(trade, fund_change="Y"), "gmt_refund_pay": stamp}

    def _refund_node(self, trade: Trade, *, fund_change: str) -> dict[str, Any]:
        return {
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": trade.buyer_logon_id,
            "fund_change": fund_change,
            "refund_fee": f"{trade.refunded_total:.2f}",
        }

    def api_refund_query(self, biz: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction() as db:
            trade = self._find(db, biz)
            request_no = str(biz.get("out_request_no") or trade.out_trade_no)
            refund = self.store.refund(db, trade.trade_no, request_no)
        node: dict[str, Any] = {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}
        if refund is not None:
            node.update(
                out_request_no=request_no,
                refund_amount=f"{refund.amount:.2f}",
                total_amount=f"{trade.total_amount:.2f}",
                refund_status="REFUND_SUCCESS",
            )
        return node

    # --- Statements ------------------------------------------------------------------------------

    def api_bill_url(self, biz: dict[str, Any], base_url: str) -> dict[str, Any]:
        if biz.get("bill_type") != "trade":
            raise _invalid("isv.invalid-parameter", "bill_type 仅支持 trade")
        try:
            day = date.fromisoformat(str(biz.get("bill_date") or ""))
        except ValueError:
            raise _invalid("isv.invalid-parameter", "bill_date 格式应为 yyyy-MM-dd") from None
        if day > self.now().date():
            raise _business("isp.bill_not_exist", "账单不存在")
        expires = int(time.time()) + BILL_LINK_SECONDS
        payload = f"{self.config.app_id}|{day.isoformat()}|{expires}"
        mac = hmac.new(self._bill_secret, payload.encode(), hashlib.sha256).hexdigest()[:32]
        token = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=") + "." + mac
        return {"bill_download_url": f"{base_url}/bills/{token}"}

    def bill(self, token: str) -> Response:
        encoded, _, mac = token.partition(".")
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
            app_id, day_text, expires = payload.split("|")
            day = date.fromisoformat(day_text)
        except ValueError:
            return _response(b"invalid link", status="404 Not Found", content_type="text/plain")
        expected = hmac.new(self._bill_secret, payload.encode(), hashlib.sha256).hexdigest()[:32]
        if (
            not hmac.compare_digest(mac, expected)
            or int(expires) < time.time()
            or app_id != self.config.app_id
        ):
            return _response(b"link expired or invalid", status="403 Forbidden", content_type="text/plain")
        start = datetime.combine(day, datetime.min.time())
        end = start + timedelta(days=1)
        with self.store.transaction() as db:
            trades = self.store.paid_between(
                db, app_id, start.strftime(TIME_FORMAT), end.strftime(TIME_FORMAT)
            )
            refunds = self.store.refunds_between(
                db, app_id, start.strftime(TIME_FORMAT), end.strftime(TIME_FORMAT)
            )
        data = statement_csv(
            account=self.config.seller_id,
            start=start,
            end=end,
            trades=trades,
            refunds=refunds,
            exported=self.stamp(),
        )
        response = _response(data, content_type="text/csv; charset=GBK")
        response.headers.append(
            ("Content-Disposition", f'attachment; filename="{self.config.seller_id}_{day:%Y%m%d}.csv"')
        )
        return response
