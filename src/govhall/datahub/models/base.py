"""The base databases (基础数据库) and "one datum, one source" (一数一源).

Every base record has a ``record_key``: the value imports and contributions find it by (the keyed
hash of the ID number for a person, the credit code for a legal person, …). Personal fields are
stored encrypted with a masked copy for screens; those that are searched also keep a keyed hash.

:class:`FieldSource` names the one department whose word counts for each field; another
department's value goes into :class:`ContributedUpdate` until that source confirms or rejects it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from govhall.core.crypto import decrypt_text, encrypt_text, lookup_hash, mask_middle
from govhall.identity.models import Department


class Dataset(models.TextChoices):
    POPULATION = "population", "人口 population"
    LEGAL_PERSON = "legal_person", "法人 legal persons"
    SPATIAL = "spatial", "地理空间 spatial"
    MACRO = "macro", "宏观经济 macro-economy"
    CREDIT = "credit", "信用 credit"


def mask_name(value: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``: the surname stays so a clerk can tell people apart."""
    value = value.strip()
    return value[:1] + "*" * (len(value) - 1) if value else ""


def mask_address(value: str) -> str:
    """Keep the part that names the district, hide the street and number."""
    value = value.strip()
    return value[:6] + "****" if len(value) > 6 else "****" if value else ""


def mask_id_number(value: str) -> str:
    return mask_middle(value) if value else ""


class BaseRecord(models.Model):
    """Field access that hides whether a field is stored encrypted."""

    # field name -> masking function, for fields stored as <name>_encrypted / <name>_masked
    ENCRYPTED: ClassVar[dict[str, Callable[[str], str]]] = {}
    # encrypted fields that also keep <name>_hash for lookups
    HASHED: ClassVar[frozenset[str]] = frozenset()

    record_key = models.CharField(
        "记录键 record key",
        max_length=200,
        unique=True,
        help_text="导入与更正据以查找记录的值 the value imports and corrections find the record by",
    )
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True, db_index=True)

    class Meta:
        abstract = True

    def value_of(self, name: str) -> Any:
        if name in self.ENCRYPTED:
            sealed = getattr(self, f"{name}_encrypted")
            return decrypt_text(sealed) if sealed else ""
        return getattr(self, name)

    def masked_value_of(self, name: str) -> Any:
        if name in self.ENCRYPTED:
            return getattr(self, f"{name}_masked")
        return getattr(self, name)

    def assign(self, name: str, value: Any) -> None:
        if name not in self.ENCRYPTED:
            setattr(self, name, value)
            return
        text = "" if value is None else str(value)
        setattr(self, f"{name}_encrypted", encrypt_text(text) if text else "")
        setattr(self, f"{name}_masked", self.ENCRYPTED[name](text))
        if name in self.HASHED:
            setattr(self, f"{name}_hash", lookup_hash(text) if text else "")


class PersonRecord(BaseRecord):
    """One person in the population base (人口基础信息); ``record_key`` is the ID number's keyed hash."""

    class Sex(models.TextChoices):
        MALE = "M", "男 male"
        FEMALE = "F", "女 female"

    class Status(models.TextChoices):
        NORMAL = "normal", "正常 normal"
        DECEASED = "deceased", "死亡 deceased"
        MOVED_OUT = "moved_out", "迁出 moved out"
        CANCELLED = "cancelled", "注销 cancelled"

    ENCRYPTED = {"id_number": mask_id_number, "name": mask_name, "address": mask_address}
    HASHED = frozenset({"id_number"})

    id_number_encrypted = models.TextField("身份证号码（密文） ID number (encrypted)", editable=False)
    id_number_hash = models.CharField(
        "身份证号码检索码 ID number lookup hash", max_length=64, unique=True, editable=False
    )
    id_number_masked = models.CharField(
        "身份证号码（脱敏） ID number (masked)", max_length=18, editable=False
    )
    name_encrypted = models.TextField("姓名（密文） name (encrypted)", blank=True, editable=False)
    name_masked = models.CharField("姓名（脱敏） name (masked)", max_length=40, blank=True, editable=False)
    sex = models.CharField("性别 sex", max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField("出生日期 birth date", null=True, blank=True)
    household_division = models.CharField(
        "户籍地区划 household division", max_length=6, blank=True, db_index=True
    )
    address_encrypted = models.TextField("住址（密文） address (encrypted)", blank=True, editable=False)
    address_masked = models.CharField(
        "住址（脱敏） address (masked)", max_length=20, blank=True, editable=False
    )
    status = models.CharField(
        "状态 status", max_length=12, choices=Status.choices, default=Status.NORMAL, db_index=True
    )

    class Meta:
        verbose_name = "人口信息 person"
        verbose_name_plural = "人口信息 population"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name_masked} {self.id_number_masked}"


