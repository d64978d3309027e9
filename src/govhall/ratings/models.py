"""Ratings of services (好差评): one rating per completed case (一事一评) and per counter visit (一次一评).

A bad rating (不满意 / 非常不满意) opens a :class:`Rectification` for the responsible department:
contact the rater (回访), record the finding, rectify within a number of working days (stored in
``due_at``, an indexed column that supervision sweeps), and the rater may confirm. The department
may appeal a mistaken rating to the supervisor (申诉复核); an upheld appeal leaves the rating out of
the public figures. Each step is a :class:`RectificationEvent` on the rectification's timeline.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from govhall.catalog.models import ServiceItem
from govhall.identity.models import Department


class Level(models.IntegerChoices):
    """Five levels; the value is the score (5 best)."""

    VERY_SATISFIED = 5, "非常满意 very satisfied"
    SATISFIED = 4, "满意 satisfied"
    BASICALLY_SATISFIED = 3, "基本满意 basically satisfied"
    DISSATISFIED = 2, "不满意 dissatisfied"
    VERY_DISSATISFIED = 1, "非常不满意 very dissatisfied"


# 满意 in the published figures: the three upper levels.
SATISFIED_MIN = 3
BAD_MAX = 2


class CounterVisit(models.Model):
    """One visit at a service window (一次一评), recorded by the clerk; the visitor rates it by its code."""

    code = models.CharField("评价码 rating code", max_length=12, unique=True)
    department = models.ForeignKey(
        Department, verbose_name="窗口所属部门 department", on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        ServiceItem,
        verbose_name="办理事项 item",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="窗口人员 clerk", on_delete=models.PROTECT, related_name="+"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办事人账号 visitor account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visitor_name = models.CharField("办事人 visitor", max_length=60, blank=True)
    summary = models.CharField("办理内容 what was done", max_length=200, blank=True)
    idempotency_key = models.CharField("幂等键 idempotency key", max_length=64, blank=True)
    created_at = models.DateTimeField("办理时间 visited at")
    expires_at = models.DateTimeField("评价截止 rate until")

    class Meta:
        verbose_name = "窗口办事记录 counter visit"
        verbose_name_plural = "窗口办事记录 counter visits"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clerk", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="counter_visit_unique_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.code}"


class Rating(models.Model):
    class Source(models.TextChoices):
        CASE = "case", "网上办件评价（一事一评） case"
        COUNTER = "counter", "窗口评价（一次一评） counter visit"

    source = models.CharField("评价渠道 source", max_length=10, choices=Source.choices)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name="办件 case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rating",
    )
    visit = models.OneToOneField(
        CounterVisit,
        verbose_name="窗口办事 counter visit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rating",
    )
    department = models.ForeignKey(
        Department, verbose_name="被评价部门 department", on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        ServiceItem,
        verbose_name="事项 item",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评价人 rater",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    real_name = models.BooleanField("实名评价 real-name", default=False)
    level = models.PositiveSmallIntegerField("评价等级 level", choices=Level.choices)
    tags = models.JSONField("评价标签 tags", default=list, blank=True)
    comment = models.TextField("评价内容 comment", blank=True)
    created_at = models.DateTimeField("评价时间 rated at", db_index=True)
    # An appeal the supervisor upheld: the rating stays on record but leaves the figures.
    excluded = models.BooleanField("申诉成立不计入统计 excluded", default=False)

    class Meta:
        verbose_name = "服务评价 rating"
        verbose_name_plural = "服务评价 ratings"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1) & models.Q(level__lte=5), name="rating_level_range"
            ),
            models.CheckConstraint(
                condition=(models.Q(source="case", case__isnull=False, visit__isnull=True))
                | (models.Q(source="counter", case__isnull=True, visit__isnull=False)),
                name="rating_one_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "created_at"], name="rating_department_time"),
            models.Index(fields=["item", "created_at"], name="rating_item_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} #{self.pk}"

    @property
    def is_bad(self) -> bool:
        return self.level <= BAD_MAX

    @property
    def level_zh(self) -> str:
        return str(Level(self.level).label).split(" ")[0]


class Rectification(models.Model):
    """The follow-up of one bad rating (差评整改)."""

    class Status(models.TextChoices):
        OPEN = "open", "待回访 awaiting contact"
        CONTACTED = "contacted", "已回访待整改 contacted"
        RECTIFIED = "rectified", "已整改待确认 rectified"
        CONFIRMED = "confirmed", "评价人已确认 confirmed"
        DISPUTED = "disputed", "评价人不认可 disputed"
        APPEALED = "appealed", "申诉复核中 appeal pending"
        APPEAL_UPHELD = "appeal_upheld", "申诉成立 appeal upheld"

    rating = models.OneToOneField(
        Rating, verbose_name="评价 rating", on_delete=models.CASCADE, related_name="rectification"
    )
    department = models.ForeignKey(
        Department, verbose_name="整改部门 department", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态 status", max_length=16, choices=Status.choices, db_index=True)
    opened_at = models.DateTimeField("生成时间 opened at")
    due_at = models.DateTimeField("整改期限 due at", db_index=True)
    contacted_at = models.DateTimeField("回访时间 contacted at", null=True, blank=True)
    contact_method = models.CharField("回访方式 contact method", max_length=20, blank=True)
    contact_note = models.TextField("回访情况 contact note", blank=True)
    finding = models.TextField("核实情况 finding", blank=True)
    rectified_at = models.DateTimeField("整改时间 rectified at", null=True, blank=True)
    measures = models.TextField("整改措施 measures", blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人 handled by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间 confirmed at", null=True, blank=True)
    rater_feedback = models.TextField("评价人意见 rater feedback", blank=True)
    appeal_reason = models.TextField("申诉理由 appeal reason", blank=True)
    appealed_at = models.DateTimeField("申诉时间 appealed at", null=True, blank=True)
    appeal_decided_at = models.DateTimeField("复核时间 appeal decided at", null=True, blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复核人 decided by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    appeal_opinion = models.TextField("复核意见 appeal opinion", blank=True)

    class Meta:
        verbose_name = "差评整改 rectification"
        verbose_name_plural = "差评整改 rectifications"
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["department", "status"], name="rectification_queue"),
            models.Index(
                fields=["due_at"],
                condition=models.Q(status__in=["open", "contacted"]),
                name="rectification_running_due",
            ),
        ]

    def __str__(self) -> str:
        return f"整改 #{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.CONTACTED)


class RectificationEvent(models.Model):
    rectification = models.ForeignKey(
        Rectification, verbose_name="整改 rectification", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("事件 kind", max_length=30)
    at = models.DateTimeField("时间 at", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人 actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField("说明 note", blank=True)

    class Meta:
        verbose_name = "整改记录 rectification event"
        verbose_name_plural = "整改记录 rectification events"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.kind}"
