"""The resource catalogue (政务信息资源目录) and governed exchange: grants, credentials, access log.

A :class:`Resource` is either a view of a base database (``dataset`` set: its elements are fields of
that base) or a department's own table, whose rows are :class:`ResourceRecord`. A consumer
department's :class:`AccessGrant` names the fields it may read; an :class:`AccessCredential` lets a
program read them; every read is an :class:`AccessLog` row.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models

from govhall.datahub.models.base import Dataset
from govhall.identity.models import Department


class ElementType(models.TextChoices):
    TEXT = "text", "字符 text"
    INTEGER = "integer", "整数 integer"
    DECIMAL = "decimal", "数值 decimal"
    DATE = "date", "日期 date"
    BOOLEAN = "boolean", "布尔 boolean"
    ID_NUMBER = "id_number", "身份证号码 ID number"
    USCC = "uscc", "统一社会信用代码 USCC"
    DIVISION = "division", "行政区划代码 division code"


class Resource(models.Model):
    """One data resource in the catalogue, registered by its provider department."""

    class SharingType(models.TextChoices):
        UNCONDITIONAL = "unconditional", "无条件共享 unconditional"
        CONDITIONAL = "conditional", "有条件共享 conditional"
        NOT_SHARED = "not_shared", "不予共享 not shared"

    class OpenType(models.TextChoices):
        OPEN = "open", "向社会开放 open to the public"
        NOT_OPEN = "not_open", "不向社会开放 not open"

    class UpdateCycle(models.TextChoices):
        REALTIME = "realtime", "实时 real time"
        DAILY = "daily", "每日 daily"
        WEEKLY = "weekly", "每周 weekly"
        MONTHLY = "monthly", "每月 monthly"
        QUARTERLY = "quarterly", "每季度 quarterly"
        YEARLY = "yearly", "每年 yearly"
        IRREGULAR = "irregular", "不定期 irregular"

    class Format(models.TextChoices):
        DATABASE = "database", "数据库 database table"
        SPREADSHEET = "spreadsheet", "电子表格 spreadsheet"
        DOCUMENT = "document", "电子文件 document"
        GEOSPATIAL = "geospatial", "地理信息 geospatial"

    class AccessMethod(models.TextChoices):
        API = "api", "接口 API"
        FILE = "file", "文件下载 file"
        QUERY = "query", "在线查询 online query"

    code = models.CharField("资源代码 resource code", max_length=40, unique=True)
    name = models.CharField("资源名称 name", max_length=200)
    provider = models.ForeignKey(
        Department, verbose_name="提供方 provider", on_delete=models.PROTECT, related_name="data_resources"
    )
    summary = models.TextField("资源摘要 summary")
    dataset = models.CharField(
        "对应基础库 base dataset",
        max_length=20,
        choices=Dataset.choices,
        blank=True,
        help_text="留空表示部门自有数据 blank for the department's own table",
    )
    key_element = models.CharField("主键数据项 key element", max_length=60)
    sharing_type = models.CharField("共享类型 sharing type", max_length=16, choices=SharingType.choices)
    sharing_conditions = models.TextField("共享条件 sharing conditions", blank=True)
    not_shared_reason = models.TextField("不予共享依据 legal reason for not sharing", blank=True)
    open_type = models.CharField(
        "开放类型 open type", max_length=10, choices=OpenType.choices, default=OpenType.NOT_OPEN
    )
    update_cycle = models.CharField("更新周期 update cycle", max_length=12, choices=UpdateCycle.choices)
    format = models.CharField(
        "资源格式 format", max_length=12, choices=Format.choices, default=Format.DATABASE
    )
    access_methods = models.JSONField("共享方式 access methods", default=list)
    is_active = models.BooleanField("有效 active", default=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人 registered by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间 registered at", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)

    class Meta:
        verbose_name = "信息资源 data resource"
        verbose_name_plural = "信息资源目录 resource catalogue"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(sharing_type="not_shared") | ~models.Q(not_shared_reason=""),
                name="resource_not_shared_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def access_method_labels(self) -> list[str]:
        labels = dict(self.AccessMethod.choices)
        return [str(labels.get(method, method)) for method in self.access_methods]


class DataElement(models.Model):
    """One data element (数据项) of a resource, by its standard name and type."""

    resource = models.ForeignKey(
        Resource, verbose_name="资源 resource", on_delete=models.CASCADE, related_name="elements"
    )
    name = models.CharField("标识符 identifier", max_length=60)
    label = models.CharField("中文名称 standard name", max_length=100)
    data_type = models.CharField("数据类型 type", max_length=12, choices=ElementType.choices)
    is_personal = models.BooleanField("个人信息 personal", default=False)
    description = models.CharField("说明 description", max_length=200, blank=True)
    position = models.PositiveSmallIntegerField("顺序 position", default=0)

    class Meta:
        verbose_name = "数据项 data element"
        verbose_name_plural = "数据项 data elements"
        ordering = ["resource", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["resource", "name"], name="element_unique_name")]

    def __str__(self) -> str:
        return f"{self.label}（{self.name}）"


class ResourceRecord(models.Model):
    """One row of a department-held resource.

    ``key`` is the key element's value, or its keyed hash when the key is personal; personal values
    in ``data`` are sealed with the field key (``"v1:…"``), the rest are plain JSON values.
    """

    resource = models.ForeignKey(
        Resource, verbose_name="资源 resource", on_delete=models.CASCADE, related_name="records"
    )
    key = models.CharField("主键 key", max_length=200)
    data = models.JSONField("数据 data", default=dict)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)

    class Meta:
        verbose_name = "资源数据 resource record"
        verbose_name_plural = "资源数据 resource records"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["resource", "key"], name="resource_record_unique_key")]

    def __str__(self) -> str:
        return f"{self.resource.code}:{self.key[:12]}"


class AccessGrant(models.Model):
    """A department's application to use a resource, and once approved its grant (共享申请/授权)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核 pending"
        APPROVED = "approved", "已批准 approved"
        REFUSED = "refused", "不予批准 refused"
        REVOKED = "revoked", "已撤销 revoked"

    resource = models.ForeignKey(
        Resource, verbose_name="资源 resource", on_delete=models.PROTECT, related_name="grants"
    )
    consumer = models.ForeignKey(
        Department, verbose_name="申请部门 consumer", on_delete=models.PROTECT, related_name="data_grants"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人 applicant",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    purpose = models.TextField("用途 purpose")
    legal_basis = models.TextField("依据 legal basis")
    requested_fields = models.JSONField("申请数据项 requested fields", default=list)
    status = models.CharField(
        "状态 status", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    allowed_fields = models.JSONField("批准数据项 allowed fields", default=list)
    # Personal fields the provider lets through in full; every other personal field is masked.
    unmasked_fields = models.JSONField("不脱敏数据项 unmasked fields", default=list)
    conditions = models.TextField("使用条件 conditions", blank=True)
    expires_on = models.DateField("有效期至 expires on", null=True, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField("每分钟调用上限 rate limit per minute", default=60)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人 decided by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间 decided at", null=True, blank=True)
    refusal_reason = models.TextField("不予批准理由 refusal reason", blank=True)
    created_at = models.DateTimeField("申请时间 applied at", auto_now_add=True)

    class Meta:
        verbose_name = "共享授权 access grant"
        verbose_name_plural = "共享授权 access grants"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["consumer", "resource", "status"])]

    def __str__(self) -> str:
        return f"{self.consumer} → {self.resource.code} ({self.get_status_display()})"


class AccessCredential(models.Model):
    """A credential for one grant; only its SHA-256 is stored, the raw value is shown once."""

    PREFIX = "dh_"

    grant = models.ForeignKey(
        AccessGrant, verbose_name="授权 grant", on_delete=models.CASCADE, related_name="credentials"
    )
    key_hash = models.CharField("凭证摘要 credential hash", max_length=64, unique=True)
    prefix = models.CharField("前缀 prefix", max_length=10)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人 issued by",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("签发时间 issued at", auto_now_add=True)
    revoked_at = models.DateTimeField("吊销时间 revoked at", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用 last used", null=True, blank=True)

    class Meta:
        verbose_name = "接口凭证 access credential"
        verbose_name_plural = "接口凭证 access credentials"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.grant_id})"

    @staticmethod
    def hash_key(raw: str) -> str:
        return hashlib.sha256(raw.encode("ascii", "ignore")).hexdigest()

    @classmethod
    def new_raw_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class AccessLog(models.Model):
    """One read through governed exchange: who, under which grant, for what, when, how many rows."""

    at = models.DateTimeField("时间 at", auto_now_add=True, db_index=True)
    resource = models.ForeignKey(
        Resource, verbose_name="资源 resource", on_delete=models.PROTECT, related_name="access_log"
    )
    grant = models.ForeignKey(
        AccessGrant, verbose_name="授权 grant", on_delete=models.PROTECT, related_name="access_log"
    )
    consumer = models.ForeignKey(
        Department, verbose_name="使用部门 consumer", on_delete=models.PROTECT, related_name="+"
    )
    credential = models.ForeignKey(
        AccessCredential,
        verbose_name="凭证 credential",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户 user",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    purpose = models.TextField("用途 purpose")
    query = models.JSONField("查询条件 query", default=dict)
    fields = models.JSONField("返回数据项 fields returned", default=list)
    record_count = models.PositiveIntegerField("返回记录数 records returned")
    request_id = models.CharField("请求号 request id", max_length=64, blank=True)

    class Meta:
        verbose_name = "访问日志 access log entry"
        verbose_name_plural = "访问日志 access log"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["resource", "at"]),
            models.Index(fields=["consumer", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.consumer} {self.resource.code} ×{self.record_count}"
