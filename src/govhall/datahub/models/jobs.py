"""Long-running work with its progress on a row: bulk imports and comparisons (数据比对)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from govhall.datahub.models.base import Dataset
from govhall.datahub.models.exchange import Resource
from govhall.identity.models import Department


class ImportJob(models.Model):
    """One uploaded CSV or Excel file and what became of it."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", "整批导入（有错误则全部不导入） all or nothing"
        SKIP_BAD_ROWS = "skip_bad_rows", "跳过错误行并出具报告 skip bad rows"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中 queued"
        VALIDATING = "validating", "校验中 validating"
        APPLYING = "applying", "写入中 applying"
        DONE = "done", "已完成 done"
        FAILED = "failed", "未导入 failed"

    department = models.ForeignKey(
        Department, verbose_name="导入部门 department", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人 created by",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dataset = models.CharField("基础库 dataset", max_length=20, choices=Dataset.choices, blank=True)
    resource = models.ForeignKey(
        Resource,
        verbose_name="资源 resource",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField("文件 file", upload_to="datahub/imports/%Y/%m/")
    original_name = models.CharField("原文件名 file name", max_length=200)
    file_sha256 = models.CharField("文件摘要 file SHA-256", max_length=64)
    mode = models.CharField("模式 mode", max_length=16, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(
        "状态 status", max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    total_rows = models.PositiveIntegerField("总行数 rows", default=0)
    processed_rows = models.PositiveIntegerField("已校验行数 rows checked", default=0)
    created_rows = models.PositiveIntegerField("新增 created", default=0)
    updated_rows = models.PositiveIntegerField("更新 updated", default=0)
    contributed_rows = models.PositiveIntegerField("转权威部门确认 sent to source", default=0)
    skipped_rows = models.PositiveIntegerField("跳过 skipped", default=0)
    error_count = models.PositiveIntegerField("错误数 errors", default=0)
    # "line N: reason" in Chinese and English, the first MAX_REPORTED of them.
    errors = models.JSONField("错误报告 error report", default=list)
    message = models.CharField("结果说明 message", max_length=300, blank=True)
    created_at = models.DateTimeField("上传时间 uploaded at", auto_now_add=True)
    started_at = models.DateTimeField("开始时间 started at", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间 finished at", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务 import job"
        verbose_name_plural = "导入任务 import jobs"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(~models.Q(dataset="") & models.Q(resource__isnull=True))
                | (models.Q(dataset="") & models.Q(resource__isnull=False)),
                name="import_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def target_label(self) -> str:
        return self.get_dataset_display() if self.dataset else str(self.resource)

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def progress_percent(self) -> int:
        if self.is_finished:
            return 100
        if self.status == self.Status.APPLYING:
            return 95
        if not self.total_rows:
            return 0
        # Checking is most of the work; writing the checked rows is the last stretch.
        return min(90, self.processed_rows * 90 // self.total_rows)


class ComparisonJob(models.Model):
    """A comparison of resource A with resource B on a key (比对任务), run on DuckDB."""

    class Kind(models.TextChoices):
        MISSING_IN_B = "missing_in_b", "A 有 B 无 in A, missing from B"
        MATCH_IN_B = "match_in_b", "A 与 B 匹配（可加条件） in A and matching B"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中 queued"
        RUNNING = "running", "比对中 running"
        DONE = "done", "已完成 done"
        FAILED = "failed", "失败 failed"

    name = models.CharField("任务名称 name", max_length=100)
    department = models.ForeignKey(
        Department, verbose_name="发起部门 department", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人 created by",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField("比对方式 kind", max_length=14, choices=Kind.choices)
    resource_a = models.ForeignKey(
        Resource, verbose_name="资源 A resource A", on_delete=models.PROTECT, related_name="+"
    )
    key_a = models.CharField("A 的比对键 key in A", max_length=60)
    # {"field": ..., "value": ...} or {}: which rows of A take part (e.g. status = active).
    filter_a = models.JSONField("A 的筛选条件 filter on A", default=dict, blank=True)
    resource_b = models.ForeignKey(
        Resource, verbose_name="资源 B resource B", on_delete=models.PROTECT, related_name="+"
    )
    key_b = models.CharField("B 的比对键 key in B", max_length=60)
    # {"field", "op" ("=" or "!="), "value"} or {}: what B's matching row must satisfy.
    condition_b = models.JSONField("B 的匹配条件 condition on B", default=dict, blank=True)
    output_fields = models.JSONField("结果包含 A 的数据项 fields of A in results", default=list)
    status = models.CharField(
        "状态 status", max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField("进度 progress (%)", default=0)
    stage = models.CharField("当前步骤 stage", max_length=100, blank=True)
    rows_a = models.PositiveBigIntegerField("A 行数 rows in A", default=0)
    rows_b = models.PositiveBigIntegerField("B 行数 rows in B", default=0)
    result_count = models.PositiveBigIntegerField("结果数 results", default=0)
    error = models.CharField("错误 error", max_length=300, blank=True)
    assigned_department = models.ForeignKey(
        Department,
        verbose_name="跟进部门 assigned to",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)
    started_at = models.DateTimeField("开始时间 started at", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间 finished at", null=True, blank=True)

    class Meta:
        verbose_name = "比对任务 comparison job"
        verbose_name_plural = "比对任务 comparison jobs"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class ComparisonResult(models.Model):
    """One row that the comparison found, for follow-up by the assigned department."""

    class FollowUp(models.TextChoices):
        OPEN = "open", "待核查 open"
        CONFIRMED = "confirmed", "已核实 confirmed"
        DISMISSED = "dismissed", "无问题 dismissed"

    job = models.ForeignKey(
        ComparisonJob, verbose_name="比对任务 job", on_delete=models.CASCADE, related_name="results"
    )
    key_display = models.CharField("比对键（显示） key (shown)", max_length=200)
    data = models.JSONField("数据（脱敏） data (masked)", default=dict)
    follow_up = models.CharField(
        "核查状态 follow-up", max_length=10, choices=FollowUp.choices, default=FollowUp.OPEN
    )
    note = models.CharField("核查说明 note", max_length=200, blank=True)

    class Meta:
        verbose_name = "比对结果 comparison result"
        verbose_name_plural = "比对结果 comparison results"
        ordering = ["job", "id"]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.key_display}"
