"""Consultations (咨询) and complaints (投诉): routed to a department, answered within a time limit.

Both keep their answer deadline in an indexed column (``due_at``) that electronic supervision
sweeps, and a timeline of events the asker and the department read. A complaint the complainant
objects to, or one the department leaves unanswered, goes to the supervisor (escalation).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from govhall.catalog.models import FAQ, ServiceItem
from govhall.identity.models import Department


class Consultation(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待答复 awaiting answer"
        ANSWERED = "answered", "已答复 answered"
        CLOSED = "closed", "已关闭 closed"

    number = models.CharField("咨询编号 number", max_length=24, unique=True)
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="咨询人 asker", on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        ServiceItem,
        verbose_name="咨询事项 item",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    department = models.ForeignKey(
        Department, verbose_name="答复部门 department", on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField("标题 subject", max_length=100)
    question = models.TextField("咨询内容 question")
    publish_consent = models.BooleanField("同意公开 consents to publication", default=False)
    status = models.CharField("状态 status", max_length=12, choices=Status.choices, db_index=True)
    submitted_at = models.DateTimeField("提交时间 submitted at")
    due_at = models.DateTimeField("答复期限 answer due", db_index=True)
    answered_at = models.DateTimeField("答复时间 answered at", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人 answered by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answer = models.TextField("答复内容 answer", blank=True)
    faq = models.ForeignKey(
        FAQ,
        verbose_name="已公开为常见问题 published as FAQ",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    idempotency_key = models.CharField("幂等键 idempotency key", max_length=64, blank=True)

    class Meta:
        verbose_name = "咨询 consultation"
        verbose_name_plural = "咨询 consultations"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asker", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="consultation_unique_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["department", "status"], name="consultation_queue"),
            models.Index(
                fields=["due_at"], condition=models.Q(status="submitted"), name="consultation_running_due"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_running(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Complaint(models.Model):
    class Target(models.TextChoices):
        CASE = "case", "办件办理 a case"
        DEPARTMENT = "department", "部门服务 a department"
        STAFF = "staff", "工作人员作风 staff conduct"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待受理 awaiting acceptance"
        ACCEPTED = "accepted", "调查处理中 under investigation"
        ANSWERED = "answered", "已答复待确认 answered"
        CONFIRMED = "confirmed", "投诉人认可 confirmed"
        ESCALATED = "escalated", "已提请监察 escalated"
        RESOLVED = "resolved", "监察已处理 resolved by supervision"
        REJECTED = "rejected", "不予受理 not accepted"

    number = models.CharField("投诉编号 number", max_length=24, unique=True)
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="投诉人 complainant",
        on_delete=models.PROTECT,
        related_name="+",
    )
    target = models.CharField("投诉对象 target", max_length=12, choices=Target.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="相关办件 case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        Department, verbose_name="被投诉部门 department", on_delete=models.PROTECT, related_name="+"
    )
    staff_name = models.CharField("被投诉人员 staff named", max_length=60, blank=True)
    subject = models.CharField("标题 subject", max_length=100)
    content = models.TextField("投诉内容 content")
    status = models.CharField("状态 status", max_length=12, choices=Status.choices, db_index=True)
    submitted_at = models.DateTimeField("提交时间 submitted at")
    due_at = models.DateTimeField("办理期限 due at", db_index=True)
    accepted_at = models.DateTimeField("受理时间 accepted at", null=True, blank=True)
    finding = models.TextField("调查情况 finding", blank=True)
    answer = models.TextField("处理结果 answer", blank=True)
    answered_at = models.DateTimeField("答复时间 answered at", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人 handled by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    feedback = models.TextField("投诉人意见 complainant's feedback", blank=True)
    closed_at = models.DateTimeField("办结时间 closed at", null=True, blank=True)
    escalated_at = models.DateTimeField("提请监察时间 escalated at", null=True, blank=True)
    escalation_reason = models.TextField("提请理由 escalation reason", blank=True)
    supervisor_opinion = models.TextField("监察意见 supervisor's opinion", blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="监察处理人 resolved by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    idempotency_key = models.CharField("幂等键 idempotency key", max_length=64, blank=True)

    class Meta:
        verbose_name = "投诉 complaint"
        verbose_name_plural = "投诉 complaints"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complainant", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="complaint_unique_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["department", "status"], name="complaint_queue"),
            models.Index(
                fields=["due_at"],
                condition=models.Q(status__in=["submitted", "accepted", "escalated"]),
                name="complaint_running_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_COMPLAINT


RUNNING_COMPLAINT = frozenset(
    {Complaint.Status.SUBMITTED, Complaint.Status.ACCEPTED, Complaint.Status.ESCALATED}
)


class InteractionEvent(models.Model):
    """One step on a consultation's or a complaint's timeline."""

    consultation = models.ForeignKey(
        Consultation,
        verbose_name="咨询 consultation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    complaint = models.ForeignKey(
        Complaint,
        verbose_name="投诉 complaint",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
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
        verbose_name = "咨询投诉记录 interaction event"
        verbose_name_plural = "咨询投诉记录 interaction events"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"
