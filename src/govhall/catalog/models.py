"""The service catalogue (权力事项库 + 公共服务事项).

A :class:`ServiceItem` is the stable identity of one item as implemented by one department (its
implementation code). Everything a guide says lives in an :class:`ItemVersion`; a change is a new
version that goes draft → review → published, and publishing it supersedes the previous one.
Cases point at the version they were filed under, so they keep the guide they were filed with.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from govhall.catalog import stars
from govhall.catalog.codes import basic_code_validator, implementation_code_validator
from govhall.identity.models import Department


class Kind(models.TextChoices):
    LICENSING = "01", "行政许可 administrative licensing"
    PENALTY = "02", "行政处罚 administrative penalty"
    COERCION = "03", "行政强制 administrative coercion"
    LEVY = "04", "行政征收 administrative levy"
    BENEFIT = "05", "行政给付 administrative benefit"
    INSPECTION = "06", "行政检查 administrative inspection"
    CONFIRMATION = "07", "行政确认 administrative confirmation"
    REWARD = "08", "行政奖励 administrative reward"
    ADJUDICATION = "09", "行政裁决 administrative adjudication"
    OTHER_POWER = "10", "其他行政权力 other administrative power"
    PUBLIC_SERVICE = "20", "公共服务 public service"


POWER_KINDS = [kind.value for kind in Kind if kind != Kind.PUBLIC_SERVICE]


class Level(models.TextChoices):
    PROVINCE = "province", "省级 province"
    CITY = "city", "市级 city"
    COUNTY = "county", "县级 county"
    TOWNSHIP = "township", "乡镇级 township"


class Target(models.TextChoices):
    PERSON = "person", "自然人 natural person"
    LEGAL = "legal", "法人 legal person"
    BOTH = "both", "自然人和法人 both"


class Theme(models.Model):
    """A life event or business stage people browse by (主题)."""

    class Audience(models.TextChoices):
        PERSON = "person", "个人办事 individuals"
        LEGAL = "legal", "法人办事 enterprises"

    code = models.CharField("主题代码 code", max_length=8, unique=True)
    audience = models.CharField("面向 audience", max_length=10, choices=Audience.choices)
    name = models.CharField("名称 name", max_length=30)
    name_en = models.CharField("英文名称 English name", max_length=60, blank=True)
    order = models.PositiveSmallIntegerField("排序 order", default=0)

    class Meta:
        verbose_name = "主题 theme"
        verbose_name_plural = "主题 themes"
        ordering = ["audience", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["audience", "name"], name="theme_unique_name_per_audience")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_audience_display()}）"


class ServiceItem(models.Model):
    """One item as implemented by one department (实施清单中的一项)."""

    implementation_code = models.CharField(
        "实施编码 implementation code", max_length=33, unique=True, validators=[implementation_code_validator]
    )
    basic_code = models.CharField(
        "基本编码 basic code", max_length=12, db_index=True, validators=[basic_code_validator]
    )
    kind = models.CharField("事项类型 kind", max_length=2, choices=Kind.choices, db_index=True)
    department = models.ForeignKey(
        Department,
        verbose_name="实施主体 implementing department",
        on_delete=models.PROTECT,
        related_name="items",
    )
    level = models.CharField("行使层级 level", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="所属事项 parent item",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handling_items",
        help_text="业务办理项所属的实施事项 the item a handling sub-item belongs to",
    )
    current_version = models.OneToOneField(
        "ItemVersion",
        verbose_name="现行版本 published version",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    popularity = models.PositiveIntegerField("办件热度 popularity", default=0, db_index=True)
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)

    class Meta:
        verbose_name = "政务服务事项 service item"
        verbose_name_plural = "政务服务事项 service items"
        ordering = ["implementation_code"]
        permissions = [("publish_item", "发布事项 can publish items")]

    def __str__(self) -> str:
        name = self.current_version.name if self.current_version_id and self.current_version else ""
        return f"{name or self.implementation_code}"

    @property
    def is_power(self) -> bool:
        return self.kind != Kind.PUBLIC_SERVICE


class ItemVersion(models.Model):
    """The full guide (办事指南) of an item at one version."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿 draft"
        REVIEW = "review", "待审核 in review"
        PUBLISHED = "published", "已发布 published"
        SUPERSEDED = "superseded", "已被新版本替代 superseded"
        WITHDRAWN = "withdrawn", "已撤回 withdrawn"

    class ItemType(models.TextChoices):
        INSTANT = "instant", "即办件 instant"
        PROMISED = "promised", "承诺件 promised"

    class OriginalCheck(models.TextChoices):
        NONE = stars.ORIGINALS_NONE, "无需核验原件 no originals"
        AT_COMPLETION = stars.ORIGINALS_AT_COMPLETION, "办结时核验原件 checked at completion"
        AT_ACCEPTANCE = stars.ORIGINALS_AT_ACCEPTANCE, "受理前核验原件 checked before acceptance"

    item = models.ForeignKey(
        ServiceItem, verbose_name="事项 item", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号 version")
    status = models.CharField("状态 status", max_length=12, choices=Status.choices, default=Status.DRAFT)
    name = models.CharField("事项名称 name", max_length=200)
    aliases = models.JSONField(
        "俗称 aliases", default=list, blank=True, help_text="群众常用说法 plain-language names"
    )
    target = models.CharField("服务对象 service target", max_length=10, choices=Target.choices)
    themes = models.ManyToManyField(Theme, verbose_name="主题 themes", blank=True, related_name="versions")
    joint_departments = models.ManyToManyField(
        Department, verbose_name="并联部门 joint departments", blank=True, related_name="joint_item_versions"
    )
    legal_basis = models.TextField("设定依据 legal basis")
    conditions = models.TextField("受理条件 acceptance conditions")
    statutory_days = models.PositiveSmallIntegerField(
        "法定办结时限（工作日） statutory time limit", default=0
    )
    promised_days = models.PositiveSmallIntegerField("承诺办结时限（工作日） promised time limit", default=0)
    item_type = models.CharField("办件类型 item type", max_length=10, choices=ItemType.choices)
    trips = models.PositiveSmallIntegerField("到现场次数 trips to the counter", default=1)
    online_depth = models.PositiveSmallIntegerField(
        "网上办理深度 online depth", default=1, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    original_check = models.CharField(
        "原件核验 originals check", max_length=16, choices=OriginalCheck.choices, default=OriginalCheck.NONE
    )
    star_level = models.PositiveSmallIntegerField("星级 star level", default=1, editable=False, db_index=True)
    process_template = models.CharField("流程模板 process template", max_length=80, blank=True)
    process_steps = models.JSONField("办理流程 process steps", default=list, blank=True)
    place = models.CharField("办理地点 place", max_length=200, blank=True)
    hours = models.CharField("办理时间 hours", max_length=200, blank=True)
    consult_phone = models.CharField("咨询电话 consultation phone", max_length=40, blank=True)
    complaint_phone = models.CharField("监督投诉电话 complaint phone", max_length=40, blank=True)
    result_licence_type = models.CharField("办理结果证照 result licence", max_length=80, blank=True)
    change_note = models.CharField("变更说明 change note", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人 created by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)
    published_at = models.DateTimeField("发布时间 published at", null=True, blank=True)

    class Meta:
        verbose_name = "事项版本 item version"
        verbose_name_plural = "事项版本 item versions"
        ordering = ["item_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="item_version_unique_number"),
            models.UniqueConstraint(
                fields=["item"], condition=models.Q(status="published"), name="item_version_one_published"
            ),
            models.CheckConstraint(
                condition=models.Q(online_depth__gte=1) & models.Q(online_depth__lte=4),
                name="item_version_online_depth_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "target"]),
            models.Index(fields=["star_level", "online_depth"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.star_level = self.compute_star_level()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def compute_star_level(self) -> int:
        return stars.star_level(
            online_depth=self.online_depth, trips=self.trips, original_check=self.original_check
        )

    @property
    def stars(self) -> str:
        return stars.stars_display(self.star_level)

    @property
    def star_text(self) -> tuple[str, str]:
        return stars.STAR_TEXT[self.star_level]

    @property
    def online_depth_text(self) -> tuple[str, str]:
        return stars.ONLINE_DEPTHS[self.online_depth]

    @property
    def can_apply_online(self) -> bool:
        return self.online_depth >= 3

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Material(models.Model):
    """One material the applicant provides (申请材料)."""

    class Medium(models.TextChoices):
        PAPER = "paper", "纸质 paper"
        ELECTRONIC = "electronic", "电子 electronic"
        BOTH = "both", "纸质或电子 paper or electronic"

    class Source(models.TextChoices):
        APPLICANT = "applicant", "申请人自备 applicant"
        OTHER_DEPARTMENT = "other_department", "其他部门核发 issued by another department"
        LICENCE = "licence", "电子证照可替代 an electronic licence"

    version = models.ForeignKey(
        ItemVersion, verbose_name="事项版本 version", on_delete=models.CASCADE, related_name="materials"
    )
    order = models.PositiveSmallIntegerField("序号 order", default=0)
    name = models.CharField("材料名称 name", max_length=200)
    required = models.BooleanField("必要 required", default=True)
    condition = models.CharField("适用情形 condition", max_length=300, blank=True)
    original = models.BooleanField("原件 original", default=False, help_text="否则为复印件 otherwise a copy")
    copies = models.PositiveSmallIntegerField("份数 copies", default=1)
    medium = models.CharField("载体 medium", max_length=12, choices=Medium.choices, default=Medium.BOTH)
    source = models.CharField("来源 source", max_length=20, choices=Source.choices, default=Source.APPLICANT)
    licence_type = models.CharField("可替代电子证照 licence type", max_length=80, blank=True)
    has_form = models.BooleanField("有空白表格 blank form", default=False)
    has_sample = models.BooleanField("有示例样表 sample", default=False)
    form_file = models.FileField("空白表格文件 form file", upload_to="catalog/forms/", blank=True)
    sample_file = models.FileField("示例样表文件 sample file", upload_to="catalog/samples/", blank=True)
    note = models.CharField("备注 note", max_length=300, blank=True)

    class Meta:
        verbose_name = "申请材料 material"
        verbose_name_plural = "申请材料 materials"
        ordering = ["version_id", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Fee(models.Model):
    """One fee item (收费项目); a version with none is free of charge (不收费)."""

    version = models.ForeignKey(
        ItemVersion, verbose_name="事项版本 version", on_delete=models.CASCADE, related_name="fees"
    )
    order = models.PositiveSmallIntegerField("序号 order", default=0)
    name = models.CharField("收费项目 name", max_length=200)
    amount = models.DecimalField(
        "金额（元） amount (CNY)", max_digits=12, decimal_places=2, default=Decimal("0")
    )
    basis = models.TextField("收费依据 basis", blank=True)

    class Meta:
        verbose_name = "收费项目 fee"
        verbose_name_plural = "收费项目 fees"
        ordering = ["version_id", "order", "id"]

    def __str__(self) -> str:
        return f"{self.name} ¥{self.amount}"


class SpecialProcedure(models.Model):
    """A procedure that stops the clock (特别程序), with its longest allowed duration."""

    class ProcedureKind(models.TextChoices):
        HEARING = "hearing", "听证 hearing"
        EXPERT_REVIEW = "expert_review", "专家评审 expert review"
        INSPECTION = "inspection", "现场勘查 on-site inspection"
        PUBLIC_NOTICE = "public_notice", "公示 public notice"
        QUARANTINE = "quarantine", "检验检疫 testing and quarantine"
        OTHER = "other", "其他 other"

    version = models.ForeignKey(
        ItemVersion,
        verbose_name="事项版本 version",
        on_delete=models.CASCADE,
        related_name="special_procedures",
    )
    kind = models.CharField("类型 kind", max_length=16, choices=ProcedureKind.choices)
    name = models.CharField("名称 name", max_length=100)
    max_days = models.PositiveSmallIntegerField("最长时限（工作日） maximum days")

    class Meta:
        verbose_name = "特别程序 special procedure"
        verbose_name_plural = "特别程序 special procedures"
        ordering = ["version_id", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.max_days}）"


class FAQ(models.Model):
    version = models.ForeignKey(
        ItemVersion, verbose_name="事项版本 version", on_delete=models.CASCADE, related_name="faqs"
    )
    order = models.PositiveSmallIntegerField("序号 order", default=0)
    question = models.CharField("问题 question", max_length=300)
    answer = models.TextField("解答 answer")

    class Meta:
        verbose_name = "常见问题 FAQ"
        verbose_name_plural = "常见问题 FAQs"
        ordering = ["version_id", "order", "id"]

    def __str__(self) -> str:
        return self.question


class SearchTerm(models.Model):
    """One search token of an item's published guide with its weight (see catalog.search)."""

    term = models.CharField("词 term", max_length=64)
    item = models.ForeignKey(
        ServiceItem, verbose_name="事项 item", on_delete=models.CASCADE, related_name="+"
    )
    weight = models.PositiveIntegerField("权重 weight")

    class Meta:
        verbose_name = "检索词 search term"
        verbose_name_plural = "检索词 search terms"
        constraints = [models.UniqueConstraint(fields=["term", "item"], name="search_term_unique")]
        # Covers the search query, including "a common term's strong rows only" (weight ≥ …).
        indexes = [models.Index(fields=["term", "weight", "item"], name="search_term_weight")]

    def __str__(self) -> str:
        return f"{self.term}→{self.item_id} ({self.weight})"