class LegalPersonRecord(BaseRecord):
    """One legal person (法人单位基础信息); ``record_key`` is its unified social credit code."""

    class EntityType(models.TextChoices):
        COMPANY = "company", "企业 company"
        INDIVIDUAL = "individual", "个体工商户 individual business"
        COOPERATIVE = "cooperative", "农民专业合作社 farmers' cooperative"
        INSTITUTION = "institution", "事业单位 public institution"
        SOCIAL = "social", "社会组织 social organisation"
        GOVERNMENT = "government", "机关 government body"
        OTHER = "other", "其他 other"

    class Status(models.TextChoices):
        ACTIVE = "active", "存续 active"
        SUSPENDED = "suspended", "停业 suspended"
        REVOKED = "revoked", "吊销 revoked"
        CANCELLED = "cancelled", "注销 cancelled"

    uscc = models.CharField("统一社会信用代码 USCC", max_length=18, unique=True)
    name = models.CharField("名称 name", max_length=200, blank=True, db_index=True)
    entity_type = models.CharField("类型 type", max_length=12, choices=EntityType.choices, blank=True)
    legal_representative = models.CharField("法定代表人 legal representative", max_length=60, blank=True)
    registered_capital = models.DecimalField(
        "注册资本（万元） registered capital (10k CNY)",
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
    )
    address = models.CharField("住所 address", max_length=200, blank=True)
    registration_authority = models.CharField("登记机关 registration authority", max_length=100, blank=True)
    registration_date = models.DateField("成立日期 registration date", null=True, blank=True)
    status = models.CharField(
        "登记状态 status", max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )

    class Meta:
        verbose_name = "法人信息 legal person"
        verbose_name_plural = "法人信息 legal persons"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"


