"""Writes of proactive disclosure: the catalogue, the guide and publications.

Life of a publication: draft → submitted for confidentiality review (保密审查) → cleared → published →
withdrawn. Every call is one transaction with its audit event; publishing locks the department's
counter row for the index number (see :mod:`govhall.disclosure.numbering`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.disclosure import clock, indexing, numbering
from govhall.disclosure import permissions as rules
from govhall.disclosure.models import (
    Category,
    ConfidentialityReview,
    DisclosureGuide,
    NumberCounter,
    Publication,
    Topic,
)
from govhall.identity.models import Department

STANDARD_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("01", "机构职能", "机构设置、职能、领导分工、内设机构和联系方式"),
    ("02", "政策文件", "规范性文件、其他文件和政策解读"),
    ("03", "规划计划", "发展规划、专项规划和年度工作计划、总结"),
    ("04", "财政预决算", "部门预算、决算及说明"),
    ("05", "三公经费", "因公出国（境）费、公务用车购置及运行费、公务接待费"),
    ("06", "行政许可", "行政许可事项、依据、条件、程序和结果"),
    ("07", "行政处罚", "行政处罚的依据、标准、程序和决定"),
    ("08", "重点领域", "食品药品安全、生态环境、教育、医疗卫生、公共资源配置等"),
    ("09", "人事信息", "公务员招录、事业单位招聘、任免信息"),
    ("10", "统计信息", "统计数据和统计公报"),
    ("11", "政府信息公开年报", "政府信息公开工作年度报告"),
    ("99", "其他", "其他依法应当主动公开的信息"),
)
EDITABLE_FIELDS = frozenset(
    {
        "category",
        "title",
        "issuing_body",
        "document_number",
        "topic",
        "keywords",
        "summary",
        "body",
        "written_on",
        "effective_from",
        "effective_until",
        "validity",
    }
)


def _forbidden(
    message_zh: str = "您无权进行此操作", message_en: str = "you may not do this"
) -> PermissionDenied:
    return PermissionDenied("forbidden", message_zh, message_en, status=403)


def _require(actor: Any, obj: Any, action: str) -> None:
    if not permissions.can_act(actor, obj, action):
        raise _forbidden()


def snapshot(publication: Publication) -> dict[str, Any]:
    return {
        "status": publication.status,
        "title": publication.title,
        "category": publication.category.code,
        "index_number": publication.index_number,
        "document_number": publication.document_number,
        "validity": publication.validity,
        "published_at": publication.published_at,
        "withdrawn_at": publication.withdrawn_at,
    }


def ensure_standard_categories() -> int:
    """Create the standard headings that are missing (idempotent); returns how many were created."""
    existing = set(Category.objects.filter(department__isnull=True).values_list("code", flat=True))
    missing = [
        Category(code=code, name=name, description=description, order=index)
        for index, (code, name, description) in enumerate(STANDARD_CATEGORIES)
        if code not in existing
    ]
    Category.objects.bulk_create(missing)
    return len(missing)


def category_by_code(code: str) -> Category:
    ensure_standard_categories()
    category = Category.objects.filter(code=code).first()
    if category is None:
        raise DomainError("unknown_category", "公开类别不存在", "no such catalogue heading", status=404)
    return category


def _check_category(category: Category, department: Department) -> None:
    if category.department_id is not None and category.department_id != department.pk:
        raise DomainError(
            "category_of_other_department",
            "该类别属于其他部门的公开目录",
            "the heading belongs to another department's catalogue",
        )


@transaction.atomic
def add_category(
    *, actor: Any, department: Department, code: str, name: str, parent: Category | None = None
) -> Category:
    """A department's own heading (usually under 重点领域)."""
    if not (
        permissions.is_platform_admin(actor) or permissions.has_role(actor, "department_admin", department)
    ):
        raise _forbidden()
    code = code.strip().upper()
    if not (2 <= len(code) <= 6 and code.isalnum()) or Category.objects.filter(code=code).exists():
        raise DomainError(
            "invalid_category_code", "类别代码无效或已被使用", "the heading code is invalid or taken"
        )
    category = Category.objects.create(
        code=code, name=name.strip(), parent=parent, department=department, order=100
    )
    record_event(
        actor=actor, action="disclosure.category_added", obj=category, after={"code": code, "name": name}
    )
    return category


