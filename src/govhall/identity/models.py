from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from govhall.core.crypto import decrypt_text, encrypt_text, lookup_hash, mask_middle


class Region(models.Model):
    """An administrative division (行政区划) by its GB/T 2260 code."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级 province"
        CITY = "city", "市级 city"
        COUNTY = "county", "县级 county"
        TOWNSHIP = "township", "乡镇级 township"

    code = models.CharField("行政区划代码 division code", max_length=12, unique=True)
    name = models.CharField("名称 name", max_length=60)
    level = models.CharField("层级 level", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级 parent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Codes of this region and its ancestors, "440000/445300/445302/", for subtree queries by prefix.
    path = models.CharField("路径 path", max_length=120, db_index=True, editable=False)

    class Meta:
        verbose_name = "行政区划 region"
        verbose_name_plural = "行政区划 regions"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args: object, **kwargs: object) -> None:
        self.path = (self.parent.path if self.parent else "") + self.code + "/"
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def contains(self, other: Region) -> bool:
        return other.path.startswith(self.path)


class Department(models.Model):
    """A government department or unit (部门/单位)."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", "政府部门 government department"
        INSTITUTION = "institution", "事业单位 public institution"
        SERVICE_CENTRE = "service_centre", "政务服务中心 service centre"

    name = models.CharField("名称 name", max_length=100)
    short_name = models.CharField("简称 short name", max_length=30)
    code = models.CharField(
        "部门代码 department code",
        max_length=12,
        unique=True,
        help_text="短代码，用于办件编号等 short code used in case numbers",
    )
    uscc = models.CharField("统一社会信用代码 USCC", max_length=18, unique=True)
    region = models.ForeignKey(
        Region, verbose_name="所属区划 region", on_delete=models.PROTECT, related_name="departments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位 parent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField("类型 kind", max_length=20, choices=Kind.choices, default=Kind.GOVERNMENT)
    is_active = models.BooleanField("启用 active", default=True)

    class Meta:
        verbose_name = "部门 department"
        verbose_name_plural = "部门 departments"
        ordering = ["region__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="department_unique_name_per_region")
        ]

    def __str__(self) -> str:
        return self.name


class GovhallUserManager(UserManager["User"]):
    def get_by_id_number(self, id_number: str) -> User:
        return self.get(id_number_hash=lookup_hash(id_number))


class User(AbstractUser):
    """Anyone who logs in: a natural person, a legal person (enterprise) or a staff member."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", "自然人 natural person"
        ENTERPRISE = "enterprise", "法人 legal person"
        STAFF = "staff", "工作人员 staff"

    class RealNameLevel(models.IntegerChoices):
        L1 = 1, "L1 注册用户 registered"
        L2 = 2, "L2 实名核验 ID verified"
        L3 = 3, "L3 现场核验 verified in person"

    kind = models.CharField("用户类型 kind", max_length=12, choices=Kind.choices, default=Kind.CITIZEN)
    display_name = models.CharField("姓名/名称 name", max_length=100, blank=True)
    real_name_level = models.PositiveSmallIntegerField(
        "实名等级 real-name level", choices=RealNameLevel.choices, default=RealNameLevel.L1
    )
    id_number_encrypted = models.TextField(
        "身份证号码（密文） ID number (encrypted)", blank=True, editable=False
    )
    id_number_hash = models.CharField(
        "身份证号码检索码 ID number lookup hash", max_length=64, blank=True, db_index=True, editable=False
    )
    id_number_masked = models.CharField(
        "身份证号码（脱敏） ID number (masked)", max_length=18, blank=True, editable=False
    )
    phone_encrypted = models.TextField("手机号（密文） phone (encrypted)", blank=True, editable=False)
    phone_hash = models.CharField(
        "手机号检索码 phone lookup hash", max_length=64, blank=True, db_index=True, editable=False
    )
    phone_masked = models.CharField(
        "手机号（脱敏） phone (masked)", max_length=11, blank=True, editable=False
    )
    uscc = models.CharField("统一社会信用代码 USCC", max_length=18, blank=True, db_index=True)
    legal_representative = models.CharField("法定代表人 legal representative", max_length=60, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name="所在区划 region",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_demo = models.BooleanField("演示账号 demo account", default=False, editable=False)

    objects: ClassVar[GovhallUserManager] = GovhallUserManager()

    class Meta:
        verbose_name = "用户 user"
        verbose_name_plural = "用户 users"
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=~models.Q(id_number_hash=""),
                name="user_unique_id_number",
            ),
            models.UniqueConstraint(
                fields=["uscc"],
                condition=models.Q(kind="enterprise") & ~models.Q(uscc=""),
                name="user_unique_uscc",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    # Personal fields: stored encrypted, found by keyed hash, shown masked.
    def set_id_number(self, id_number: str) -> None:
        self.id_number_encrypted = encrypt_text(id_number)
        self.id_number_hash = lookup_hash(id_number)
        self.id_number_masked = mask_middle(id_number)

    @property
    def id_number(self) -> str:
        return decrypt_text(self.id_number_encrypted) if self.id_number_encrypted else ""

    def set_phone(self, phone: str) -> None:
        self.phone_encrypted = encrypt_text(phone)
        self.phone_hash = lookup_hash(phone)
        self.phone_masked = mask_middle(phone, keep_start=3, keep_end=4)

    @property
    def phone(self) -> str:
        return decrypt_text(self.phone_encrypted) if self.phone_encrypted else ""

    @property
    def is_staff_member(self) -> bool:
        return self.kind == self.Kind.STAFF


class Role(models.TextChoices):
    WINDOW_CLERK = "window_clerk", "窗口人员 window clerk"
    REVIEWER = "reviewer", "审核人员 reviewer"
    APPROVER = "approver", "审批人员 approver"
    DEPARTMENT_ADMIN = "department_admin", "部门管理员 department admin"
    SUPERVISOR = "supervisor", "监察人员 supervisor"
    PLATFORM_ADMIN = "platform_admin", "平台管理员 platform admin"


class Membership(models.Model):
    """A staff member's role in one department (任职)."""

    user = models.ForeignKey(
        User, verbose_name="用户 user", on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(
        Department, verbose_name="部门 department", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("角色 role", max_length=20, choices=Role.choices)
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)

    class Meta:
        verbose_name = "岗位角色 membership"
        verbose_name_plural = "岗位角色 memberships"
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="membership_unique_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.department.short_name} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A bearer token for API clients; only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, verbose_name="用户 user", on_delete=models.CASCADE, related_name="api_tokens"
    )
    token_hash = models.CharField("令牌摘要 token hash", max_length=64, unique=True)
    prefix = models.CharField("前缀 prefix", max_length=8)
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间 expires at", db_index=True)
    revoked_at = models.DateTimeField("吊销时间 revoked at", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用 last used", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌 API token"
        verbose_name_plural = "接口令牌 API tokens"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_token(raw: str) -> str:
        return hashlib.sha256(raw.encode("ascii", "ignore")).hexdigest()

    @staticmethod
    def new_raw_token() -> str:
        return "gh_" + secrets.token_urlsafe(32)

    def is_usable(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())
