"""/api/v1/payments/: fee orders, paying online, window payments, refunds, issuing and closing.

Handlers only translate: input schema → selector/service → output schema. Orders are named by their
payment code. Creates that a client may retry take an ``Idempotency-Key`` header.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Header, Router, Schema, Status

from govhall.cases import selectors as case_selectors
from govhall.core.api import ErrorOut
from govhall.core.errors import NotFound
from govhall.identity.models import User
from govhall.payments import refunds, selectors, services, settlement
from govhall.payments.models import FeeOrder, Payment, Refund
from govhall.payments.views import notify_url

router = Router(tags=["统一公共支付 payments"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422, 503)}


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


class LineOut(Schema):
    name: str
    basis: str
    quantity: int
    unit_amount: Decimal
    amount: Decimal
    catalogue_amount: Decimal | None


class PaymentOut(Schema):
    id: int
    channel: str
    method: str
    trade_no: str
    amount: Decimal
    refunded_amount: Decimal
    paid_at: datetime
    is_duplicate: bool
    receipt_no: str | None
    receipt_url: str | None


class RefundOut(Schema):
    request_no: str
    payment_id: int
    amount: Decimal
    reason: str
    status: str
    requested_at: datetime
    completed_at: datetime | None
    failure: str


class OrderOut(Schema):
    payment_code: str
    case_no: str
    item_name: str
    payer_name: str
    department: str
    amount: Decimal
    refunded_amount: Decimal
    status: str
    expires_at: datetime
    paid_at: datetime | None
    deviation: str
    lines: list[LineOut]
    payments: list[PaymentOut]


class PayIn(Schema):
    return_url: str = Field(
        "", max_length=500, description="默认为平台的支付结果页 the platform's return page by default"
    )


class PayOut(Schema):
    pay_url: str


class WindowPaymentIn(Schema):
    method: str = Field(..., description="cash | pos")
    receipt_no: str = Field(..., max_length=40)
    amount: Decimal
    note: str = Field("", max_length=200)


class RefundIn(Schema):
    payment_id: int
    amount: Decimal
    reason: str = Field(..., max_length=500)


class CloseIn(Schema):
    reason: str = Field(..., max_length=500)


class LineIn(Schema):
    name: str = Field(..., max_length=200)
    amount: Decimal
    basis: str = ""
    quantity: int = 1
    fee_id: int | None = None


class IssueIn(Schema):
    lines: list[LineIn] | None = Field(
        None, description="默认按事项目录的收费项目 the catalogue's fees by default"
    )


def _payment_out(payment: Payment, order: FeeOrder) -> PaymentOut:
    url = (
        reverse("payments:receipt", args=[order.payment_code, payment.receipt_no])
        if payment.receipt_no
        else None
    )
    return PaymentOut(
        id=payment.pk,
        channel=payment.channel,
        method=payment.method,
        trade_no=payment.trade_no,
        amount=payment.amount,
        refunded_amount=payment.refunded_amount,
        paid_at=payment.paid_at,
        is_duplicate=payment.is_duplicate,
        receipt_no=payment.receipt_no,
        receipt_url=url,
    )


def _order_out(order: FeeOrder) -> OrderOut:
    return OrderOut(
        payment_code=order.payment_code,
        case_no=order.case.case_no or "",
        item_name=order.item_name,
        payer_name=order.payer_name,
        department=order.department.name,
        amount=order.amount,
        refunded_amount=order.refunded_amount,
        status=order.status,
        expires_at=order.expires_at,
        paid_at=order.paid_at,
        deviation=order.deviation,
        lines=[LineOut.from_orm(line) for line in selectors.lines(order)],
        payments=[_payment_out(p, order) for p in selectors.payments(order)],
    )


def _refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        request_no=refund.request_no,
        payment_id=refund.payment_id,
        amount=refund.amount,
        reason=refund.reason,
        status=refund.status,
        requested_at=refund.requested_at,
        completed_at=refund.completed_at,
        failure=refund.failure,
    )


@router.get("/orders", response={200: list[OrderOut], **ERRORS}, summary="可见的缴费单 Orders I may see")
def list_orders(request: HttpRequest, status: str = "") -> list[OrderOut]:
    qs = selectors.orders(_user(request)).order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return [_order_out(order) for order in qs[:100]]


@router.get("/orders/{code}", response={200: OrderOut, **ERRORS}, summary="缴费单 An order")
def get_order(request: HttpRequest, code: str) -> OrderOut:
    return _order_out(selectors.get_order(_user(request), code))


@router.post("/orders/{code}/pay", response={200: PayOut, **ERRORS}, summary="网上支付 Pay online")
def pay(request: HttpRequest, code: str, payload: PayIn) -> PayOut:
    order = selectors.get_order(_user(request), code)
    url = settlement.start_online_payment(
        actor=_user(request),
        order=order,
        return_url=payload.return_url or request.build_absolute_uri(reverse("payments:return")),
        notify_url=notify_url(request),
        quit_url=request.build_absolute_uri(reverse("payments:order", args=[order.payment_code])),
    )
    return PayOut(pay_url=url)


@router.post(
    "/orders/{code}/window-payments",
    response={201: PaymentOut, **ERRORS},
    summary="登记窗口缴费 Record a window payment",
)
def window_payment(request: HttpRequest, code: str, payload: WindowPaymentIn) -> Status:
    order = selectors.get_order(_user(request), code)
    payment = settlement.record_window_payment(
        actor=_user(request),
        order=order,
        method=payload.method,
        receipt_no=payload.receipt_no,
        amount=payload.amount,
        note=payload.note,
    )
    return Status(201, _payment_out(payment, order))


@router.post("/orders/{code}/refunds", response={201: RefundOut, **ERRORS}, summary="退款 Refund")
def refund(
    request: HttpRequest,
    code: str,
    payload: RefundIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status:
    order = selectors.get_order(_user(request), code)
    payment = order.payments.filter(pk=payload.payment_id).first()
    if payment is None:
        raise NotFound("payment_not_found", "缴费记录不存在", "no such payment", status=404)
    made = refunds.request_refund(
        actor=_user(request),
        payment=payment,
        amount=payload.amount,
        reason=payload.reason,
        idempotency_key=idempotency_key,
    )
    return Status(201, _refund_out(made))


@router.post("/orders/{code}/close", response={200: OrderOut, **ERRORS}, summary="关闭缴费单 Close an order")
def close(request: HttpRequest, code: str, payload: CloseIn) -> OrderOut:
    order = selectors.get_order(_user(request), code)
    return _order_out(services.close_order(actor=_user(request), order=order, reason=payload.reason))


@router.post(
    "/cases/{case_no}/orders", response={201: OrderOut, **ERRORS}, summary="开具缴费单 Issue an order"
)
def issue(
    request: HttpRequest,
    case_no: str,
    payload: IssueIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status:
    case = case_selectors.get_case(_user(request), case_no)
    lines = (
        [
            services.LineSpec(
                name=line.name,
                amount=line.amount,
                basis=line.basis,
                quantity=line.quantity,
                fee_id=line.fee_id,
            )
            for line in payload.lines
        ]
        if payload.lines is not None
        else None
    )
    order = services.issue_order(
        actor=_user(request), case=case, lines=lines, idempotency_key=idempotency_key
    )
    return Status(201, _order_out(order))
