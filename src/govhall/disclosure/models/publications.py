"""Proactive disclosure (主动公开): each department's catalogue, guide and publications.

A publication goes draft → in review (保密审查) → cleared → published → withdrawn. Its index number
(索引号) is handed out when it is published, from a per-department, per-year counter locked in the
publishing transaction, so numbers are unique and without gaps; a withdrawn publication keeps its
number and stays in the record, marked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from govhall.identity.models import Department


class Topic(models.TextChoices):
    """Subject classes of government documents (国务院公文主题分类, first level)."""

    GENERAL = "01", "综合政务"
    ECONOMY = "02", "国民经济管理、国有资产监管"
    FINANCE = "03", "财政、金融、审计"
    LAND = "04", "国土资源、能源"
    AGRICULTURE = "05", "农业、林业、水利"
    INDUSTRY = "06", "工业、交通"
    COMMERCE = "07", "商贸、海关、旅游"
    MARKET = "08", "市场监管、安全生产监管"
    URBAN = "09", "城乡建设、环境保护"
    SCIENCE = "10", "科技、教育"
    CULTURE = "11", "文化、广电、新闻出版"
    HEALTH = "12", "卫生、体育"
    POPULATION = "13", "人口与计划生育、妇女儿童工作"
    LABOUR = "14", "劳动、人事、监察"
    PUBLIC_SECURITY = "15", "公安、安全、司法"
    CIVIL_AFFAIRS = "16", "民政、扶贫、救灾"
    ETHNIC = "17", "民族、宗教"
    FOREIGN = "18", "对外事务"
    HMT = "19", "港澳台侨工作"
    DEFENCE = "20", "国防"
    OTHER = "21", "其他"


class Category(models.Model):
    """A heading of the disclosure catalogue (公开目录类别).

    Standard headings (no department) appear in every department's catalogue; a department may add
    its own, usually under 重点领域 (e.g. 0801 食品安全). The code goes into the index number.
    """

    code = models.CharField("类别代码 code", max_length=6, unique=True)
    name = models.CharField("名称 name", max_length=40)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级类别 parent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="所属部门 department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosure_categories",
        help_text="为空表示各部门通用的标准类别 empty for a standard heading",
    )
    description = models.CharField("说明 description", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("排序 order", default=0)

    class Meta:
        verbose_name = "公开目录类别 catalogue category"
        verbose_name_plural = "公开目录类别 catalogue categories"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DisclosureGuide(models.Model):
    """A department's disclosure guide (政府信息公开指南)."""

    department = models.OneToOneField(
        Department, verbose_name="部门 department", on_delete=models.CASCADE, related_name="disclosure_guide"
    )
    scope = models.TextField("主动公开范围 scope", blank=True)
    ways = models.TextField("公开方式 ways of disclosure", blank=True)
    request_procedure = models.TextField("依申请公开办理 request procedure", blank=True)
    office = models.CharField("受理机构 office", max_length=100, blank=True)
    address = models.CharField("地址 address", max_length=200, blank=True)
    office_hours = models.CharField("办公时间 office hours", max_length=100, blank=True)
    phone = models.CharField("咨询电话 phone", max_length=40, blank=True)
    remedies = models.TextField("监督和救济 supervision and remedies", blank=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)

    class Meta:
        verbose_name = "公开指南 disclosure guide"
        verbose_name_plural = "公开指南 disclosure guides"

    def __str__(self) -> str:
        return f"{self.department} 政府信息公开指南"


