"""Staff pages (mounted under /workbench/payments/): orders of their departments, window payments,
refunds, closing, and reconciliation for the platform's finance office."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from govhall.cases.views_common import new_key, shows_domain_errors, staff_required
from govhall.core import permissions
from govhall.core.calendar import SHANGHAI
from govhall.core.errors import DomainError
from govhall.identity.models import User
from govhall.payments import clock, reconciliation, refunds, selectors, services, settlement
from govhall.payments.models import FeeOrder, ReconciliationRun
from govhall.payments.permissions import may_reconcile, may_view_reconciliation


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@staff_required
@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    query = request.GET.get("q", "")[:60]
    qs = selectors.staff_orders(_user(request), status=status, query=query).order_by("-created_at", "-id")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/staff/orders.html",
        {
            "page": page,
            "status": status,
            "q": query,
            "statuses": FeeOrder.Status.choices,
            "wb_section": "payments",
            "may_view_reconciliation": may_view_reconciliation(_user(request)),
        },
    )


def _render_order(
    request: HttpRequest, order: FeeOrder, *, error: DomainError | None = None, form: str = ""
) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "payments/staff/order.html",
        {
            "order": order,
            "lines": selectors.lines(order),
            "payments": selectors.payments(order),
            "refunds": selectors.refunds(order),
            "notifications": selectors.notifications(order),
            "may_record": order.is_payable and permissions.can_act(user, order, "record_payment"),
            "may_close": order.is_payable and permissions.can_act(user, order, "close"),
            "may_refund": permissions.can_act(user, order, "refund"),
            "error": error,
            "error_form": form,
            "key": new_key(),
            "post": request.POST if error else {},
            "wb_section": "payments",
        },
        status=error.status if error else 200,
    )


@staff_required
@require_GET
@shows_domain_errors
def order(request: HttpRequest, code: str) -> HttpResponse:
    return _render_order(request, selectors.get_order(_user(request), code))


@staff_required
@require_POST
@shows_domain_errors
def order_action(request: HttpRequest, code: str, op: str) -> HttpResponseBase:
    user = _user(request)
    current = selectors.get_order(user, code)
    post = request.POST
    try:
        if op == "window":
            settlement.record_window_payment(
                actor=user,
                order=current,
                method=post.get("method", ""),
                receipt_no=post.get("receipt_no", ""),
                amount=post.get("amount", ""),
                note=post.get("note", "")[:200],
            )
            messages.success(request, "已登记窗口缴费。")
        elif op == "refund":
            payment = current.payments.filter(pk=int(post.get("payment", "0") or 0)).first()
            if payment is None:
                raise DomainError("payment_not_found", "缴费记录不存在", "no such payment", status=404)
            refund = refunds.request_refund(
                actor=user,
                payment=payment,
                amount=post.get("amount", ""),
                reason=post.get("reason", ""),
                idempotency_key=post.get("idempotency_key", "")[:80],
            )
            if refund.status == refund.Status.SUCCEEDED:
                messages.success(request, f"已退款 {refund.amount} 元。")
            elif refund.status == refund.Status.FAILED:
                messages.error(request, f"退款失败：{refund.failure}")
            else:
                messages.warning(request, "退款已提交，支付网关暂未答复，系统将自动重试。")
        elif op == "close":
            services.close_order(actor=user, order=current, reason=post.get("reason", ""))
            messages.success(request, "缴费单已关闭。")
        elif op == "sync":
            applied = settlement.sync_with_gateway(current, source="staff")
            messages.info(request, "已按支付网关记录更新。" if applied.changed else "支付网关无新的记录。")
        else:
            raise DomainError("unknown_action", "未知操作", "unknown action", status=404)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        return _render_order(request, selectors.get_order(user, code), error=error, form=op)
    return redirect("payments:staff_order", current.payment_code)


# --- Reconciliation --------------------------------------------------------------------------


def _require_view(user: User) -> None:
    if not may_view_reconciliation(user):
        raise DomainError(
            "forbidden",
            "仅平台财务人员可查看对账",
            "reconciliation is for the platform's finance staff",
            status=403,
        )


def _yesterday() -> date:
    return (clock.now().astimezone(SHANGHAI) - timedelta(days=1)).date()


@staff_required
@require_GET
@shows_domain_errors
def runs(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_view(user)
    page = Paginator(selectors.runs(user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/staff/runs.html",
        {
            "page": page,
            "yesterday": _yesterday(),
            "may_reconcile": may_reconcile(user),
            "wb_section": "payments",
        },
    )


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError(
            "invalid_day",
            "请填写有效的对账日期",
            "a valid day is required",
            status=422,
            details={"fields": [{"field": "day", "code": "invalid_day"}]},
        ) from None


@staff_required
@require_POST
@shows_domain_errors
def run_reconciliation(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    _require_view(user)
    day = _day(request.POST.get("day", ""))
    upload = request.FILES.get("statement")
    if upload is not None:
        if upload.size and upload.size > reconciliation.MAX_STATEMENT_BYTES:
            raise DomainError(
                "statement_too_large", "对账单文件过大", "the statement file is too large", status=413
            )
        run = reconciliation.reconcile(
            day=day, data=upload.read(), source=ReconciliationRun.Source.UPLOAD, actor=user
        )
    else:
        run = reconciliation.reconcile_from_gateway(day=day, actor=user)
    return redirect("payments:run", run.pk)


@staff_required
@require_GET
@shows_domain_errors
def run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    user = _user(request)
    _require_view(user)
    run = selectors.get_run(user, run_id)
    return render(
        request,
        "payments/staff/run.html",
        {
            "run": run,
            "items": selectors.run_items(run),
            "may_reconcile": may_reconcile(user),
            "wb_section": "payments",
        },
    )


@staff_required
@require_GET
@shows_domain_errors
def run_excel(request: HttpRequest, run_id: int) -> HttpResponse:
    user = _user(request)
    _require_view(user)
    run = selectors.get_run(user, run_id)
    data = reconciliation.export_excel(run, selectors.run_items(run))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="reconciliation-{run.day:%Y%m%d}-{run.pk}.xlsx"'
    return response


@staff_required
@require_POST
@shows_domain_errors
def resolve(request: HttpRequest, item_id: int) -> HttpResponseBase:
    user = _user(request)
    item = selectors.get_item(user, item_id)
    try:
        reconciliation.resolve_item(actor=user, item=item, resolution=request.POST.get("resolution", ""))
        messages.success(request, "已标记为已处理。")
    except DomainError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, error.message)
    return redirect("payments:run", item.run_id)
