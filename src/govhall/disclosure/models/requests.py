"""Requests for information (依申请公开) under the Regulations on Open Government Information (2019).

The clock (see :mod:`govhall.disclosure.clock`): the day of receipt starts it (online requests: the
day the agency confirms receipt, 第三十一条); a correction (补正, at most once, within 7 working days,
第三十条) restarts it from the corrected request; 20 working days to answer, extendable once by 20
with the office head's approval (第三十三条); time spent consulting a third party is not counted
(第三十二、三十三条). The due moment is stored in ``due_at`` and swept, never recomputed on reads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from govhall.disclosure.models.publications import Publication
from govhall.identity.models import Department


class InformationRequest(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待确认收到 awaiting receipt"
        PROCESSING = "processing", "办理中 in progress"
        CORRECTING = "correcting", "待补正 awaiting correction"
        CONSULTING = "consulting", "征求第三方意见 consulting a third party"
        ANSWERED = "answered", "已答复 answered"
        CLOSED = "closed", "已终止 closed"

    class ApplicantKind(models.TextChoices):
        NATURAL = "natural", "自然人 natural person"
        LEGAL = "legal", "法人或其他组织 legal person or organisation"

    class Delivery(models.TextChoices):
        ONLINE = "online", "在线查阅下载 online"
        EMAIL = "email", "电子邮件 e-mail"
        POST = "post", "邮寄纸质件 paper by post"
        COUNTER = "counter", "当面领取 collect in person"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上申请 online"
        COUNTER = "counter", "当面申请 in person"
        LETTER = "letter", "信函申请 by letter"

    class Answer(models.TextChoices):
        ALREADY_PUBLIC = "already_public", "已主动公开 already public"
        DISCLOSED = "disclosed", "予以公开 disclosed"
        PARTLY = "partly", "部分公开 partly disclosed"
        NOT_DISCLOSED = "not_disclosed", "不予公开 not disclosed"
        NOT_EXIST = "not_exist", "信息不存在 does not exist"
        NOT_THIS_AGENCY = "not_this_agency", "非本机关负责公开 not this agency's"
        REPEATED = "repeated", "重复申请 repeated request"
        SPECIAL_LAW = "special_law", "按特别规定办理 special law applies"
        NOT_HANDLED = "not_handled", "不予处理 not handled"

    class Closure(models.TextChoices):
        NOT_CORRECTED = "not_corrected", "逾期未补正，视为放弃 correction not made in time"
        WITHDRAWN = "withdrawn", "申请人撤回 withdrawn by the applicant"

    number = models.CharField("申请编号 request number", max_length=40, unique=True)
    department = models.ForeignKey(
        Department, verbose_name="受理机关 agency", on_delete=models.PROTECT, related_name="+"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人 applicant", on_delete=models.PROTECT, related_name="+"
    )
    applicant_kind = models.CharField(
        "申请人类型 applicant kind", max_length=10, choices=ApplicantKind.choices
    )
    applicant_name = models.CharField("申请人名称 applicant name", max_length=100)
    channel = models.CharField("申请方式 channel", max_length=10, choices=Channel.choices)
    content = models.TextField("所需信息内容描述 information requested")
    purpose = models.TextField("用途 purpose", blank=True)
    delivery = models.CharField("获取信息方式 delivery", max_length=10, choices=Delivery.choices)
    postal_address = models.CharField("邮寄地址 postal address", max_length=200, blank=True)
    related_publication = models.ForeignKey(
        Publication,
        verbose_name="相关公开信息 related publication",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    idempotency_key = models.CharField("幂等键 idempotency key", max_length=64, blank=True)
    status = models.CharField("状态 status", max_length=12, choices=Status.choices, db_index=True)
    submitted_at = models.DateTimeField("提交时间 submitted at")
    received_at = models.DateTimeField("收到申请时间 received at", null=True, blank=True)
    # The moment the 20 working days count from: receipt, or receipt of the corrected request.
    clock_started_at = models.DateTimeField("计时起点 clock start", null=True, blank=True)
    correction_requested_at = models.DateTimeField("补正告知时间 correction requested", null=True, blank=True)
    correction_due_at = models.DateTimeField("补正期限 correction due", null=True, blank=True)
    correction_note = models.TextField("补正告知内容 what to correct", blank=True)
    corrected_at = models.DateTimeField("收到补正时间 corrected at", null=True, blank=True)
    consultation_since = models.DateTimeField("征求意见开始 consulting since", null=True, blank=True)
    consultation_days = models.PositiveSmallIntegerField(
        "征求意见用时（工作日） consultation days", default=0
    )
    extended_at = models.DateTimeField("延期时间 extended at", null=True, blank=True)
    extension_reason = models.CharField("延期理由 extension reason", max_length=300, blank=True)
    extension_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="延期批准人 extension approved by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_at = models.DateTimeField("答复期限 answer due", null=True, blank=True)
    overdue_noted_for = models.DateTimeField("超期记录对应期限 overdue noted for", null=True, blank=True)
    answered_at = models.DateTimeField("答复时间 answered at", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人 answered by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_late = models.BooleanField("超期答复 answered late", default=False)
    answer = models.CharField("答复类型 answer type", max_length=20, choices=Answer.choices, blank=True)
    answer_reason = models.CharField("具体情形 reason", max_length=30, blank=True)
    answer_text = models.TextField("答复内容 answer", blank=True)
    legal_basis = models.TextField("法律依据 legal basis", blank=True)
    referral_agency = models.CharField("负责公开的机关 competent agency", max_length=200, blank=True)
    answer_publications = models.ManyToManyField(
        Publication, verbose_name="已公开信息 publications pointed to", blank=True, related_name="+"
    )
    closed_at = models.DateTimeField("终止时间 closed at", null=True, blank=True)
    closure = models.CharField("终止原因 closure", max_length=20, choices=Closure.choices, blank=True)

    class Meta:
        verbose_name = "依申请公开 information request"
        verbose_name_plural = "依申请公开 information requests"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="info_request_unique_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["department", "status"], name="info_request_queue"),
            models.Index(fields=["applicant", "-submitted_at"], name="info_request_mine"),
            # The sweep reads only requests whose clock runs.
            models.Index(
                fields=["due_at"],
                condition=models.Q(status__in=["processing", "consulting"]),
                name="info_request_running_due",
            ),
            models.Index(
                fields=["correction_due_at"],
                condition=models.Q(status="correcting"),
                name="info_request_correction_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in {self.Status.ANSWERED, self.Status.CLOSED}

    @property
    def is_overdue_now(self) -> bool:
        from django.utils import timezone

        return self.is_open and self.due_at is not None and self.due_at < timezone.now()


class RequestEvent(models.Model):
    """One step on a request's timeline, as the applicant and the agency read it."""

    request = models.ForeignKey(
        InformationRequest, verbose_name="申请 request", on_delete=models.CASCADE, related_name="events"
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
        verbose_name = "申请办理记录 request event"
        verbose_name_plural = "申请办理记录 request events"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["kind", "at"], name="info_request_event_kind")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


def reply_upload_path(instance: ReplyFile, filename: str) -> str:
    import uuid

    return f"disclosure/replies/{uuid.uuid4().hex}"


class ReplyFile(models.Model):
    """A file disclosed with an answer (the information itself, or its redacted copy)."""

    request = models.ForeignKey(
        InformationRequest, verbose_name="申请 request", on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField("文件 file", upload_to=reply_upload_path)
    name = models.CharField("文件名 name", max_length=200)
    size = models.PositiveIntegerField("大小 size")
    uploaded_at = models.DateTimeField("上传时间 uploaded at", auto_now_add=True)

    class Meta:
        verbose_name = "答复附件 reply file"
        verbose_name_plural = "答复附件 reply files"

    def __str__(self) -> str:
        return self.name
