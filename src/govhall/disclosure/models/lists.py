"""The four lists (四张清单) kept here and the publication of administrative penalty decisions.

The power list (权力清单) is the service catalogue's (``/power-list/``); this module holds the other
three — responsibility, investment negative list, special funds — and the penalty decisions, each
draft → published → withdrawn, withdrawn rows kept.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from govhall.catalog.models import ServiceItem
from govhall.identity.models import Department


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "草稿 draft"
    PUBLISHED = "published", "已公开 published"
    WITHDRAWN = "withdrawn", "已撤下 withdrawn"


class ListEntry(models.Model):
    status = models.CharField(
        "状态 status", max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT, db_index=True
    )
    published_at = models.DateTimeField("公开时间 published at", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤下时间 withdrawn at", null=True, blank=True)
    withdrawal_reason = models.CharField("撤下理由 withdrawal reason", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)

    class Meta:
        abstract = True


class Responsibility(ListEntry):
    """One duty of a department on its responsibility list (责任清单), with the items it concerns."""

    department = models.ForeignKey(
        Department, verbose_name="部门 department", on_delete=models.PROTECT, related_name="responsibilities"
    )
    duty = models.CharField("主要职责 duty", max_length=300)
    tasks = models.TextField("具体工作事项 tasks", blank=True)
    accountability = models.TextField("追责情形 accountability", blank=True)
    cooperation = models.TextField("协同部门及职责边界 cooperation", blank=True)
    related_items = models.ManyToManyField(
        ServiceItem, verbose_name="相关事项 related items", blank=True, related_name="+"
    )
    order = models.PositiveSmallIntegerField("序号 order", default=0)

    class Meta:
        verbose_name = "责任清单 responsibility"
        verbose_name_plural = "责任清单 responsibilities"
        ordering = ["department_id", "order", "id"]

    def __str__(self) -> str:
        return self.duty


class NegativeListEntry(ListEntry):
    """One entry of the market-access negative list (市场准入负面清单) as it applies here."""

    class Kind(models.TextChoices):
        PROHIBITED = "prohibited", "禁止准入类 prohibited"
        LICENSED = "licensed", "许可准入类 licence required"

    edition = models.CharField("版本 edition", max_length=30, help_text="例如：2025年版")
    kind = models.CharField("类别 kind", max_length=12, choices=Kind.choices)
    number = models.CharField("事项编号 number", max_length=10)
    industry = models.CharField("行业 industry", max_length=60)
    name = models.CharField("禁止或许可事项 entry", max_length=200)
    measures = models.TextField("禁止或许可准入措施 measures")
    basis = models.TextField("设立依据 basis", blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name="本地主管部门 local authority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "投资负面清单 negative list entry"
        verbose_name_plural = "投资负面清单 negative list entries"
        ordering = ["edition", "kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "kind", "number"], name="negative_entry_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class SpecialFund(ListEntry):
    """One special fund (专项资金) on the special-fund list: amount, manager, who received it."""

    name = models.CharField("资金名称 fund", max_length=200)
    year = models.PositiveSmallIntegerField("年度 year")
    amount = models.DecimalField(
        "金额（万元） amount (CNY 10,000)",
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    department = models.ForeignKey(
        Department, verbose_name="主管部门 managing department", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.TextField("资金用途 purpose")
    allocation = models.TextField("分配方式 allocation", blank=True)
    recipients_summary = models.TextField("分配对象及结果 recipients summary", blank=True)
    basis = models.TextField("设立依据 basis", blank=True)

    class Meta:
        verbose_name = "专项资金 special fund"
        verbose_name_plural = "专项资金 special funds"
        ordering = ["-year", "department_id", "name"]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class PenaltyDecision(models.Model):
    """An administrative penalty decision made public (行政处罚决定信息公开).

    A natural person's name is stored encrypted and published masked; the public never sees an ID
    number. Publication is due within :data:`PUBLISH_WITHIN_DAYS` working days of the decision and is
    taken down when its publicity period ends (``public_until``, swept by a periodic task) or, under
    行政处罚法 第四十八条, within three days of the decision being changed, revoked or held unlawful.
    """

    class PartyKind(models.TextChoices):
        NATURAL = "natural", "自然人 natural person"
        INDIVIDUAL_BUSINESS = "individual", "个体工商户 individual business"
        LEGAL = "legal", "法人或其他组织 legal person"

    class Status(models.TextChoices):
        DRAFT = "draft", "待公开 not yet published"
        PUBLISHED = "published", "公示中 published"
        WITHDRAWN = "withdrawn", "已撤下 withdrawn"

    class Withdrawal(models.TextChoices):
        EXPIRED = "expired", "公示期满 publicity period ended"
        CHANGED = "changed", "处罚决定被变更、撤销或确认违法、无效 decision changed or revoked"
        REPAIRED = "repaired", "信用修复 credit repaired"

    department = models.ForeignKey(
        Department, verbose_name="处罚机关 department", on_delete=models.PROTECT, related_name="+"
    )
    decision_number = models.CharField("处罚决定书文号 decision number", max_length=80)
    party_kind = models.CharField("当事人类型 party kind", max_length=12, choices=PartyKind.choices)
    party_name_encrypted = models.TextField("当事人名称（密文） party name (encrypted)", editable=False)
    party_public_name = models.CharField("当事人（公开） party as published", max_length=200)
    party_code = models.CharField(
        "统一社会信用代码 USCC", max_length=18, blank=True, help_text="法人或个体工商户 legal persons only"
    )
    party_id_masked = models.CharField(
        "证件号（脱敏） ID (masked)", max_length=18, blank=True, editable=False
    )
    legal_representative = models.CharField("法定代表人 legal representative", max_length=60, blank=True)
    violation = models.TextField("违法行为 violation")
    basis = models.TextField("处罚依据 basis")
    penalty = models.TextField("处罚内容 penalty")
    fine_amount = models.DecimalField(
        "罚没金额（元） fine (CNY)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    decided_on = models.DateField("处罚决定日期 decided on")
    publish_due_at = models.DateTimeField("应公开期限 publication due", db_index=True)
    publicity_months = models.PositiveSmallIntegerField("公示期（月） publicity period (months)", default=36)
    status = models.CharField(
        "状态 status", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField("公开时间 published at", null=True, blank=True)
    published_late = models.BooleanField("逾期公开 published late", default=False)
    public_until = models.DateTimeField("公示截止 public until", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤下时间 withdrawn at", null=True, blank=True)
    withdrawal_kind = models.CharField(
        "撤下原因 withdrawal kind", max_length=10, choices=Withdrawal.choices, blank=True
    )
    withdrawal_reason = models.CharField("撤下说明 withdrawal note", max_length=300, blank=True)
    overdue_noted_for = models.DateTimeField(
        "逾期未公开记录对应期限 overdue noted for", null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人 created by", null=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)

    class Meta:
        verbose_name = "行政处罚决定公开 penalty decision"
        verbose_name_plural = "行政处罚决定公开 penalty decisions"
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["department", "decision_number"], name="penalty_unique_number")
        ]
        indexes = [
            # The take-down sweep reads only what is on show.
            models.Index(
                fields=["public_until"], condition=models.Q(status="published"), name="penalty_public_until"
            ),
            models.Index(fields=["status", "-decided_on"], name="penalty_listing"),
        ]

    def __str__(self) -> str:
        return self.decision_number

    @property
    def is_natural_person(self) -> bool:
        return self.party_kind != self.PartyKind.LEGAL