class SpatialAddress(BaseRecord):
    """A standard address (标准地址) with its division and WGS-84 coordinates; keyed by the address."""

    standard_address = models.CharField("标准地址 standard address", max_length=200, unique=True)
    division_code = models.CharField("行政区划代码 division code", max_length=6, db_index=True)
    longitude = models.DecimalField("经度 longitude", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("纬度 latitude", max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = "标准地址 address"
        verbose_name_plural = "标准地址 addresses"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="spatial_longitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="spatial_latitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.standard_address


class MacroFigure(BaseRecord):
    """One figure of an indicator for a division and period; keyed ``indicator|division|period``.

    The authoritative department is per indicator: ``FieldSource(dataset="macro", field=<indicator>)``.
    """

    indicator_code = models.CharField("指标代码 indicator code", max_length=30, db_index=True)
    indicator_name = models.CharField("指标名称 indicator", max_length=100)
    division_code = models.CharField("行政区划代码 division code", max_length=6)
    period = models.CharField(
        "统计期 period", max_length=8, help_text="2025 / 2025Q3 / 2025-09 year, quarter or month"
    )
    value = models.DecimalField("数值 value", max_digits=24, decimal_places=6)
    unit = models.CharField("计量单位 unit", max_length=20, blank=True)
    source = models.CharField("数据来源 source", max_length=200, blank=True)

    class Meta:
        verbose_name = "宏观经济数据 macro-economic figure"
        verbose_name_plural = "宏观经济数据 macro-economic figures"
        ordering = ["indicator_code", "division_code", "period"]

    def __str__(self) -> str:
        return f"{self.indicator_name} {self.division_code} {self.period}: {self.value}{self.unit}"


class CreditRecord(BaseRecord):
    """A reward, penalty or list entry about a legal person (USCC) or a person (ID number).

    A credit record belongs to the department that decided it (``source_department``); no other
    department changes it, so credit rows take no field sources. ``record_key`` is
    ``<department code>:<reference>``.
    """

    class Kind(models.TextChoices):
        REWARD = "reward", "表彰奖励 reward"
        PENALTY = "penalty", "行政处罚 penalty"
        RED_LIST = "red_list", "红名单 red list"
        BLACK_LIST = "black_list", "黑名单 black list"

    ENCRYPTED = {"subject_id_number": mask_id_number}
    HASHED = frozenset({"subject_id_number"})

    subject_uscc = models.CharField(
        "主体统一社会信用代码 subject USCC", max_length=18, blank=True, db_index=True
    )
    subject_id_number_encrypted = models.TextField(
        "主体身份证号码（密文） subject ID number (encrypted)", blank=True, editable=False
    )
    subject_id_number_hash = models.CharField(
        "主体身份证号码检索码 subject ID lookup hash",
        max_length=64,
        blank=True,
        db_index=True,
        editable=False,
    )
    subject_id_number_masked = models.CharField(
        "主体身份证号码（脱敏） subject ID (masked)", max_length=18, blank=True, editable=False
    )
    subject_name = models.CharField("主体名称 subject name", max_length=200, blank=True)
    kind = models.CharField("类别 kind", max_length=12, choices=Kind.choices, db_index=True)
    title = models.CharField("事由 title", max_length=200)
    reference = models.CharField("决定文号 reference", max_length=100)
    source_department = models.ForeignKey(
        Department, verbose_name="来源部门 source department", on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField("有效期自 valid from")
    valid_to = models.DateField("有效期至 valid to", null=True, blank=True)

    class Meta:
        verbose_name = "信用记录 credit record"
        verbose_name_plural = "信用记录 credit records"
        ordering = ["-valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(~models.Q(subject_uscc="") & models.Q(subject_id_number_hash=""))
                | (models.Q(subject_uscc="") & ~models.Q(subject_id_number_hash="")),
                name="credit_one_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="credit_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


BASE_MODELS: dict[str, type[BaseRecord]] = {
    Dataset.POPULATION: PersonRecord,
    Dataset.LEGAL_PERSON: LegalPersonRecord,
    Dataset.SPATIAL: SpatialAddress,
    Dataset.MACRO: MacroFigure,
    Dataset.CREDIT: CreditRecord,
}


class FieldSource(models.Model):
    """The one department whose value of a field counts (一数一源).

    ``field`` is a field name of the dataset, or for macro-economic figures an indicator code.
    """

    dataset = models.CharField("基础库 dataset", max_length=20, choices=Dataset.choices)
    field = models.CharField("字段 field", max_length=60)
    department = models.ForeignKey(
        Department, verbose_name="权威来源部门 source department", on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("依据 basis", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)

    class Meta:
        verbose_name = "字段权威来源 field source"
        verbose_name_plural = "字段权威来源 field sources"
        ordering = ["dataset", "field"]
        constraints = [models.UniqueConstraint(fields=["dataset", "field"], name="field_source_unique")]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.field} → {self.department}"


class ContributedUpdate(models.Model):
    """A value for a field offered by a department that is not the field's source (待确认更新)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认 pending"
        CONFIRMED = "confirmed", "已采纳 confirmed"
        REJECTED = "rejected", "已驳回 rejected"

    dataset = models.CharField("基础库 dataset", max_length=20, choices=Dataset.choices)
    record_key = models.CharField("记录键 record key", max_length=200)
    record_label = models.CharField("记录（脱敏） record (masked)", max_length=200)
    field = models.CharField("字段 field", max_length=60)
    # The value may be personal, so it is kept sealed; the hash groups equal proposals.
    proposed_encrypted = models.TextField("建议值（密文） proposed value (encrypted)", editable=False)
    proposed_hash = models.CharField("建议值摘要 proposed value hash", max_length=64, editable=False)
    proposed_display = models.CharField("建议值（显示） proposed value (shown)", max_length=200)
    current_display = models.CharField("当时的值 value when proposed", max_length=200, blank=True)
    contributor_department = models.ForeignKey(
        Department,
        verbose_name="提供部门 contributing department",
        on_delete=models.PROTECT,
        related_name="+",
    )
    contributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人 contributed by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_department = models.ForeignKey(
        Department, verbose_name="权威来源部门 source department", on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明 note", max_length=200, blank=True)
    status = models.CharField(
        "状态 status", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人 decided by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间 decided at", null=True, blank=True)
    decision_note = models.CharField("处理意见 decision note", max_length=200, blank=True)
    created_at = models.DateTimeField("提交时间 created at", auto_now_add=True)

    class Meta:
        verbose_name = "待确认更新 contributed update"
        verbose_name_plural = "待确认更新 contributed updates"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["source_department", "status"]),
            models.Index(fields=["dataset", "record_key", "field"]),
        ]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.field} {self.record_label}: {self.proposed_display}"

    @property
    def proposed_value(self) -> str:
        return decrypt_text(self.proposed_encrypted)


class DataOfficer(models.Model):
    """A staff member appointed as a department's data officer (数据专员).

    A department's admins act as its data officers without an appointment; the appointment lets an
    admin hand the data work to someone else without giving away the whole department.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户 user",
        on_delete=models.CASCADE,
        related_name="data_officer_roles",
    )
    department = models.ForeignKey(
        Department, verbose_name="部门 department", on_delete=models.CASCADE, related_name="data_officers"
    )
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="任命人 appointed by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("任命时间 appointed at", auto_now_add=True)

    class Meta:
        verbose_name = "数据专员 data officer"
        verbose_name_plural = "数据专员 data officers"
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="data_officer_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.department}"