@transaction.atomic
def save_guide(*, actor: Any, department: Department, **fields: str) -> DisclosureGuide:
    if not (
        permissions.is_platform_admin(actor) or permissions.has_role(actor, "department_admin", department)
    ):
        raise _forbidden()
    allowed = {f.name for f in DisclosureGuide._meta.get_fields()} - {"id", "department", "updated_at"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown guide fields {sorted(unknown)}")
    guide, _ = DisclosureGuide.objects.select_for_update().get_or_create(department=department)
    before = {name: getattr(guide, name) for name in fields}
    for name, value in fields.items():
        setattr(guide, name, value.strip())
    guide.save()
    record_event(actor=actor, action="disclosure.guide_saved", obj=guide, before=before, after=fields)
    return guide


def _validate(values: dict[str, Any]) -> None:
    if not str(values.get("title", "")).strip():
        raise DomainError("title_required", "请填写标题", "a title is required")
    if not str(values.get("body", "")).strip():
        raise DomainError("body_required", "请填写正文", "the body is required")
    if not str(values.get("issuing_body", "")).strip():
        raise DomainError("issuer_required", "请填写发布机构", "the issuing body is required")
    start, end = values.get("effective_from"), values.get("effective_until")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        raise DomainError(
            "validity_order", "失效日期不能早于生效日期", "in force until is before in force from"
        )
    if values.get("topic") not in Topic.values:
        raise DomainError("invalid_topic", "主题分类无效", "unknown topic")


@transaction.atomic
def create_publication(
    *,
    actor: Any,
    department: Department,
    category: Category,
    title: str,
    issuing_body: str,
    body: str,
    document_number: str = "",
    topic: str = Topic.GENERAL,
    keywords: str = "",
    summary: str = "",
    written_on: date | None = None,
    effective_from: date | None = None,
    effective_until: date | None = None,
    validity: str = Publication.Validity.VALID,
) -> Publication:
    if not rules.may_act_in(actor, department.pk, rules.PUBLICATION_ACTIONS["create"]):
        raise _forbidden()
    _check_category(category, department)
    values: dict[str, Any] = {
        "category": category,
        "title": title.strip(),
        "issuing_body": issuing_body.strip(),
        "body": body.strip(),
        "document_number": document_number.strip(),
        "topic": topic,
        "keywords": keywords.strip(),
        "summary": summary.strip(),
        "written_on": written_on,
        "effective_from": effective_from,
        "effective_until": effective_until,
        "validity": validity,
    }
    _validate(values)
    publication = Publication.objects.create(department=department, drafted_by=actor, **values)
    record_event(
        actor=actor, action="disclosure.publication_drafted", obj=publication, after=snapshot(publication)
    )
    return publication


def _lock(publication: Publication) -> Publication:
    return (
        Publication.objects.select_for_update()
        .select_related("category", "department")
        .get(pk=publication.pk)
    )


@transaction.atomic
def update_draft(*, actor: Any, publication: Publication, **changes: Any) -> Publication:
    """Change a draft (or an item sent back by review); anything under review or public is fixed."""
    publication = _lock(publication)
    _require(actor, publication, "edit")
    if publication.status != Publication.Status.DRAFT:
        raise Conflict("not_a_draft", "只有草稿可以修改", "only drafts can be changed")
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    before = snapshot(publication)
    for name, value in changes.items():
        setattr(publication, name, value.strip() if isinstance(value, str) else value)
    _check_category(publication.category, publication.department)
    _validate({name: getattr(publication, name) for name in EDITABLE_FIELDS})
    publication.save()
    record_event(
        actor=actor,
        action="disclosure.publication_edited",
        obj=publication,
        before=before,
        after=snapshot(publication),
    )
    return publication


@transaction.atomic
def submit_for_review(*, actor: Any, publication: Publication) -> Publication:
    publication = _lock(publication)
    _require(actor, publication, "submit")
    if publication.status != Publication.Status.DRAFT:
        raise Conflict("not_a_draft", "只有草稿可以送审", "only drafts can be sent for review")
    before = snapshot(publication)
    publication.status = Publication.Status.IN_REVIEW
    publication.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        action="disclosure.publication_submitted",
        obj=publication,
        before=before,
        after=snapshot(publication),
    )
    return publication


