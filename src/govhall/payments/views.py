"""The payer's pages (我的缴费, an order, paying, the result, receipts) and the gateway's callbacks.

Views translate between HTTP and the payment services; what may be done is decided there.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from govhall.cases.views_common import error_page, shows_domain_errors
from govhall.core.errors import DomainError
from govhall.payments import callbacks, conf, receipts, selectors, settlement
from govhall.payments.models import FeeOrder


def notify_url(request: HttpRequest) -> str:
    configured = conf.gateway().notify_url
    if configured:
        return configured
    path = reverse("payments:notify")
    site = getattr(settings, "GOVHALL_SITE_URL", "")
    return site.rstrip("/") + path if site else request.build_absolute_uri(path)


def _order_context(order: FeeOrder) -> dict[str, object]:
    return {
        "order": order,
        "lines": selectors.lines(order),
        "payments": selectors.payments(order),
        "refunds": selectors.refunds(order),
    }


@login_required
@require_GET
def my_orders(request: HttpRequest) -> HttpResponse:
    orders = selectors.my_orders(request.user).order_by("-created_at")[:200]
    return render(request, "payments/my_orders.html", {"orders": orders})


@login_required
@require_GET
@shows_domain_errors
def order_page(request: HttpRequest, code: str) -> HttpResponse:
    order = selectors.get_order(request.user, code)
    context = _order_context(order)
    context["is_payer"] = order.payer_id == request.user.pk
    return render(request, "payments/order.html", context)


@login_required
@require_POST
@shows_domain_errors
def pay(request: HttpRequest, code: str) -> HttpResponseBase:
    order = selectors.get_order(request.user, code)
    url = settlement.start_online_payment(
        actor=request.user,  # type: ignore[arg-type]
        order=order,
        return_url=request.build_absolute_uri(reverse("payments:return")),
        notify_url=notify_url(request),
        quit_url=request.build_absolute_uri(reverse("payments:order", args=[order.payment_code])),
    )
    return redirect(url)


@require_GET
def gateway_return(request: HttpRequest) -> HttpResponseBase:
    """The browser back from the gateway: signed parameters in the query string."""
    try:
        order = callbacks.confirm_return(request.GET.dict())
    except DomainError as error:
        return error_page(request, error)
    return redirect("payments:result", order.payment_code)


@login_required
@require_GET
@shows_domain_errors
def result(request: HttpRequest, code: str) -> HttpResponse:
    order = selectors.get_order(request.user, code)
    if order.status == FeeOrder.Status.PAYING:
        # The notification may still be on its way; asking the gateway settles it now.
        settlement.sync_with_gateway(order, source="result")
        order.refresh_from_db()
    context = _order_context(order)
    context["waiting"] = order.status == FeeOrder.Status.PAYING
    return render(request, "payments/result.html", context)


@login_required
@require_GET
@shows_domain_errors
def receipt(request: HttpRequest, code: str, receipt_no: str) -> FileResponse:
    payment = receipts.ensure(selectors.payment_with_receipt(request.user, code, receipt_no))
    response = FileResponse(
        payment.receipt.open("rb"),
        content_type="application/pdf",
        as_attachment=request.GET.get("download") == "1",
        filename=f"非税收入一般缴款书-{payment.receipt_no}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt
@require_POST
def notify(request: HttpRequest) -> HttpResponse:
    """The gateway's asynchronous notification: form parameters signed by the gateway."""
    reply = callbacks.receive_notification(request.POST.dict())
    return HttpResponse(reply.body, status=reply.status, content_type="text/plain; charset=utf-8")
