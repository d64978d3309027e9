"""Fee orders (缴费单), their lines, payments, refunds, gateway notifications and reconciliation.

An order is what a case owes for its catalogue fees, identified to the payer by its payment code
(缴款码), which is also the order number the online gateway knows (``out_trade_no``). A payment is
money received through one channel; an order has at most one payment that counts, and any later
payment for it (paid twice, once online and once at the window) is kept as a duplicate to refund.
Amounts are ``Decimal`` with two places: exact fen.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from govhall.cases.models import Case
from govhall.catalog.models import Fee
from govhall.identity.models import Department

ZERO = Decimal("0.00")


class FeeOrder(models.Model):
    """One order to pay (缴费单 / 缴款通知), for one case."""

    class Status(models.TextChoices):
        UNPAID = "unpaid", "待缴费 unpaid"
        PAYING = "paying", "支付中 paying"
        PAID = "paid", "已缴费 paid"
        REFUNDING = "refunding", "退款中 refunding"
        PARTIALLY_REFUNDED = "partially_refunded", "部分退款 partially refunded"
        REFUNDED = "refunded", "已退款 refunded"
        CLOSED = "closed", "已关闭 closed"
        EXPIRED = "expired", "已过期 expired"

    payment_code = models.CharField("缴款码 payment code", max_length=20, unique=True)
    case = models.ForeignKey(
        Case, verbose_name="办件 case", on_delete=models.PROTECT, related_name="fee_orders"
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="缴款人 payer",
        on_delete=models.PROTECT,
        related_name="fee_orders",
    )
    payer_name = models.CharField("缴款人名称 payer name", max_length=100)
    department = models.ForeignKey(
        Department,
        verbose_name="执收单位 collecting department",
        on_delete=models.PROTECT,
        related_name="fee_orders",
    )
    item_name = models.CharField("事项名称 item", max_length=200)
    amount = models.DecimalField("应缴金额（元） amount (CNY)", max_digits=14, decimal_places=2)
    refunded_amount = models.DecimalField(
        "已退金额（元） refunded (CNY)", default=ZERO, max_digits=14, decimal_places=2
    )
    status = models.CharField("状态 status", max_length=20, choices=Status.choices, default=Status.UNPAID)
    expires_at = models.DateTimeField("缴费期限 pay by")
    paying_since = models.DateTimeField("发起支付时间 paying since", null=True, blank=True)
    paid_at = models.DateTimeField("缴费时间 paid at", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间 closed at", null=True, blank=True)
    close_reason = models.TextField("关闭原因 close reason", blank=True)
    # Why the charge differs from the catalogue (a changed amount, a fee on a free item); empty if not.
    deviation = models.TextField("与目录收费标准的差异 deviation from the catalogue", blank=True)
    idempotency_key = models.CharField("幂等键 idempotency key", max_length=80, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="开单人 issued by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("开单时间 issued at", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)

    class Meta:
        verbose_name = "缴费单 fee order"
        verbose_name_plural = "缴费单 fee orders"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="fee_order_unique_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_order_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="fee_order_refund_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "status", "-created_at"]),
            models.Index(fields=["payer", "-created_at"]),
            # The expiry sweep reads only orders that can still be paid.
            models.Index(
                fields=["expires_at"],
                condition=Q(status__in=["unpaid", "paying"]),
                name="fee_order_open_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_code} ¥{self.amount}"

    @property
    def is_payable(self) -> bool:
        return self.status in (self.Status.UNPAID, self.Status.PAYING)

    @property
    def is_settled(self) -> bool:
        return self.status in SETTLED_STATUSES

    @property
    def code_display(self) -> str:
        """``4453 0026 1234 5678 9012``: in groups of four, as printed for people to read out."""
        return " ".join(self.payment_code[i : i + 4] for i in range(0, len(self.payment_code), 4))


SETTLED_STATUSES = frozenset(
    {
        FeeOrder.Status.PAID,
        FeeOrder.Status.REFUNDING,
        FeeOrder.Status.PARTIALLY_REFUNDED,
        FeeOrder.Status.REFUNDED,
    }
)


class FeeOrderLine(models.Model):
    """One fee item of an order (收费项目), with the amount and basis it was charged at."""

    order = models.ForeignKey(
        FeeOrder, verbose_name="缴费单 order", on_delete=models.CASCADE, related_name="lines"
    )
    fee = models.ForeignKey(
        Fee,
        verbose_name="目录收费项目 catalogue fee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    order_no = models.PositiveSmallIntegerField("序号 line number", default=1)
    name = models.CharField("收费项目 fee item", max_length=200)
    basis = models.TextField("收费依据 basis", blank=True)
    quantity = models.PositiveIntegerField("数量 quantity", default=1)
    unit_amount = models.DecimalField("收缴标准（元） unit amount (CNY)", max_digits=14, decimal_places=2)
    amount = models.DecimalField("金额（元） amount (CNY)", max_digits=14, decimal_places=2)
    catalogue_amount = models.DecimalField(
        "目录标准（元） catalogue amount (CNY)", null=True, blank=True, max_digits=14, decimal_places=2
    )

    class Meta:
        verbose_name = "缴费项目 order line"
        verbose_name_plural = "缴费项目 order lines"
        ordering = ["order_id", "order_no", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="fee_line_amount_positive")]

    def __str__(self) -> str:
        return f"{self.name} ¥{self.amount}"


def receipt_upload_path(instance: Payment, filename: str) -> str:
    return f"receipts/{uuid.uuid4().hex}.pdf"


class Payment(models.Model):
    """Money received for an order through one channel (到账记录)."""

    class Channel(models.TextChoices):
        WINDOW = "window", "窗口缴费 at the window"
        ONLINE = "online", "网上支付 online"

    class Method(models.TextChoices):
        CASH = "cash", "现金 cash"
        POS = "pos", "银行卡（POS） card (POS)"
        GATEWAY = "gateway", "支付网关 payment gateway"

    order = models.ForeignKey(
        FeeOrder, verbose_name="缴费单 order", on_delete=models.PROTECT, related_name="payments"
    )
    channel = models.CharField("缴费渠道 channel", max_length=10, choices=Channel.choices)
    method = models.CharField("支付方式 method", max_length=10, choices=Method.choices)
    # The gateway's trade number online; the POS slip or cash receipt number at the window.
    trade_no = models.CharField("交易流水号 transaction number", max_length=64)
    amount = models.DecimalField("金额（元） amount (CNY)", max_digits=14, decimal_places=2)
    refunded_amount = models.DecimalField(
        "已退金额（元） refunded (CNY)", default=ZERO, max_digits=14, decimal_places=2
    )
    paid_at = models.DateTimeField("支付时间 paid at", db_index=True)
    recorded_at = models.DateTimeField("入账时间 recorded at", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收款人 recorded by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payer_account = models.CharField("付款账户 payer account", max_length=100, blank=True)
    # A second payment for an order already paid: kept, shown to finance staff, refunded in full.
    is_duplicate = models.BooleanField("重复缴费 duplicate", default=False)
    note = models.CharField("备注 note", max_length=200, blank=True)
    receipt_no = models.CharField(
        "票据号码 receipt number", max_length=20, unique=True, null=True, blank=True
    )
    receipt = models.FileField("电子票据 receipt", upload_to=receipt_upload_path, blank=True, max_length=200)
    receipt_sha256 = models.CharField("票据 SHA-256", max_length=64, blank=True)

    class Meta:
        verbose_name = "缴费记录 payment"
        verbose_name_plural = "缴费记录 payments"
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "trade_no"], name="payment_unique_channel_trade"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="payment_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.trade_no} ¥{self.amount}"

    @property
    def refundable(self) -> Decimal:
        return self.amount - self.refunded_amount


class Refund(models.Model):
    """Money returned from one payment, in full or in part, with the reason (退费)."""

    class Status(models.TextChoices):
        PENDING = "pending", "处理中 pending"
        SUCCEEDED = "succeeded", "已退款 succeeded"
        FAILED = "failed", "失败 failed"

    payment = models.ForeignKey(
        Payment, verbose_name="缴费记录 payment", on_delete=models.PROTECT, related_name="refunds"
    )
    order = models.ForeignKey(
        FeeOrder, verbose_name="缴费单 order", on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.DecimalField("退款金额（元） amount (CNY)", max_digits=14, decimal_places=2)
    reason = models.TextField("退款原因 reason")
    status = models.CharField("状态 status", max_length=10, choices=Status.choices, default=Status.PENDING)
    # The request number the channel knows (out_request_no); a retry with it refunds once.
    request_no = models.CharField("退款请求号 request number", max_length=64, unique=True)
    idempotency_key = models.CharField("幂等键 idempotency key", max_length=80, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人 requested by",
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField("申请时间 requested at")
    completed_at = models.DateTimeField("完成时间 completed at", null=True, blank=True)
    failure = models.CharField("失败原因 failure", max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数 attempts", default=0)

    class Meta:
        verbose_name = "退款 refund"
        verbose_name_plural = "退款 refunds"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="refund_unique_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["requested_at"], condition=Q(status="pending"), name="refund_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.request_no} ¥{self.amount} {self.status}"


class GatewayNotification(models.Model):
    """One asynchronous notification received from the gateway, whatever became of it."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "已处理 applied"
        NO_CHANGE = "no_change", "无需变更 no change"
        BAD_SIGNATURE = "bad_signature", "签名无效 bad signature"
        WRONG_APP = "wrong_app", "应用不符 wrong app id"
        UNKNOWN_ORDER = "unknown_order", "订单不存在 unknown order"
        AMOUNT_MISMATCH = "amount_mismatch", "金额不符 amount mismatch"
        MALFORMED = "malformed", "参数不全 malformed"

    received_at = models.DateTimeField("首次收到 first received", auto_now_add=True)
    last_received_at = models.DateTimeField("最近收到 last received")
    times_received = models.PositiveIntegerField("收到次数 times received", default=1)
    notify_id = models.CharField("通知标识 notify id", max_length=128, blank=True)
    out_trade_no = models.CharField("商户订单号 order number", max_length=64, blank=True, db_index=True)
    trade_no = models.CharField("网关交易号 gateway trade number", max_length=64, blank=True)
    trade_status = models.CharField("交易状态 trade status", max_length=32, blank=True)
    verified = models.BooleanField("签名已验证 verified", default=False)
    outcome = models.CharField("处理结果 outcome", max_length=20, choices=Outcome.choices)
    detail = models.CharField("说明 detail", max_length=300, blank=True)
    params = models.JSONField("通知参数 parameters", default=dict)
    order = models.ForeignKey(
        FeeOrder,
        verbose_name="缴费单 order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )

    class Meta:
        verbose_name = "支付通知 gateway notification"
        verbose_name_plural = "支付通知 gateway notifications"
        ordering = ["-received_at", "-id"]
        constraints = [
            # Only genuine notifications are deduplicated: a forged one must not claim an id first.
            models.UniqueConstraint(
                fields=["notify_id"], condition=Q(verified=True), name="gateway_notification_unique_verified"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.trade_status} {self.outcome}"


class ReconciliationRun(models.Model):
    """One comparison of a day's platform records with the channel's statement (对账)."""

    class Source(models.TextChoices):
        GATEWAY = "gateway", "网关下载 downloaded from the gateway"
        UPLOAD = "upload", "上传对账单 uploaded statement"

    class Status(models.TextChoices):
        BALANCED = "balanced", "平账 balanced"
        DIFFERENCES = "differences", "有差异 differences"
        FAILED = "failed", "失败 failed"

    day = models.DateField("对账日期 day", db_index=True)
    source = models.CharField("对账单来源 source", max_length=10, choices=Source.choices)
    status = models.CharField("结果 status", max_length=12, choices=Status.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人 started by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField("对账时间 run at")
    statement_sha256 = models.CharField("对账单 SHA-256", max_length=64, blank=True)
    statement_rows = models.PositiveIntegerField("对账单笔数 statement rows", default=0)
    platform_rows = models.PositiveIntegerField("平台笔数 platform rows", default=0)
    matched = models.PositiveIntegerField("一致笔数 matched", default=0)
    differences = models.PositiveIntegerField("差异笔数 differences", default=0)
    statement_total = models.DecimalField(
        "对账单净额（元） statement net (CNY)", default=ZERO, max_digits=14, decimal_places=2
    )
    platform_total = models.DecimalField(
        "平台净额（元） platform net (CNY)", default=ZERO, max_digits=14, decimal_places=2
    )
    error = models.CharField("错误 error", max_length=300, blank=True)

    class Meta:
        verbose_name = "对账 reconciliation run"
        verbose_name_plural = "对账 reconciliation runs"
        ordering = ["-day", "-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.day} {self.get_status_display()}"


class ReconciliationItem(models.Model):
    """One difference found by a run, until finance staff resolve it."""

    class Kind(models.TextChoices):
        MISSING = "missing", "对账单缺少（平台有记录） missing from the statement"
        EXTRA = "extra", "平台缺少（对账单有记录） extra in the statement"
        AMOUNT = "amount", "金额不符 amount differs"

    class Entry(models.TextChoices):
        PAYMENT = "payment", "收款 payment"
        REFUND = "refund", "退款 refund"

    run = models.ForeignKey(
        ReconciliationRun, verbose_name="对账 run", on_delete=models.CASCADE, related_name="items"
    )
    kind = models.CharField("差异类型 kind", max_length=10, choices=Kind.choices)
    entry = models.CharField("业务类型 entry", max_length=10, choices=Entry.choices)
    out_trade_no = models.CharField("商户订单号 order number", max_length=64, blank=True)
    trade_no = models.CharField("网关交易号 gateway trade number", max_length=64, blank=True)
    request_no = models.CharField("退款请求号 refund request number", max_length=64, blank=True)
    platform_amount = models.DecimalField(
        "平台金额 platform amount", null=True, blank=True, max_digits=14, decimal_places=2
    )
    statement_amount = models.DecimalField(
        "对账单金额 statement amount", null=True, blank=True, max_digits=14, decimal_places=2
    )
    order = models.ForeignKey(
        FeeOrder,
        verbose_name="缴费单 order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField("处理时间 resolved at", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人 resolved by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution = models.TextField("处理说明 resolution", blank=True)

    class Meta:
        verbose_name = "对账差异 reconciliation difference"
        verbose_name_plural = "对账差异 reconciliation differences"
        ordering = ["run_id", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.out_trade_no}"
