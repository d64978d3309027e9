"""In-site messages (站内消息) and their delivery by e-mail and SMS.

A :class:`Message` is written in the transaction of the change it tells about, so a rolled-back
change leaves no message behind. Each outside channel gets one :class:`Delivery` row, written in
the same transaction and sent by a task after commit; the row is what makes sending idempotent
(a task that runs twice finds it sent) and what records attempts and the last error.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Message(models.Model):
    """One message to one user, read in the message centre (站内消息)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人 recipient",
        on_delete=models.CASCADE,
        related_name="messages",
    )
    event = models.CharField("事件 event", max_length=60)
    title = models.CharField("标题 title", max_length=200)
    body = models.TextField("内容 body")
    link = models.CharField("链接 link", max_length=300, blank=True)
    related_type = models.ForeignKey(
        ContentType,
        verbose_name="关联对象类型 related type",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    related_id = models.CharField("关联对象标识 related id", max_length=64, blank=True)
    related = GenericForeignKey("related_type", "related_id")
    # What the SMS template and the e-mail need beyond the text (e.g. the case number).
    params = models.JSONField("参数 parameters", default=dict, blank=True)
    read_at = models.DateTimeField("阅读时间 read at", null=True, blank=True)
    created_at = models.DateTimeField("时间 created at", auto_now_add=True)

    class Meta:
        verbose_name = "站内消息 message"
        verbose_name_plural = "站内消息 messages"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="message_inbox"),
            # The unread badge on every page: a small partial index answers it.
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="message_unread"
            ),
            models.Index(fields=["related_type", "related_id"], name="message_related"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """Sending one message through one outside channel; at most one row per message and channel."""

    class Channel(models.TextChoices):
        EMAIL = "email", "电子邮件 e-mail"
        SMS = "sms", "短信 SMS"

    class Status(models.TextChoices):
        PENDING = "pending", "待发送 pending"
        SENDING = "sending", "发送中 sending"
        SENT = "sent", "已发送 sent"
        RETRYING = "retrying", "待重试 retrying"
        FAILED = "failed", "发送失败 failed"

    message = models.ForeignKey(
        Message, verbose_name="消息 message", on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField("渠道 channel", max_length=10, choices=Channel.choices)
    status = models.CharField(
        "状态 status", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("尝试次数 attempts", default=0)
    last_error = models.TextField("最近错误 last error", blank=True)
    provider_message_id = models.CharField("服务商消息号 provider message id", max_length=100, blank=True)
    claimed_at = models.DateTimeField("开始发送 claimed at", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间 sent at", null=True, blank=True)
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)

    class Meta:
        verbose_name = "消息投递 delivery"
        verbose_name_plural = "消息投递 deliveries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="delivery_unique_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.channel} {self.status}"
