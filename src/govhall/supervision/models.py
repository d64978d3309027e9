"""Electronic supervision (行政电子监察): the rule set per region, the alerts it raises, sweep marks.

An :class:`Alert` is raised exactly once per (rule, subject, deadline or version): the unique
constraint on ``(rule_kind, subject_type, subject_id, key)`` makes re-evaluation and concurrent
sweeps harmless. Its subject is generic (``subject_type`` is a model label such as ``cases.case``)
so that complaints, information requests and document sign-for can be watched the same way; the
``case`` column is set when the subject is a case or part of one, for joins and links.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from govhall.cases.models import Case
from govhall.identity.models import Department, Region


class Level(models.TextChoices):
    WARNING = "warning", "预警 warning"
    YELLOW = "yellow", "黄牌 yellow card"
    RED = "red", "红牌 red card"


CARD_LEVELS = frozenset({Level.YELLOW, Level.RED})


class SupervisionRule(models.Model):
    """One rule's setting for a region (and its subregions), or the platform default (no region).

    The most specific region wins; a rule kind with no row at all uses the registry's default.
    ``threshold`` means what the rule's registry entry says (working days, or a count).
    """

    region = models.ForeignKey(
        Region,
        verbose_name="适用区划 region",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="留空为全平台默认 empty: platform default",
    )
    kind = models.CharField("规则 rule", max_length=40)
    enabled = models.BooleanField("启用 enabled", default=True)
    threshold = models.PositiveSmallIntegerField("阈值 threshold", default=0)
    level = models.CharField("告警级别 level", max_length=10, choices=Level.choices)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新人 updated by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "监察规则 supervision rule"
        verbose_name_plural = "监察规则 supervision rules"
        ordering = ["kind", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kind"], name="supervision_rule_unique_region_kind"),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(region__isnull=True), name="supervision_rule_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.region.code if self.region_id and self.region else '*'}"


class Alert(models.Model):
    """A warning or a card raised by a rule on one subject; explained by the department, decided by
    a supervisor. Cards are never deleted: they stay on the department's record."""

    class Status(models.TextChoices):
        OPEN = "open", "待说明 open"
        EXPLAINED = "explained", "已说明待审核 explained"
        CLOSED = "closed", "已核销 closed"
        UPHELD = "upheld", "维持 upheld"

    rule_kind = models.CharField("规则 rule", max_length=40)
    rule = models.ForeignKey(
        SupervisionRule,
        verbose_name="所依规则设置 rule setting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    level = models.CharField("级别 level", max_length=10, choices=Level.choices)
    subject_type = models.CharField("监察对象类型 subject type", max_length=60)
    subject_id = models.CharField("监察对象 subject id", max_length=40)
    # Which deadline or version of the subject the alert is about; empty when once per subject.
    key = models.CharField("版本键 key", max_length=80, blank=True)
    case = models.ForeignKey(
        Case,
        verbose_name="办件 case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_alerts",
    )
    department = models.ForeignKey(
        Department, verbose_name="责任部门 department", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(Region, verbose_name="区划 region", on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField("发出时间 raised at", db_index=True)
    due_at = models.DateTimeField("所涉期限 deadline concerned", null=True, blank=True)
    title = models.CharField("摘要 summary", max_length=200)
    facts = models.JSONField("事实 facts", default=dict, blank=True)
    status = models.CharField("状态 status", max_length=10, choices=Status.choices, default=Status.OPEN)
    explanation = models.TextField("情况说明 explanation", blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="说明人 explained by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    explained_at = models.DateTimeField("说明时间 explained at", null=True, blank=True)
    decision_note = models.TextField("审核意见 decision", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人 decided by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间 decided at", null=True, blank=True)
    # 提级督办: handed up to the supervisors of a higher region, by one of them or automatically
    # when a card stays unexplained too long; the status life cycle goes on unchanged.
    escalated_at = models.DateTimeField("督办时间 escalated at", null=True, blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="督办提请人 escalated by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalated_to = models.ForeignKey(
        Region,
        verbose_name="督办区划 escalated to",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalation_note = models.TextField("督办事由 escalation reason", blank=True)

    class Meta:
        verbose_name = "监察告警 supervision alert"
        verbose_name_plural = "监察告警 supervision alerts"
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_kind", "subject_type", "subject_id", "key"], name="supervision_alert_once"
            ),
        ]
        indexes = [
            models.Index(fields=["department", "raised_at"]),
            models.Index(fields=["status", "level"]),
            models.Index(fields=["case", "rule_kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.rule_kind} {self.subject_type}#{self.subject_id}"

    @property
    def is_card(self) -> bool:
        return self.level in CARD_LEVELS

    @property
    def is_escalated(self) -> bool:
        return self.escalated_at is not None

    @property
    def is_decided(self) -> bool:
        return self.status in (self.Status.CLOSED, self.Status.UPHELD)


class SweepMark(models.Model):
    """How far a periodic sweep has got: the cutoff one time rule reached, or the event watermark."""

    name = models.CharField("名称 name", max_length=80, unique=True)
    mark = models.DateTimeField("已处理至 processed up to")
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)

    class Meta:
        verbose_name = "监察扫描进度 sweep mark"
        verbose_name_plural = "监察扫描进度 sweep marks"

    def __str__(self) -> str:
        return f"{self.name} → {self.mark:%Y-%m-%d %H:%M}"