@transaction.atomic
def review(
    *, actor: Any, publication: Publication, conclusion: str, opinion: str = ""
) -> ConfidentialityReview:
    """Record the confidentiality review; "revise" sends the draft back, "refused" keeps it unpublished."""
    publication = _lock(publication)
    _require(actor, publication, "review")
    if publication.status != Publication.Status.IN_REVIEW:
        raise Conflict("not_in_review", "该信息未在保密审查中", "the publication is not in review")
    if publication.drafted_by_id == getattr(actor, "pk", None):
        raise _forbidden("起草人不能审查自己起草的信息", "the drafter cannot review their own draft")
    if conclusion not in ConfidentialityReview.Conclusion.values:
        raise DomainError("invalid_conclusion", "审查结论无效", "unknown review conclusion")
    if conclusion != ConfidentialityReview.Conclusion.CLEARED and not opinion.strip():
        raise DomainError(
            "opinion_required", "未通过审查时须写明审查意见", "say why the review did not clear it"
        )
    before = snapshot(publication)
    record = ConfidentialityReview.objects.create(
        publication=publication,
        reviewer=actor,
        conclusion=conclusion,
        opinion=opinion.strip(),
        reviewed_at=clock.now(),
    )
    publication.status = (
        Publication.Status.CLEARED
        if conclusion == ConfidentialityReview.Conclusion.CLEARED
        else Publication.Status.DRAFT
    )
    publication.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        action="disclosure.publication_reviewed",
        obj=publication,
        before=before,
        after={
            **snapshot(publication),
            "conclusion": conclusion,
            "opinion": record.opinion,
            "review_id": record.pk,
        },
    )
    return record


@transaction.atomic
def publish(*, actor: Any, publication: Publication, at: datetime | None = None) -> Publication:
    """Publish a cleared item: take its index number and put it in the search index."""
    publication = _lock(publication)
    _require(actor, publication, "publish")
    if publication.status != Publication.Status.CLEARED:
        raise Conflict(
            "not_cleared",
            "未经保密审查通过的信息不能发布",
            "only items cleared by the review can be published",
        )
    before = snapshot(publication)
    moment = at or clock.now()
    year = clock.local_date(moment).year
    sequence = numbering.next_sequence(publication.department, NumberCounter.Kind.PUBLICATION, year)
    publication.index_year = year
    publication.index_sequence = sequence
    publication.index_number = numbering.format_index_number(
        uscc=publication.department.uscc,
        category_code=publication.category.code,
        year=year,
        sequence=sequence,
    )
    publication.status = Publication.Status.PUBLISHED
    publication.published_at = moment
    publication.published_by = actor
    publication.save()
    indexing.index_publication(publication)
    record_event(
        actor=actor,
        action="disclosure.publication_published",
        obj=publication,
        before=before,
        after=snapshot(publication),
    )
    return publication


@transaction.atomic
def withdraw(*, actor: Any, publication: Publication, reason: str) -> Publication:
    """Take a publication down; it keeps its number and stays in the record, marked withdrawn."""
    publication = _lock(publication)
    _require(actor, publication, "withdraw")
    if publication.status != Publication.Status.PUBLISHED:
        raise Conflict("not_published", "只有已发布的信息可以撤回", "only published items can be withdrawn")
    if not reason.strip():
        raise DomainError("reason_required", "请写明撤回理由", "give the reason for withdrawing")
    before = snapshot(publication)
    publication.status = Publication.Status.WITHDRAWN
    publication.withdrawn_at = clock.now()
    publication.withdrawn_by = actor
    publication.withdrawal_reason = reason.strip()[:300]
    publication.save()
    indexing.index_publication(publication)
    record_event(
        actor=actor,
        action="disclosure.publication_withdrawn",
        obj=publication,
        before=before,
        after=snapshot(publication),
    )
    return publication


@transaction.atomic
def set_validity(
    *, actor: Any, publication: Publication, validity: str, effective_until: date | None = None
) -> Publication:
    """Mark a published document expired or repealed (a later document replaced it)."""
    publication = _lock(publication)
    _require(actor, publication, "publish")
    if publication.status != Publication.Status.PUBLISHED:
        raise Conflict(
            "not_published", "只有已发布的信息可以更改有效性", "only published items change validity"
        )
    if validity not in Publication.Validity.values:
        raise DomainError("invalid_validity", "有效性无效", "unknown validity")
    before = snapshot(publication)
    publication.validity = validity
    if effective_until is not None:
        publication.effective_until = effective_until
    publication.save(update_fields=["validity", "effective_until", "updated_at"])
    record_event(
        actor=actor,
        action="disclosure.publication_validity",
        obj=publication,
        before=before,
        after=snapshot(publication),
    )
    return publication
