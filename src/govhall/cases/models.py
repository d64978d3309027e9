"""Cases (办件): an application for one item, from draft to completion, and what hangs off it.

A :class:`Case` keeps the item version it was filed under, its BPMN process state and its deadlines
as indexed columns (computed once at acceptance and moved only when the clock pauses), so supervision
can query "due tomorrow" without loading a process. The timeline a person reads is
:class:`CaseEvent`; the tamper-evident audit log (core.audit) is written alongside it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from govhall.catalog.models import ItemVersion, Material, ServiceItem, SpecialProcedure
from govhall.identity.models import Department, Role


class ProcessTemplate(models.Model):
    """A BPMN 2.0 process (流程模板); the parsed spec is serialised once, when the version is stored."""

    code = models.CharField("模板代码 code", max_length=40)
    version = models.PositiveIntegerField("版本 version", default=1)
    name = models.CharField("名称 name", max_length=100)
    process_id = models.CharField("BPMN 流程标识 BPMN process id", max_length=100)
    bpmn_xml = models.TextField("BPMN 定义 BPMN XML")
    digest = models.CharField("定义摘要 digest", max_length=64, help_text="SHA-256 of the BPMN XML")
    spec = models.JSONField("解析后的流程 parsed spec", editable=False)
    is_active = models.BooleanField("现行 active", default=True)
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)

    class Meta:
        verbose_name = "流程模板 process template"
        verbose_name_plural = "流程模板 process templates"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="process_template_unique_version"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(is_active=True), name="process_template_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class CaseNumberCounter(models.Model):
    """The last sequence number handed out for one department on one (Beijing) day."""

    department = models.ForeignKey(
        Department, verbose_name="部门 department", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField("日期 day")
    last = models.PositiveIntegerField("已用序号 last number", default=0)

    class Meta:
        verbose_name = "办件编号计数 case number counter"
        verbose_name_plural = "办件编号计数 case number counters"
        constraints = [models.UniqueConstraint(fields=["department", "day"], name="case_counter_unique_day")]

    def __str__(self) -> str:
        return f"{self.department_id} {self.day} #{self.last}"


class Case(models.Model):
    """One application (办件)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿 draft"
        SUBMITTED = "submitted", "已提交待受理 submitted"
        SUPPLEMENT_REQUESTED = "supplement_requested", "待补正 supplement requested"
        ACCEPTED = "accepted", "已受理 accepted"
        IN_REVIEW = "in_review", "审查中 in review"
        SUSPENDED = "suspended", "特别程序中 suspended"
        APPROVED = "approved", "准予许可待办结 approved"
        DENIED = "denied", "不予许可待办结 denied"
        REJECTED = "rejected", "不予受理 rejected"
        WITHDRAWN = "withdrawn", "已撤回 withdrawn"
        COMPLETED = "completed", "已办结 completed"

    class ApplicantKind(models.TextChoices):
        PERSON = "person", "自然人 natural person"
        LEGAL = "legal", "法人 legal person"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上申请 online"
        WINDOW = "window", "窗口收件 at the window"

    class Decision(models.TextChoices):
        NONE = "", "未决定 undecided"
        APPROVED = "approved", "准予 approved"
        DENIED = "denied", "不予 denied"

    class Timeliness(models.TextChoices):
        NONE = "", "—"
        EARLY = "early", "提前办结 early"
        ON_TIME = "on_time", "按时办结 on time"
        LATE = "late", "超期办结 late"

    uid = models.UUIDField("标识 identifier", default=uuid.uuid4, unique=True, editable=False)
    case_no = models.CharField("办件编号 case number", max_length=40, unique=True, null=True, blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人 applicant",
        on_delete=models.PROTECT,
        related_name="cases",
    )
    applicant_kind = models.CharField(
        "申请人类型 applicant kind", max_length=10, choices=ApplicantKind.choices
    )
    applicant_name = models.CharField("申请人名称 applicant name", max_length=100, blank=True)
    # Keyed hash of the applicant's ID number or credit code at filing, for the public status query.
    applicant_id_hash = models.CharField(
        "证件号检索码 identifier lookup hash", max_length=64, blank=True, editable=False
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人 filed by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey(
        ServiceItem, verbose_name="事项 item", on_delete=models.PROTECT, related_name="cases"
    )
    item_version = models.ForeignKey(
        ItemVersion, verbose_name="事项版本 item version", on_delete=models.PROTECT, related_name="cases"
    )
    lead_department = models.ForeignKey(
        Department,
        verbose_name="牵头部门 lead department",
        on_delete=models.PROTECT,
        related_name="lead_cases",
    )
    participant_departments = models.ManyToManyField(
        Department, verbose_name="并联部门 joint departments", blank=True, related_name="joint_cases"
    )
    process_template = models.ForeignKey(
        ProcessTemplate,
        verbose_name="流程模板 process template",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    channel = models.CharField(
        "申请渠道 channel", max_length=10, choices=Channel.choices, default=Channel.ONLINE
    )
    status = models.CharField(
        "状态 status", max_length=24, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    decision = models.CharField(
        "审批结果 decision", max_length=10, choices=Decision.choices, default=Decision.NONE, blank=True
    )
    current_step = models.CharField("当前环节 current step", max_length=200, blank=True)
    form_data = models.JSONField("申请表 form data", default=dict, blank=True)
    verification_code_hash = models.CharField(
        "查询码摘要 verification code hash", max_length=64, blank=True, editable=False
    )
    idempotency_key = models.CharField("幂等键 idempotency key", max_length=80, blank=True)
    outcome_note = models.TextField("决定理由 reason", blank=True)

    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)
    submitted_at = models.DateTimeField("提交时间 submitted at", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间 accepted at", null=True, blank=True, db_index=True)
    promised_deadline = models.DateTimeField(
        "承诺办结期限 promised deadline", null=True, blank=True, db_index=True
    )
    statutory_deadline = models.DateTimeField(
        "法定办结期限 statutory deadline", null=True, blank=True, db_index=True
    )
    paused_since = models.DateTimeField("计时暂停自 clock paused since", null=True, blank=True)
    paused_working_days = models.PositiveIntegerField("暂停工作日 paused working days", default=0)
    decided_at = models.DateTimeField("决定时间 decided at", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间 completed at", null=True, blank=True, db_index=True)
    timeliness = models.CharField(
        "办结时效 timeliness", max_length=10, choices=Timeliness.choices, default=Timeliness.NONE, blank=True
    )
    workflow_state = models.JSONField("流程状态 workflow state", null=True, blank=True, editable=False)
    # The promised deadline the deadline sweep last recorded a fact for; a deadline moved by a pause
    # is a new deadline and may be warned about again.
    due_soon_noted_for = models.DateTimeField(
        "临期提醒对应期限 due-soon noted for", null=True, blank=True, editable=False
    )
    overdue_noted_for = models.DateTimeField(
        "超期记录对应期限 overdue noted for", null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = "办件 case"
        verbose_name_plural = "办件 cases"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="case_unique_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["lead_department", "status"]),
            models.Index(fields=["applicant", "-created_at"]),
            # Period figures (收件) select by the submission instant.
            models.Index(fields=["submitted_at"], name="case_submitted_at"),
            # The deadline sweep reads only cases whose clock runs; closed cases never enter it.
            models.Index(
                fields=["promised_deadline"],
                condition=models.Q(status__in=["accepted", "in_review", "approved", "denied"]),
                name="case_running_deadline",
            ),
        ]

    def __str__(self) -> str:
        return self.case_no or f"草稿 draft {self.uid}"

    @property
    def reference(self) -> str:
        """What URLs and the API call the case: its number, or the draft's identifier."""
        return self.case_no or str(self.uid)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def clock_running(self) -> bool:
        return self.accepted_at is not None and self.paused_since is None and self.completed_at is None


CLOSED_STATUSES = frozenset({Case.Status.REJECTED, Case.Status.WITHDRAWN, Case.Status.COMPLETED})
UNDECIDED_STATUSES = frozenset(
    {
        Case.Status.DRAFT,
        Case.Status.SUBMITTED,
        Case.Status.SUPPLEMENT_REQUESTED,
        Case.Status.ACCEPTED,
        Case.Status.IN_REVIEW,
        Case.Status.SUSPENDED,
    }
)


def case_upload_path(instance: CaseMaterial, filename: str) -> str:
    # Random names: the applicant's file name is kept in a column, never on disk.
    return f"cases/{uuid.uuid4().hex}"


class CaseMaterial(models.Model):
    """One material provided for a case: an uploaded file, an electronic licence, or shown at the counter."""

    class Kind(models.TextChoices):
        UPLOAD = "upload", "上传文件 uploaded file"
        LICENCE = "licence", "电子证照 electronic licence"
        COUNTER = "counter", "窗口核验 shown at the counter"

    case = models.ForeignKey(
        Case, verbose_name="办件 case", on_delete=models.CASCADE, related_name="materials"
    )
    material = models.ForeignKey(
        Material, verbose_name="申请材料 material", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("提供方式 kind", max_length=10, choices=Kind.choices)
    file = models.FileField("文件 file", upload_to=case_upload_path, blank=True, max_length=200)
    original_name = models.CharField("原文件名 original name", max_length=200, blank=True)
    content_type = models.CharField("文件类型 content type", max_length=100, blank=True)
    size = models.PositiveBigIntegerField("大小 size", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    licence_reference = models.CharField("证照引用 licence reference", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提供人 provided by",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("提供时间 provided at")

    class Meta:
        verbose_name = "办件材料 case material"
        verbose_name_plural = "办件材料 case materials"
        ordering = ["case_id", "material__order", "id"]

    def __str__(self) -> str:
        return f"{self.material.name} ({self.get_kind_display()})"


class CaseEvent(models.Model):
    """One entry of a case's timeline, as the applicant and staff read it."""

    case = models.ForeignKey(Case, verbose_name="办件 case", on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField("时间 occurred at", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人 actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人 actor label", max_length=150, blank=True)
    kind = models.CharField("事件 kind", max_length=40)
    step = models.CharField("环节 step", max_length=100, blank=True)
    from_status = models.CharField("原状态 from status", max_length=24, blank=True)
    to_status = models.CharField("新状态 to status", max_length=24, blank=True)
    note = models.TextField("说明 note", blank=True)
    data = models.JSONField("数据 data", default=dict, blank=True)

    class Meta:
        verbose_name = "办件事件 case event"
        verbose_name_plural = "办件事件 case events"
        ordering = ["case_id", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"


class Task(models.Model):
    """A user task of a case's process, offered to one department and role (candidate group)."""

    class Status(models.TextChoices):
        OPEN = "open", "待领取 open"
        CLAIMED = "claimed", "已领取 claimed"
        DONE = "done", "已完成 done"
        CANCELLED = "cancelled", "已取消 cancelled"

    case = models.ForeignKey(Case, verbose_name="办件 case", on_delete=models.CASCADE, related_name="tasks")
    engine_task_id = models.UUIDField("流程任务标识 engine task id")
    step = models.CharField("环节标识 step id", max_length=100)
    step_kind = models.CharField("环节类型 step kind", max_length=20)
    name = models.CharField("环节名称 step name", max_length=200)
    allowed_actions = models.JSONField("可用操作 allowed actions", default=list)
    candidate_department = models.ForeignKey(
        Department, verbose_name="办理部门 department", on_delete=models.PROTECT, related_name="case_tasks"
    )
    candidate_role = models.CharField("办理角色 role", max_length=20, choices=Role.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人 assignee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_tasks",
    )
    status = models.CharField("状态 status", max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField("创建时间 created at")
    claimed_at = models.DateTimeField("领取时间 claimed at", null=True, blank=True)
    due_at = models.DateTimeField("环节时限 due at", null=True, blank=True, db_index=True)
    completed_at = models.DateTimeField("完成时间 completed at", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完成人 completed by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("操作 action", max_length=20, blank=True)
    opinion = models.TextField("意见 opinion", blank=True)
    overdue_noted_for = models.DateTimeField(
        "超时记录对应时限 overdue noted for", null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = "办理任务 task"
        verbose_name_plural = "办理任务 tasks"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "engine_task_id"], name="task_unique_engine_task"),
        ]
        indexes = [
            models.Index(fields=["candidate_department", "candidate_role", "status"]),
            models.Index(
                fields=["due_at"], condition=models.Q(status__in=["open", "claimed"]), name="task_open_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.name}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.CLAIMED)


class SupplementRequest(models.Model):
    """A request to supplement (补正告知) listing everything missing at once; the clock stops meanwhile."""

    case = models.ForeignKey(
        Case, verbose_name="办件 case", on_delete=models.CASCADE, related_name="supplement_requests"
    )
    items = models.JSONField(
        "补正清单 items", help_text='[{"material_id": 1 | null, "field": "" , "name": "…", "reason": "…"}]'
    )
    note = models.TextField("说明 note", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="告知人 requested by",
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField("告知时间 requested at")
    resolved_at = models.DateTimeField("补正时间 resolved at", null=True, blank=True)
    # Whether the case had been accepted: only then was a running clock stopped.
    clock_was_running = models.BooleanField("暂停了计时 clock paused", default=False)
    paused_working_days = models.PositiveIntegerField("暂停工作日 paused working days", default=0)

    class Meta:
        verbose_name = "补正告知 supplement request"
        verbose_name_plural = "补正告知 supplement requests"
        ordering = ["case_id", "requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} 补正 {self.requested_at:%Y-%m-%d}"


class Suspension(models.Model):
    """A special procedure (特别程序) that stops the clock for at most its maximum working days."""

    case = models.ForeignKey(
        Case, verbose_name="办件 case", on_delete=models.CASCADE, related_name="suspensions"
    )
    procedure = models.ForeignKey(
        SpecialProcedure, verbose_name="特别程序 procedure", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("事由 reason")
    max_days = models.PositiveSmallIntegerField("最长时限（工作日） maximum days")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="启动人 started by", on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField("开始时间 started at")
    ended_at = models.DateTimeField("结束时间 ended at", null=True, blank=True)
    paused_working_days = models.PositiveIntegerField("不计时工作日 paused working days", default=0)

    class Meta:
        verbose_name = "特别程序 suspension"
        verbose_name_plural = "特别程序 suspensions"
        ordering = ["case_id", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.procedure.name}"


def result_upload_path(instance: CaseResult, filename: str) -> str:
    return f"results/{uuid.uuid4().hex}.pdf"


class CaseResult(models.Model):
    """The decision on a case and its letter (决定书), and how the result reached the applicant."""

    class DeliveryMethod(models.TextChoices):
        NONE = "", "未送达 not delivered"
        DOWNLOAD = "download", "网上下载 download"
        POST = "post", "邮寄送达 by post"
        COUNTER = "counter", "窗口领取 counter pick-up"

    case = models.OneToOneField(
        Case, verbose_name="办件 case", on_delete=models.CASCADE, related_name="result"
    )
    document_no = models.CharField("文书编号 document number", max_length=60, unique=True)
    title = models.CharField("文书名称 title", max_length=40)
    decision = models.CharField("决定 decision", max_length=10, choices=Case.Decision.choices)
    reasons = models.TextField("理由 reasons")
    legal_basis = models.TextField("法律依据 legal basis", blank=True)
    opinion = models.TextField("审批意见 opinion", blank=True)
    decided_at = models.DateTimeField("决定时间 decided at")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人 decided by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    document = models.FileField(
        "决定书文件 document", upload_to=result_upload_path, blank=True, max_length=200
    )
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveIntegerField("大小 size", default=0)
    generated_at = models.DateTimeField("生成时间 generated at", null=True, blank=True)
    delivery_method = models.CharField(
        "送达方式 delivery method", max_length=10, choices=DeliveryMethod.choices, default="", blank=True
    )
    tracking_number = models.CharField("邮寄单号 tracking number", max_length=40, blank=True)
    delivered_at = models.DateTimeField("送达时间 delivered at", null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="送达人 delivered by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    downloaded_at = models.DateTimeField("申请人首次下载 first downloaded at", null=True, blank=True)
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)

    class Meta:
        verbose_name = "办理结果 case result"
        verbose_name_plural = "办理结果 case results"
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} {self.document_no}"

    @property
    def is_generated(self) -> bool:
        return bool(self.document and self.sha256)