class Publication(models.Model):
    """One piece of government information made public on the department's initiative."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿 draft"
        IN_REVIEW = "in_review", "保密审查中 in confidentiality review"
        CLEARED = "cleared", "审查通过待发布 cleared"
        PUBLISHED = "published", "已发布 published"
        WITHDRAWN = "withdrawn", "已撤回 withdrawn"

    class Validity(models.TextChoices):
        VALID = "valid", "有效 in force"
        EXPIRED = "expired", "失效 expired"
        REPEALED = "repealed", "废止 repealed"
        NOT_APPLICABLE = "na", "不适用 not applicable"

    department = models.ForeignKey(
        Department, verbose_name="公开部门 department", on_delete=models.PROTECT, related_name="publications"
    )
    category = models.ForeignKey(
        Category, verbose_name="公开类别 category", on_delete=models.PROTECT, related_name="publications"
    )
    title = models.CharField("标题 title", max_length=200)
    index_number = models.CharField("索引号 index number", max_length=60, null=True, blank=True, unique=True)
    index_year = models.PositiveSmallIntegerField("索引年度 index year", null=True, blank=True)
    index_sequence = models.PositiveIntegerField("索引流水号 index sequence", null=True, blank=True)
    issuing_body = models.CharField("发布机构 issuing body", max_length=100)
    document_number = models.CharField("文号 document number", max_length=60, blank=True)
    topic = models.CharField("主题分类 topic", max_length=2, choices=Topic.choices, default=Topic.GENERAL)
    keywords = models.CharField("关键词 keywords", max_length=200, blank=True)
    summary = models.TextField("内容概述 summary", blank=True)
    body = models.TextField("正文 body")
    written_on = models.DateField("成文日期 written on", null=True, blank=True)
    effective_from = models.DateField("生效日期 in force from", null=True, blank=True)
    effective_until = models.DateField("失效日期 in force until", null=True, blank=True)
    validity = models.CharField(
        "有效性 validity", max_length=10, choices=Validity.choices, default=Validity.VALID
    )
    status = models.CharField(
        "状态 status", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人 drafted by",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间 updated at", auto_now=True)
    published_at = models.DateTimeField("发布时间 published at", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人 published by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField("撤回时间 withdrawn at", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤回人 withdrawn by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawal_reason = models.CharField("撤回理由 withdrawal reason", max_length=300, blank=True)

    class Meta:
        verbose_name = "主动公开信息 publication"
        verbose_name_plural = "主动公开信息 publications"
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "index_year", "index_sequence"],
                condition=models.Q(index_sequence__isnull=False),
                name="publication_unique_sequence",
            ),
            # Published and withdrawn items always carry their number; drafts never do.
            models.CheckConstraint(
                condition=models.Q(status__in=["published", "withdrawn"], index_number__isnull=False)
                | models.Q(status__in=["draft", "in_review", "cleared"], index_number__isnull=True),
                name="publication_number_iff_public",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "status", "-published_at"], name="publication_dept_listing"),
            models.Index(fields=["category", "status", "-published_at"], name="publication_cat_listing"),
            models.Index(fields=["status", "-published_at"], name="publication_listing"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in {self.Status.PUBLISHED, self.Status.WITHDRAWN}

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN


class ConfidentialityReview(models.Model):
    """One confidentiality review (保密审查) of a publication before it may be published."""

    class Conclusion(models.TextChoices):
        CLEARED = "cleared", "可以公开 may be published"
        REVISE = "revise", "修改后重新送审 revise and resubmit"
        REFUSED = "refused", "不得公开 must not be published"

    publication = models.ForeignKey(
        Publication, verbose_name="公开信息 publication", on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审查人 reviewer", on_delete=models.PROTECT, related_name="+"
    )
    conclusion = models.CharField("审查结论 conclusion", max_length=10, choices=Conclusion.choices)
    opinion = models.TextField("审查意见 opinion", blank=True)
    reviewed_at = models.DateTimeField("审查时间 reviewed at")

    class Meta:
        verbose_name = "保密审查记录 confidentiality review"
        verbose_name_plural = "保密审查记录 confidentiality reviews"
        ordering = ["reviewed_at", "id"]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.get_conclusion_display()}"


class NumberCounter(models.Model):
    """The last sequence handed out per department, kind (publication / request) and year."""

    class Kind(models.TextChoices):
        PUBLICATION = "publication", "索引号 index number"
        REQUEST = "request", "申请编号 request number"

    department = models.ForeignKey(
        Department, verbose_name="部门 department", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("类型 kind", max_length=12, choices=Kind.choices)
    year = models.PositiveSmallIntegerField("年度 year")
    last = models.PositiveIntegerField("已用序号 last number", default=0)

    class Meta:
        verbose_name = "公开编号计数 number counter"
        verbose_name_plural = "公开编号计数 number counters"
        constraints = [
            models.UniqueConstraint(fields=["department", "kind", "year"], name="disclosure_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.kind} {self.year} #{self.last}"


class SearchTerm(models.Model):
    """One search token of a public disclosure record with its weight (see disclosure.search)."""

    class Kind(models.TextChoices):
        PUBLICATION = "publication", "主动公开信息 publication"
        RESPONSIBILITY = "responsibility", "责任清单 responsibility"
        NEGATIVE = "negative", "负面清单 negative list"
        FUND = "fund", "专项资金 special fund"
        PENALTY = "penalty", "行政处罚 penalty"

    term = models.CharField("词 term", max_length=64)
    kind = models.CharField("类型 kind", max_length=16, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField("对象 object id")
    weight = models.PositiveIntegerField("权重 weight")

    class Meta:
        verbose_name = "公开检索词 disclosure search term"
        verbose_name_plural = "公开检索词 disclosure search terms"
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "term"], name="disclosure_term_unique")
        ]
        indexes = [
            models.Index(fields=["term", "kind", "weight", "object_id"], name="disclosure_term_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.term}→{self.kind}:{self.object_id} ({self.weight})"
