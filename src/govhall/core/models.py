from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One append-only, hash-chained record of a state change (审计事件)."""

    sequence = models.PositiveBigIntegerField("序号 sequence", unique=True)
    occurred_at = models.DateTimeField("时间 occurred at", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人 actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人标识 actor label", max_length=150, blank=True)
    action = models.CharField("动作 action", max_length=80, db_index=True)
    object_type = models.CharField("对象类型 object type", max_length=80, db_index=True)
    object_id = models.CharField("对象标识 object id", max_length=64, db_index=True, blank=True)
    before = models.JSONField("变更前 before", null=True, blank=True)
    after = models.JSONField("变更后 after", null=True, blank=True)
    request_id = models.CharField("请求号 request id", max_length=64, blank=True)
    previous_hash = models.CharField("前一哈希 previous hash", max_length=64)
    hash = models.CharField("哈希 hash", max_length=64, unique=True)

    class Meta:
        verbose_name = "审计事件 audit event"
        verbose_name_plural = "审计事件 audit events"
        ordering = ["sequence"]
        indexes = [models.Index(fields=["object_type", "object_id", "sequence"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The single row that serialises appends to the audit chain (locked FOR UPDATE)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链头 audit chain head"

    def __str__(self) -> str:
        return f"audit head #{self.last_sequence}"


class CalendarDay(models.Model):
    """An administrator's ruling on one date: holiday (休) or make-up working day (班).

    Overrides the chinesecalendar package for the years it covers and supplies the State
    Council's notice for years it does not yet cover.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日/休息日 holiday"
        WORKDAY = "workday", "调休上班日 make-up working day"

    date = models.DateField("日期 date", unique=True)
    kind = models.CharField("类型 kind", max_length=10, choices=Kind.choices)
    name = models.CharField("名称 name", max_length=60, blank=True, help_text="例如：春节 / Spring Festival")
    note = models.CharField("依据 basis", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)

    class Meta:
        verbose_name = "工作日历调整 calendar day"
        verbose_name_plural = "工作日历调整 calendar days"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()

    @property
    def is_workday(self) -> bool:
        return self.kind == self.Kind.WORKDAY
