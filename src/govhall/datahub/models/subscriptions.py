"""Change subscriptions (变更订阅): a consumer's webhook for changes to a resource it has a grant on.

Each change to a subscribed record becomes one :class:`ChangeNotice`, written in the transaction that
made the change and delivered after commit. A notice names the record and the fields that changed,
never their values, and only fields the grant allows: the receiver reads the values through the query
API, where the read is scoped, masked and logged like any other.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from govhall.datahub.models.exchange import AccessGrant, Resource
from govhall.identity.models import Department


class Subscription(models.Model):
    grant = models.ForeignKey(
        AccessGrant, verbose_name="授权 grant", on_delete=models.PROTECT, related_name="subscriptions"
    )
    resource = models.ForeignKey(
        Resource, verbose_name="资源 resource", on_delete=models.PROTECT, related_name="subscriptions"
    )
    consumer = models.ForeignKey(
        Department, verbose_name="订阅部门 consumer", on_delete=models.PROTECT, related_name="+"
    )
    url = models.URLField("回调地址 webhook URL", max_length=500)
    # Sealed rather than hashed: every delivery signs with it.
    secret_encrypted = models.TextField("签名密钥（密文） secret (encrypted)", editable=False)
    is_active = models.BooleanField("有效 active", default=True, db_index=True)
    last_sequence = models.PositiveBigIntegerField("最新序号 last sequence", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="订阅人 subscribed by",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("订阅时间 subscribed at", auto_now_add=True)
    cancelled_at = models.DateTimeField("取消时间 cancelled at", null=True, blank=True)

    class Meta:
        verbose_name = "变更订阅 change subscription"
        verbose_name_plural = "变更订阅 change subscriptions"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "url"],
                condition=models.Q(is_active=True),
                name="subscription_active_unique_url",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consumer} → {self.resource.code} @ {self.url}"


class ChangeNotice(models.Model):
    """One changed record for one subscription, and the state of its delivery."""

    class Event(models.TextChoices):
        CREATED = "created", "新增 created"
        UPDATED = "updated", "更新 updated"

    class Status(models.TextChoices):
        PENDING = "pending", "待送达 pending"
        DELIVERED = "delivered", "已送达 delivered"
        FAILED = "failed", "送达失败 failed"
        DROPPED = "dropped", "已停止 dropped"

    subscription = models.ForeignKey(
        Subscription, verbose_name="订阅 subscription", on_delete=models.CASCADE, related_name="notices"
    )
    sequence = models.PositiveBigIntegerField("序号 sequence")
    delivery_id = models.UUIDField("投递编号 delivery id", default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField("变更类型 event", max_length=10, choices=Event.choices)
    # The key as the receiver may see it: the plain key when the grant allows it, else a keyed hash.
    record_key = models.CharField("记录键 record key", max_length=200)
    fields = models.JSONField("变更数据项 changed fields", default=list)
    changed_at = models.DateTimeField("变更时间 changed at")
    status = models.CharField(
        "状态 status", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("尝试次数 attempts", default=0)
    last_error = models.CharField("最近错误 last error", max_length=300, blank=True)
    next_attempt_at = models.DateTimeField("下次尝试 next attempt", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间 delivered at", null=True, blank=True)

    class Meta:
        verbose_name = "变更通知 change notice"
        verbose_name_plural = "变更通知 change notices"
        ordering = ["subscription", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "sequence"], name="notice_unique_sequence")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.subscription_id}#{self.sequence} {self.event} {self.record_key[:16]}"
