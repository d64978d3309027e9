"""Official documents (公文) with the elements of GB/T 9704-2012, their countersigns and seals.

A document goes draft → countersigning (会签, when other departments must agree) → awaiting sign-off
(待签发) → signed (已签发: numbered, rendered, sealed) → sent (已分发). Its number (发文字号, e.g.
云府办〔2026〕12号) is taken at sign-off from a counter row per issuing authority, 机关代字 and year,
locked in the signing transaction, so an authority's numbers of a year run 1…n without gaps.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from govhall.identity.models import Department


class Kind(models.TextChoices):
    """文种 (党政机关公文处理工作条例 第八条)."""

    NOTICE = "notice", "通知"
    CIRCULAR = "circular", "通报"
    REQUEST = "request", "请示"
    REPORT = "report", "报告"
    REPLY = "reply", "批复"
    LETTER = "letter", "函"
    MINUTES = "minutes", "纪要"
    OPINION = "opinion", "意见"
    DECISION = "decision", "决定"


class Secrecy(models.IntegerChoices):
    """密级. 绝密 documents are never handled on this system."""

    NONE = 0, "非密"
    SECRET = 1, "秘密"
    CONFIDENTIAL = 2, "机密"


class Urgency(models.TextChoices):
    NORMAL = "", "平件"
    URGENT = "urgent", "加急"
    EXTRA_URGENT = "extra_urgent", "特急"


class NumberCounter(models.Model):
    """The last number taken per department, series (机关代字, or ``archive``) and year."""

    department = models.ForeignKey(Department, verbose_name="部门 department", on_delete=models.CASCADE)
    series = models.CharField("序列 series", max_length=40)
    year = models.PositiveSmallIntegerField("年度 year")
    last = models.PositiveIntegerField("已用至 last", default=0)

    class Meta:
        verbose_name = "公文编号计数器 number counter"
        verbose_name_plural = "公文编号计数器 number counters"
        constraints = [
            models.UniqueConstraint(fields=["department", "series", "year"], name="documents_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.department_id}:{self.series}:{self.year}={self.last}"


class DocumentTemplate(models.Model):
    """A drafting template (公文模板): wording to start from for one kind of document."""

    name = models.CharField("名称 name", max_length=60)
    kind = models.CharField("文种 kind", max_length=12, choices=Kind.choices)
    department = models.ForeignKey(
        Department,
        verbose_name="所属部门 department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="document_templates",
        help_text="为空表示各部门通用 empty for every department",
    )
    title = models.CharField("标题 title", max_length=200)
    main_recipients = models.CharField("主送机关 main recipients", max_length=300, blank=True)
    body = models.TextField("正文 body")
    copy_to = models.CharField("抄送机关 copy to", max_length=300, blank=True)

    class Meta:
        verbose_name = "公文模板 template"
        verbose_name_plural = "公文模板 templates"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        COUNTERSIGNING = "countersigning", "会签中"
        AWAITING_SIGNOFF = "awaiting_signoff", "待签发"
        SIGNED = "signed", "已签发"
        SENT = "sent", "已分发"

    department = models.ForeignKey(
        Department,
        verbose_name="发文机关 issuing authority",
        on_delete=models.PROTECT,
        related_name="documents",
    )
    kind = models.CharField("文种 kind", max_length=12, choices=Kind.choices, default=Kind.NOTICE)
    status = models.CharField(
        "状态 status", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # 版头 (header)
    secrecy = models.PositiveSmallIntegerField("密级 secrecy", choices=Secrecy.choices, default=Secrecy.NONE)
    secrecy_period = models.CharField("保密期限 secrecy period", max_length=20, blank=True)
    urgency = models.CharField(
        "紧急程度 urgency", max_length=12, choices=Urgency.choices, default=Urgency.NORMAL, blank=True
    )
    issuing_mark = models.CharField("发文机关标志 issuing-authority mark", max_length=60)
    number_prefix = models.CharField("机关代字 authority code", max_length=20)
    number_year = models.PositiveSmallIntegerField("发文年份 year", null=True, blank=True)
    number_sequence = models.PositiveIntegerField("发文顺序号 sequence", null=True, blank=True)
    document_number = models.CharField(
        "发文字号 document number", max_length=40, null=True, blank=True, unique=True
    )
    signer_name = models.CharField("签发人 signer", max_length=40, blank=True)
    # 主体 (body)
    title = models.CharField("标题 title", max_length=200)
    main_recipients = models.CharField("主送机关 main recipients", max_length=300, blank=True)
    body = models.TextField("正文 body")
    attachment_notes = models.TextField("附件说明 attachments", blank=True, help_text="每行一个附件名称")
    signature_name = models.CharField("发文机关署名 signature", max_length=100)
    written_on = models.DateField("成文日期 date", null=True, blank=True)
    notes = models.CharField("附注 notes", max_length=200, blank=True)
    # 版记 (imprint)
    copy_to = models.CharField("抄送机关 copy to", max_length=300, blank=True)
    printed_by = models.CharField("印发机关 printed by", max_length=100, blank=True)
    printed_on = models.DateField("印发日期 printed on", null=True, blank=True)
    # The rendered and sealed file (its seal is a DocumentSeal).
    pdf = models.FileField("版式文件 PDF", upload_to="documents/%Y/", blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="拟稿人 drafted by", on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人账号 signed by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField("签发时间 signed at", null=True, blank=True)
    signoff_opinion = models.CharField("签发意见 sign-off opinion", max_length=300, blank=True)
    return_reason = models.CharField("退回修改理由 returned for revision", max_length=300, blank=True)
    sent_at = models.DateTimeField("分发时间 sent at", null=True, blank=True)
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)
    idempotency_key = models.CharField(  # noqa: DJ001 - NULL keeps keyless drafts out of the unique constraint
        "幂等键 idempotency key", max_length=64, null=True, blank=True
    )

    class Meta:
        verbose_name = "公文 official document"
        verbose_name_plural = "公文 official documents"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "number_prefix", "number_year", "number_sequence"],
                condition=models.Q(number_sequence__isnull=False),
                name="documents_unique_sequence",
            ),
            models.UniqueConstraint(
                fields=["drafted_by", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="documents_unique_idempotency",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["signed", "sent"], document_number__isnull=False)
                | models.Q(
                    status__in=["draft", "countersigning", "awaiting_signoff"], document_number__isnull=True
                ),
                name="documents_number_iff_signed",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "status", "-created_at"], name="documents_dept_listing")
        ]

    def __str__(self) -> str:
        return f"{self.document_number or '（未编号）'} {self.title}"

    @property
    def is_secret(self) -> bool:
        return self.secrecy > Secrecy.NONE

    @property
    def is_numbered(self) -> bool:
        return self.document_number is not None

    @property
    def is_upward(self) -> bool:
        """上行文 (请示、报告) carry the signer's name in the header."""
        return self.kind in (Kind.REQUEST, Kind.REPORT)

    def attachment_list(self) -> list[str]:
        return [line.strip() for line in self.attachment_notes.splitlines() if line.strip()]


