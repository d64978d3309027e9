"""Read-only admin of payment records: every change goes through the services (and the audit log)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from govhall.payments.models import (
    FeeOrder,
    FeeOrderLine,
    GatewayNotification,
    Payment,
    ReconciliationItem,
    ReconciliationRun,
    Refund,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LineInline(admin.TabularInline):
    model = FeeOrderLine
    extra = 0
    can_delete = False
    readonly_fields = [
        "order_no",
        "name",
        "basis",
        "quantity",
        "unit_amount",
        "amount",
        "catalogue_amount",
        "fee",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FeeOrder)
class FeeOrderAdmin(ReadOnly):
    list_display = ["payment_code", "item_name", "payer_name", "department", "amount", "status", "created_at"]
    list_filter = ["status", "department"]
    search_fields = ["payment_code", "case__case_no", "payer_name"]
    inlines = [LineInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = [
        "receipt_no",
        "order",
        "channel",
        "method",
        "trade_no",
        "amount",
        "refunded_amount",
        "is_duplicate",
        "paid_at",
    ]
    list_filter = ["channel", "method", "is_duplicate"]
    search_fields = ["trade_no", "receipt_no", "order__payment_code"]


@admin.register(Refund)
class RefundAdmin(ReadOnly):
    list_display = ["request_no", "order", "amount", "status", "requested_by", "requested_at"]
    list_filter = ["status"]


@admin.register(GatewayNotification)
class GatewayNotificationAdmin(ReadOnly):
    list_display = ["received_at", "out_trade_no", "trade_status", "outcome", "verified", "times_received"]
    list_filter = ["outcome", "verified"]
    search_fields = ["out_trade_no", "trade_no", "notify_id"]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnly):
    list_display = ["day", "source", "status", "statement_rows", "platform_rows", "differences", "started_at"]
    list_filter = ["status", "source"]


@admin.register(ReconciliationItem)
class ReconciliationItemAdmin(ReadOnly):
    list_display = [
        "run",
        "kind",
        "entry",
        "out_trade_no",
        "trade_no",
        "platform_amount",
        "statement_amount",
        "resolved_at",
    ]
    list_filter = ["kind", "entry"]
