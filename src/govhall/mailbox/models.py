"""The mayor's mailbox (市长信箱) and the departments' mailboxes: letters, reply drafts, timelines.

A letter to the mayor's mailbox waits for the office that runs it to assign it to a department; a
letter to a department's mailbox is that department's at once. The department drafts a reply, a
head of the department (or of the office) reviews it, and only an approved draft is sent. A letter
whose writer agreed is published with its reply by the office, personal details removed. The reply
deadline (``due_at``, working days from submission) is a stored, indexed column that electronic
supervision sweeps.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from govhall.identity.models import Department


class Mailbox(models.Model):
    class Kind(models.TextChoices):
        MAYOR = "mayor", "市长信箱 mayor's mailbox"
        DEPARTMENT = "department", "部门信箱 department mailbox"

    code = models.SlugField("信箱代码 code", max_length=40, unique=True)
    name = models.CharField("信箱名称 name", max_length=100)
    kind = models.CharField("类型 kind", max_length=12, choices=Kind.choices)
    department = models.ForeignKey(
        Department,
        verbose_name="承办机构 office",
        on_delete=models.PROTECT,
        related_name="mailboxes",
        help_text="市长信箱为负责分办的办公室；部门信箱为该部门",
    )
    intro = models.TextField("信箱说明 introduction", blank=True)
    reply_days = models.PositiveSmallIntegerField("答复时限（工作日） reply days", default=15)
    is_active = models.BooleanField("启用 active", default=True)

    class Meta:
        verbose_name = "信箱 mailbox"
        verbose_name_plural = "信箱 mailboxes"
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_mayor(self) -> bool:
        return self.kind == self.Kind.MAYOR


class Letter(models.Model):
    class Category(models.TextChoices):
        CONSULT = "consult", "咨询 consultation"
        SUGGEST = "suggest", "建议 suggestion"
        COMPLAIN = "complain", "投诉 complaint"
        HELP = "help", "求助 request for help"
        PRAISE = "praise", "表扬 praise"
        OTHER = "other", "其他 other"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待分办 awaiting assignment"
        ASSIGNED = "assigned", "办理中 in progress"
        REVIEWING = "reviewing", "答复审核中 reply under review"
        REPLIED = "replied", "已答复 replied"

    number = models.CharField("信件编号 number", max_length=24, unique=True)
    mailbox = models.ForeignKey(
        Mailbox, verbose_name="信箱 mailbox", on_delete=models.PROTECT, related_name="letters"
    )
    writer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="来信人 writer", on_delete=models.PROTECT, related_name="+"
    )
    writer_name = models.CharField("来信人姓名 writer name", max_length=100)
    category = models.CharField("来信类别 category", max_length=10, choices=Category.choices)
    subject = models.CharField("来信标题 subject", max_length=120)
    content = models.TextField("来信内容 content")
    consent_publish = models.BooleanField("同意公开 consents to publication", default=False)
    idempotency_key = models.CharField("幂等键 idempotency key", max_length=64, blank=True)
    status = models.CharField("状态 status", max_length=12, choices=Status.choices, db_index=True)
    handling_department = models.ForeignKey(
        Department,
        verbose_name="承办部门 handling department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField("来信时间 submitted at", default=timezone.now)
    assigned_at = models.DateTimeField("分办时间 assigned at", null=True, blank=True)
    due_at = models.DateTimeField("答复期限 reply due")
    reply_text = models.TextField("答复内容 reply", blank=True)
    replied_at = models.DateTimeField("答复时间 replied at", null=True, blank=True)
    replied_late = models.BooleanField("超期答复 replied late", default=False)
    reply_working_days = models.PositiveSmallIntegerField(
        "答复用时（工作日） reply days used", null=True, blank=True
    )
    published_at = models.DateTimeField("公开时间 published at", null=True, blank=True, db_index=True)
    public_subject = models.CharField("公开标题 public subject", max_length=120, blank=True)
    public_content = models.TextField("公开内容（已去除个人信息） public content", blank=True)
    public_reply = models.TextField("公开答复 public reply", blank=True)

    class Meta:
        verbose_name = "来信 letter"
        verbose_name_plural = "来信 letters"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["writer", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="mailbox_letter_unique_idempotency_key",
            ),
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True)
                | models.Q(consent_publish=True, status="replied"),
                name="mailbox_letter_published_only_with_consent",
            ),
        ]
        indexes = [
            models.Index(fields=["mailbox", "status"], name="mailbox_letter_queue"),
            models.Index(fields=["handling_department", "status"], name="mailbox_letter_dept_queue"),
            models.Index(fields=["writer", "-submitted_at"], name="mailbox_letter_mine"),
            models.Index(
                fields=["due_at"],
                condition=models.Q(status__in=["submitted", "assigned", "reviewing"]),
                name="mailbox_letter_open_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.REPLIED

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def responsible_department_id(self) -> int:
        return self.handling_department_id or self.mailbox.department_id


class ReplyDraft(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待审核 pending review"
        APPROVED = "approved", "审核通过 approved"
        RETURNED = "returned", "退回修改 returned"

    letter = models.ForeignKey(
        Letter, verbose_name="来信 letter", on_delete=models.CASCADE, related_name="drafts"
    )
    department = models.ForeignKey(
        Department, verbose_name="答复部门 department", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("答复草稿 draft")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="拟稿人 author", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("拟稿时间 drafted at", default=timezone.now)
    status = models.CharField(
        "审核状态 status", max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人 reviewer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间 reviewed at", null=True, blank=True)
    review_note = models.TextField("审核意见 review note", blank=True)

    class Meta:
        verbose_name = "答复草稿 reply draft"
        verbose_name_plural = "答复草稿 reply drafts"
        ordering = ["created_at", "id"]
        constraints = [
            # At most one draft waits for review per letter.
            models.UniqueConstraint(
                fields=["letter"], condition=models.Q(status="pending"), name="mailbox_one_pending_draft"
            )
        ]

    def __str__(self) -> str:
        return f"{self.letter_id} {self.status}"


class LetterEvent(models.Model):
    """One step on a letter's timeline."""

    letter = models.ForeignKey(
        Letter, verbose_name="来信 letter", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("事件 kind", max_length=30)
    at = models.DateTimeField("时间 at")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人 actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField("说明 note", blank=True)
    data = models.JSONField("数据 data", default=dict, blank=True)

    class Meta:
        verbose_name = "来信办理记录 letter event"
        verbose_name_plural = "来信办理记录 letter events"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["at"], name="mailbox_event_at")]

    def __str__(self) -> str:
        return f"{self.letter_id} {self.kind}"