class Countersign(models.Model):
    """One department's countersign (会签) of a draft."""

    class Status(models.TextChoices):
        PENDING = "pending", "待会签"
        AGREED = "agreed", "同意"
        DISAGREED = "disagreed", "不同意"

    document = models.ForeignKey(
        Document, verbose_name="公文 document", on_delete=models.CASCADE, related_name="countersigns"
    )
    department = models.ForeignKey(
        Department, verbose_name="会签部门 department", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态 status", max_length=12, choices=Status.choices, default=Status.PENDING)
    opinion = models.CharField("会签意见 opinion", max_length=500, blank=True)
    requested_at = models.DateTimeField("发起时间 requested at", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会签人 decided by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("会签时间 decided at", null=True, blank=True)
    round = models.PositiveSmallIntegerField("轮次 round", default=1)

    class Meta:
        verbose_name = "会签 countersign"
        verbose_name_plural = "会签 countersigns"
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "department", "round"], name="documents_countersign_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_id} 会签 {self.department_id} ({self.status})"


class DocumentSeal(models.Model):
    """The electronic seal: the rendered file's SM3 digest signed with the department's SM2 key."""

    document = models.OneToOneField(
        Document, verbose_name="公文 document", on_delete=models.CASCADE, related_name="seal"
    )
    department = models.ForeignKey(
        Department, verbose_name="用印单位 department", on_delete=models.PROTECT, related_name="+"
    )
    digest_sm3 = models.CharField("SM3 摘要 digest", max_length=64, db_index=True)
    key_id = models.CharField("密钥标识 key id", max_length=40)
    algorithm = models.CharField("算法 algorithm", max_length=20)
    signature = models.CharField("签名值 signature", max_length=160)
    sealed_at = models.DateTimeField("用印时间 sealed at")

    class Meta:
        verbose_name = "电子印章 electronic seal"
        verbose_name_plural = "电子印章 electronic seals"

    def __str__(self) -> str:
        return f"{self.key_id} {self.digest_sm3[:12]}"


class Attachment(models.Model):
    """A file attached to a document (附件), listed in its 附件说明."""

    document = models.ForeignKey(
        Document, verbose_name="公文 document", on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField("名称 name", max_length=200)
    file = models.FileField("文件 file", upload_to="documents/attachments/%Y/")
    digest_sm3 = models.CharField("SM3 摘要 digest", max_length=64)
    uploaded_at = models.DateTimeField("上传时间 uploaded at", auto_now_add=True)

    class Meta:
        verbose_name = "附件 attachment"
        verbose_name_plural = "附件 attachments"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
