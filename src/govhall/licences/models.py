"""The electronic licence library (电子证照库).

A :class:`LicenceType` says what a licence holds (a field schema), who issues it, how long it is
valid and which catalogue materials it replaces. A :class:`Licence` is one licence of one holder;
each issue, renewal (延续) or change (变更) is a new signed :class:`LicenceVersion` with its own
identifier (the version number is part of it). Suspension, cancellation, revocation and expiry
change the licence's status only, and every operation is a :class:`LicenceEvent` and an audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from govhall.identity.models import Department


class Layout(models.TextChoices):
    CERTIFICATE = "certificate", "横版证书 landscape certificate"
    PORTRAIT = "portrait", "竖版证件 portrait document"


class HolderKind(models.TextChoices):
    PERSON = "person", "自然人 natural person"
    LEGAL = "legal", "法人 legal person"


class LicenceType(models.Model):
    """A kind of licence (证照类型) and the schema of its data.

    ``fields`` is a list of ``{"key", "label", "required", "personal", "public", "source"}``:
    ``personal`` fields are stored encrypted and masked wherever shown, ``public`` fields appear on
    the verification page, ``source`` says where issuance from a case takes the value
    (``form.<key>``, ``applicant.name``, ``applicant.id``, ``applicant.legal_representative``,
    ``result.document_no``, ``result.decided_on``, ``item.name``).
    """

    name = models.CharField("证照名称 name", max_length=80, unique=True)
    code = models.CharField(
        "证照类型代码 type code", max_length=24, unique=True, help_text="3–24 digits or capital letters"
    )
    holder_kind = models.CharField("持证主体 holder", max_length=10, choices=HolderKind.choices)
    issuing_departments = models.ManyToManyField(
        Department, verbose_name="颁发部门 issuing departments", blank=True, related_name="licence_types"
    )
    fields = models.JSONField("照面信息项 data fields", default=list, blank=True)
    validity_years = models.PositiveSmallIntegerField(
        "有效期（年） validity (years)", null=True, blank=True, help_text="空为长期有效 empty: permanent"
    )
    material_names = models.JSONField(
        "可替代材料 materials it satisfies",
        default=list,
        blank=True,
        help_text="事项材料中的证照名称 licence names used by catalogue materials",
    )
    layout = models.CharField(
        "版式 layout", max_length=12, choices=Layout.choices, default=Layout.CERTIFICATE
    )
    is_reference = models.BooleanField(
        "仅作引用 reference only",
        default=False,
        help_text="由其他系统签发，本库不颁发（如居民身份证） issued elsewhere, never issued here",
    )
    is_active = models.BooleanField("启用 active", default=True)
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)

    class Meta:
        verbose_name = "证照类型 licence type"
        verbose_name_plural = "证照类型 licence types"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def satisfied_names(self) -> list[str]:
        return [self.name, *[name for name in self.material_names if name != self.name]]

    @property
    def is_permanent(self) -> bool:
        return self.validity_years is None


class LicenceSerialCounter(models.Model):
    """The last serial handed out for one type, issuer and year."""

    licence_type = models.ForeignKey(LicenceType, on_delete=models.CASCADE, related_name="+")
    issuer = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "证照顺序号计数 licence serial counter"
        constraints = [
            models.UniqueConstraint(fields=["licence_type", "issuer", "year"], name="licence_serial_unique")
        ]

    def __str__(self) -> str:
        return f"{self.licence_type_id}/{self.issuer_id}/{self.year} #{self.last}"


class Licence(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", "有效 valid"
        SUSPENDED = "suspended", "暂扣 suspended"
        CANCELLED = "cancelled", "注销 cancelled"
        WITHDRAWN = "withdrawn", "撤销 withdrawn"
        REVOKED = "revoked", "吊销 revoked"
        EXPIRED = "expired", "过期失效 expired"

    licence_type = models.ForeignKey(
        LicenceType, verbose_name="证照类型 licence type", on_delete=models.PROTECT, related_name="licences"
    )
    issuer = models.ForeignKey(
        Department, verbose_name="颁发部门 issuer", on_delete=models.PROTECT, related_name="issued_licences"
    )
    serial = models.CharField("顺序号 serial", max_length=24)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="持证人账号 holder account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licences",
    )
    holder_kind = models.CharField("持证主体类型 holder kind", max_length=10, choices=HolderKind.choices)
    holder_name = models.CharField("持证主体 holder name", max_length=100)
    holder_id_encrypted = models.TextField(
        "持证主体代码（密文） holder identifier (encrypted)", editable=False
    )
    holder_id_hash = models.CharField(
        "持证主体代码检索码 holder identifier lookup hash", max_length=64, db_index=True, editable=False
    )
    holder_id_masked = models.CharField("持证主体代码（脱敏） holder identifier (masked)", max_length=24)
    status = models.CharField("状态 status", max_length=10, choices=Status.choices, default=Status.VALID)
    current_version = models.OneToOneField(
        "LicenceVersion",
        verbose_name="现行版本 current version",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    valid_until = models.DateField("有效期至 valid until", null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="来源办件 source case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_reason = models.CharField("状态原因 status reason", max_length=500, blank=True)
    status_changed_at = models.DateTimeField("状态变更时间 status changed at", null=True, blank=True)
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)

    class Meta:
        verbose_name = "电子证照 licence"
        verbose_name_plural = "电子证照 licences"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence_type", "issuer", "serial"], name="licence_unique_serial"
            ),
            # A case issues its licence once, however often its approval hook runs.
            models.UniqueConstraint(
                fields=["case", "licence_type"],
                condition=models.Q(case__isnull=False),
                name="licence_once_per_case",
            ),
        ]
        indexes = [
            # The expiry sweep reads only valid licences whose date has passed.
            models.Index(
                fields=["valid_until"], condition=models.Q(status="valid"), name="licence_valid_until"
            ),
            models.Index(fields=["holder", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.licence_type.name} {self.holder_name}"

    @property
    def identifier(self) -> str:
        return self.current_version.identifier if self.current_version else ""


class LicenceVersion(models.Model):
    """One signed state of a licence's data; the signature covers the canonical JSON of it.

    Personal values (the holder's ID number, fields the type marks personal) are kept encrypted in
    ``personal_encrypted``; ``data`` holds the rest.
    """

    class Operation(models.TextChoices):
        ISSUE = "issue", "新发 issue"
        RENEW = "renew", "延续 renewal"
        CHANGE = "change", "变更 change"

    licence = models.ForeignKey(
        Licence, verbose_name="证照 licence", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField("版本号 version")
    identifier = models.CharField("证照标识 identifier", max_length=120, unique=True)
    operation = models.CharField("业务类型 operation", max_length=10, choices=Operation.choices)
    # Names as they were at signing: a department or company renamed later does not break old versions.
    type_name = models.CharField("证照名称 type name", max_length=80)
    issuer_name = models.CharField("颁发机构 issuer name", max_length=100)
    holder_name = models.CharField("持证主体 holder name", max_length=100)
    data = models.JSONField("照面信息 data", default=dict, blank=True)
    personal_encrypted = models.TextField(
        "个人信息（密文） personal data (encrypted)", blank=True, editable=False
    )
    valid_from = models.DateField("有效期自 valid from")
    valid_until = models.DateField("有效期至 valid until", null=True, blank=True)
    issued_at = models.DateTimeField("签发时间 issued at")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人 issued by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="来源办件 case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    digest = models.CharField("SM3 摘要 digest", max_length=64)
    signature = models.CharField("SM2 签名 signature", max_length=128)
    key_id = models.CharField("签名密钥 key id", max_length=40)
    note = models.CharField("说明 note", max_length=500, blank=True)

    class Meta:
        verbose_name = "证照版本 licence version"
        verbose_name_plural = "证照版本 licence versions"
        ordering = ["licence_id", "number"]
        constraints = [models.UniqueConstraint(fields=["licence", "number"], name="licence_version_unique")]

    def __str__(self) -> str:
        return self.identifier


class LicenceEvent(models.Model):
    """One operation on a licence, as its holder and staff read it."""

    class Kind(models.TextChoices):
        ISSUE = "issue", "新发 issued"
        RENEW = "renew", "延续 renewed"
        CHANGE = "change", "变更 changed"
        SUSPEND = "suspend", "暂扣 suspended"
        RESTORE = "restore", "暂扣发还 returned"
        CANCEL = "cancel", "注销 cancelled"
        WITHDRAW = "withdraw", "撤销 withdrawn"
        REVOKE = "revoke", "吊销 revoked"
        EXPIRE = "expire", "过期失效 expired"
        USE = "use", "用证 used for an application"
        SHARE = "share", "分享 shared"
        QUERY = "query", "部门查询 queried by a department"

    licence = models.ForeignKey(
        Licence, verbose_name="证照 licence", on_delete=models.CASCADE, related_name="events"
    )
    version = models.ForeignKey(
        LicenceVersion,
        verbose_name="版本 version",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField("操作 kind", max_length=10, choices=Kind.choices)
    occurred_at = models.DateTimeField("时间 occurred at")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人 actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人 actor label", max_length=150, blank=True)
    from_status = models.CharField("原状态 from status", max_length=10, blank=True)
    to_status = models.CharField("新状态 to status", max_length=10, blank=True)
    reason = models.CharField("事由 reason", max_length=500, blank=True)
    data = models.JSONField("数据 data", default=dict, blank=True)

    class Meta:
        verbose_name = "证照操作 licence event"
        verbose_name_plural = "证照操作 licence events"
        ordering = ["licence_id", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.kind} {self.occurred_at:%Y-%m-%d}"


class LicenceShare(models.Model):
    """A time-limited link a holder gives someone to see one licence (分享)."""

    licence = models.ForeignKey(
        Licence, verbose_name="证照 licence", on_delete=models.CASCADE, related_name="shares"
    )
    token_hash = models.CharField("链接令牌摘要 token hash", max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="分享人 shared by", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间 created at")
    expires_at = models.DateTimeField("失效时间 expires at", db_index=True)
    revoked_at = models.DateTimeField("撤回时间 revoked at", null=True, blank=True)
    views = models.PositiveIntegerField("查看次数 views", default=0)

    class Meta:
        verbose_name = "证照分享 licence share"
        verbose_name_plural = "证照分享 licence shares"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.licence_id} share until {self.expires_at:%Y-%m-%d %H:%M}"
