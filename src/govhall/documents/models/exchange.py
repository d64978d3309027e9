"""Document exchange (公文交换): receiving units, groups of units, distributions, handling, archive.

A receiving unit is an :class:`~govhall.identity.models.Department` — the platform's one list of
units, which a city extends with every unit that exchanges documents (county offices, township
party-and-government offices). What only exchange needs sits in :class:`ExchangeUnit` beside it:
the secrecy clearance, the issuing-authority mark and the 机关代字; a department without that row
receives non-secret documents and issues under its own name.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from govhall.documents.models.documents import Document, Secrecy
from govhall.identity.models import Department


class ExchangeUnit(models.Model):
    department = models.OneToOneField(
        Department, verbose_name="单位 unit", on_delete=models.CASCADE, related_name="exchange_unit"
    )
    clearance = models.PositiveSmallIntegerField(
        "涉密收文资质 clearance",
        choices=Secrecy.choices,
        default=Secrecy.NONE,
        help_text="可接收的最高密级 highest secrecy level the unit may receive",
    )
    issuing_mark = models.CharField("发文机关标志 issuing-authority mark", max_length=60, blank=True)
    number_prefix = models.CharField("机关代字 authority code", max_length=20, blank=True)
    receives = models.BooleanField("接收公文 receives documents", default=True)

    class Meta:
        verbose_name = "公文交换单位 exchange unit"
        verbose_name_plural = "公文交换单位 exchange units"

    def __str__(self) -> str:
        return str(self.department)


class UnitGroup(models.Model):
    """A named group of receiving units (全体市直部门, 各县（市、区）政府办 …)."""

    code = models.CharField("代码 code", max_length=30, unique=True)
    name = models.CharField("名称 name", max_length=60)
    units = models.ManyToManyField(
        Department, verbose_name="成员单位 units", related_name="exchange_groups", blank=True
    )
    order = models.PositiveSmallIntegerField("排序 order", default=0)

    class Meta:
        verbose_name = "收文单位组 unit group"
        verbose_name_plural = "收文单位组 unit groups"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Distribution(models.Model):
    """One receiving unit's copy of a sent document and where it stands there."""

    class Status(models.TextChoices):
        DELIVERED = "delivered", "待签收"
        SIGNED = "signed", "已签收"
        RETURNED = "returned", "已退回"

    class Role(models.TextChoices):
        MAIN = "main", "主送"
        COPY = "copy", "抄送"

    class Stage(models.TextChoices):
        NONE = "", "未办理"
        PROPOSED = "proposed", "拟办"
        INSTRUCTED = "instructed", "批办"
        HANDLING = "handling", "承办"
        CIRCULATING = "circulating", "传阅"
        DONE = "done", "办结"

    document = models.ForeignKey(
        Document, verbose_name="公文 document", on_delete=models.CASCADE, related_name="distributions"
    )
    unit = models.ForeignKey(
        Department, verbose_name="收文单位 unit", on_delete=models.PROTECT, related_name="received_documents"
    )
    role = models.CharField("主送/抄送 role", max_length=4, choices=Role.choices, default=Role.MAIN)
    copy_number = models.CharField("份号 copy number", max_length=6, blank=True)
    status = models.CharField(
        "状态 status", max_length=10, choices=Status.choices, default=Status.DELIVERED, db_index=True
    )
    delivered_at = models.DateTimeField("送达时间 delivered at")
    sign_due_at = models.DateTimeField("签收期限 sign-for due")
    first_opened_at = models.DateTimeField("首次查阅 first opened", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间 signed at", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签收人 signed by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_at = models.DateTimeField("退回时间 returned at", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="退回人 returned by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_reason = models.CharField("退回理由 reason", max_length=300, blank=True)
    reminded_at = models.DateTimeField("最近催收 last reminded", null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField("催收次数 reminders", default=0)
    stage = models.CharField("办理环节 stage", max_length=12, choices=Stage.choices, default="", blank=True)
    changed_at = models.DateTimeField("变更时间 changed at", db_index=True)

    class Meta:
        verbose_name = "分发 distribution"
        verbose_name_plural = "分发 distributions"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["document", "unit"], name="documents_distribution_unique")
        ]
        indexes = [
            models.Index(fields=["unit", "status", "-delivered_at"], name="documents_inbox"),
            models.Index(fields=["document", "status"], name="documents_tracking"),
            models.Index(
                fields=["sign_due_at"],
                condition=models.Q(status="delivered"),
                name="documents_unsigned_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.unit_id} ({self.status})"


class HandlingStep(models.Model):
    """One step of a receiving unit's internal handling: 拟办 → 批办 → 承办 → 传阅 → 办结."""

    distribution = models.ForeignKey(
        Distribution, verbose_name="收文 received copy", on_delete=models.CASCADE, related_name="steps"
    )
    stage = models.CharField("环节 stage", max_length=12, choices=Distribution.Stage.choices)
    opinion = models.TextField("意见 opinion", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="办理人 actor", on_delete=models.PROTECT, related_name="+"
    )
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="承办/传阅人 assignees", related_name="+", blank=True
    )
    at = models.DateTimeField("时间 at")

    class Meta:
        verbose_name = "收文办理 handling step"
        verbose_name_plural = "收文办理 handling steps"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.distribution_id} {self.stage}"


class ArchiveRecord(models.Model):
    """A document filed to a unit's electronic archive (电子档案) with its retention period."""

    class Retention(models.TextChoices):
        PERMANENT = "permanent", "永久"
        YEARS_30 = "30y", "30年"
        YEARS_10 = "10y", "10年"

    document = models.ForeignKey(
        Document, verbose_name="公文 document", on_delete=models.PROTECT, related_name="archive_records"
    )
    unit = models.ForeignKey(
        Department, verbose_name="归档单位 unit", on_delete=models.PROTECT, related_name="+"
    )
    archive_number = models.CharField("档号 archive number", max_length=60, unique=True)
    retention = models.CharField("保管期限 retention", max_length=10, choices=Retention.choices)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="归档人 filed by", on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField("归档时间 filed at")
    digest_sm3 = models.CharField("归档文件 SM3 digest", max_length=64, blank=True)

    class Meta:
        verbose_name = "电子档案 archive record"
        verbose_name_plural = "电子档案 archive records"
        ordering = ["-filed_at"]
        constraints = [models.UniqueConstraint(fields=["document", "unit"], name="documents_archive_unique")]

    def __str__(self) -> str:
        return self.archive_number
