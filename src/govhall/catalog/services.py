"""Writes to the catalogue: items, versions and their life cycle, each in one audited transaction.

Life cycle of a version: draft → review → published → (superseded by the next published version |
withdrawn). Only drafts change; publishing points the item at the new version and re-indexes it for
search; earlier versions stay as they were, so cases filed under them keep their guide.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from govhall.catalog import search
from govhall.catalog.codes import as_domain_error, build_implementation_code, validate_basic_code
from govhall.catalog.content import GuideContent, read_content, snapshot, validate_content, write_content
from govhall.catalog.models import ItemVersion, Level, ServiceItem, Theme
from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.identity.models import Department

Status = ItemVersion.Status


def _forbidden() -> PermissionDenied:
    return PermissionDenied(
        "forbidden", "您无权维护该部门的事项", "you may not maintain this department's items", status=403
    )


def _require(actor: Any, obj: Any, action: str) -> None:
    if not permissions.can_act(actor, obj, action):
        raise _forbidden()


def theme_audiences() -> dict[str, str]:
    return dict(Theme.objects.values_list("code", "audience"))


def check_content(content: GuideContent) -> None:
    problems = validate_content(content, audience_themes=theme_audiences())
    known = set(
        Department.objects.filter(code__in=content.joint_department_codes).values_list("code", flat=True)
    )
    for code in content.joint_department_codes:
        if code not in known:
            problems.append(
                ("joint_departments", f"并联部门 {code} 不存在", f"unknown joint department {code}")
            )
    if problems:
        raise DomainError(
            "invalid_item_content",
            "；".join(f"{where}: {zh}" for where, zh, _ in problems),
            "; ".join(f"{where}: {en}" for where, _, en in problems),
            status=400,
            details={
                "problems": [{"field": w, "message_zh": zh, "message_en": en} for w, zh, en in problems]
            },
        )


def _implementation_code(department: Department, level: str, basic_code: str, handling: int | None) -> str:
    try:
        validate_basic_code(basic_code)
        return build_implementation_code(
            uscc=department.uscc, level=level, basic_code=basic_code, handling=handling
        )
    except ValidationError as exc:
        raise as_domain_error(exc) from exc
    except ValueError as exc:
        raise DomainError("invalid_item_code", "事项编码参数无效", str(exc), status=400) from exc


def create_item(
    *,
    actor: Any,
    department: Department,
    level: str,
    basic_code: str,
    content: GuideContent,
    parent: ServiceItem | None = None,
    handling: int | None = None,
) -> ItemVersion:
    """Create an item implemented by ``department`` with a first draft version."""
    if not (
        permissions.is_platform_admin(actor) or permissions.has_role(actor, "department_admin", department)
    ):
        raise _forbidden()
    if level not in Level.values:
        raise DomainError("invalid_level", "行使层级无效", "unknown level", status=400)
    if (parent is None) != (handling is None):
        raise DomainError(
            "invalid_item_code",
            "业务办理项须同时给出所属事项和编号",
            "a handling item needs a parent and a number",
        )
    check_content(content)
    code = _implementation_code(department, level, basic_code, handling)
    if parent is not None and (parent.implementation_code != code[:31] or parent.parent_id is not None):
        raise DomainError(
            "invalid_item_code",
            "业务办理项编码须以所属事项实施编码开头",
            "a handling code extends its parent's code",
        )
    with transaction.atomic():
        if ServiceItem.objects.filter(implementation_code=code).exists():
            raise Conflict(
                "item_exists", f"实施编码 {code} 已存在", f"implementation code {code} exists", status=409
            )
        item = ServiceItem.objects.create(
            implementation_code=code,
            basic_code=basic_code,
            kind=basic_code[:2],
            department=department,
            level=level,
            parent=parent,
        )
        version = ItemVersion(item=item, number=1, created_by=actor if _is_user(actor) else None)
        write_content(version, content)
        record_event(actor=actor, action="catalog.item.created", obj=item, after=snapshot(version))
    return version


def _is_user(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def start_revision(*, actor: Any, item: ServiceItem, change_note: str = "") -> ItemVersion:
    """A new draft copied from the published (or latest) version; one open draft per item."""
    _require(actor, item, "edit")
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().get(pk=item.pk)
        if item.versions.filter(status__in=[Status.DRAFT, Status.REVIEW]).exists():
            raise Conflict(
                "draft_exists",
                "该事项已有未发布的草稿或待审核版本",
                "the item already has an unpublished version",
            )
        source = item.current_version or item.versions.order_by("-number").first()
        if source is None:
            raise Conflict("no_version", "该事项没有可复制的版本", "the item has no version to copy")
        content = read_content(source)
        content.change_note = change_note
        number = (item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ItemVersion(item=item, number=number, created_by=actor if _is_user(actor) else None)
        write_content(version, content)
        record_event(
            actor=actor,
            action="catalog.version.started",
            obj=version,
            before=snapshot(source),
            after=snapshot(version),
        )
    return version


def update_draft(*, actor: Any, version: ItemVersion, content: GuideContent) -> ItemVersion:
    _require(actor, version, "edit")
    check_content(content)
    with transaction.atomic():
        locked = ItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)
        if locked.status != Status.DRAFT:
            raise Conflict("not_draft", "只有草稿可以修改", "only a draft can be changed")
        before = read_content(locked).as_dict()
        write_content(locked, content)
        record_event(
            actor=actor,
            action="catalog.version.updated",
            obj=locked,
            before=before,
            after=content.as_dict(),
        )
    return locked


def _transition(
    *, actor: Any, version: ItemVersion, action: str, allowed: set[str], to: str, audit: str, note: str = ""
) -> ItemVersion:
    _require(actor, version, action)
    with transaction.atomic():
        locked = ItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)
        if locked.status not in allowed:
            raise Conflict(
                "invalid_transition",
                f"当前状态（{locked.get_status_display()}）不允许此操作",
                f"not allowed from status {locked.status}",
            )
        before = snapshot(locked)
        locked.status = to
        locked.save(update_fields=["status"])
        record_event(
            actor=actor, action=audit, obj=locked, before=before, after={**snapshot(locked), "note": note}
        )
    return locked


def submit_for_review(*, actor: Any, version: ItemVersion) -> ItemVersion:
    return _transition(
        actor=actor,
        version=version,
        action="submit",
        allowed={Status.DRAFT},
        to=Status.REVIEW,
        audit="catalog.version.submitted",
    )


def return_to_draft(*, actor: Any, version: ItemVersion, reason: str) -> ItemVersion:
    return _transition(
        actor=actor,
        version=version,
        action="publish",
        allowed={Status.REVIEW},
        to=Status.DRAFT,
        audit="catalog.version.returned",
        note=reason,
    )


def publish(*, actor: Any, version: ItemVersion) -> ItemVersion:
    """Publish a reviewed version: it replaces the item's published one and is indexed for search."""
    _require(actor, version, "publish")
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().get(pk=version.item_id)
        locked = ItemVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != Status.REVIEW:
            raise Conflict(
                "invalid_transition", "只有待审核的版本可以发布", "only a version in review can be published"
            )
        previous = item.current_version
        activate_version(item, locked)
        record_event(
            actor=actor,
            action="catalog.version.published",
            obj=locked,
            before=snapshot(previous) if previous else None,
            after=snapshot(locked),
        )
    return locked


def activate_version(item: ServiceItem, version: ItemVersion) -> int:
    """Make ``version`` the item's published one and index it; return the number of search terms.

    The caller holds the transaction and writes the audit event (one per change, or one for a
    whole demo seed).
    """
    item.versions.filter(status=Status.PUBLISHED).exclude(pk=version.pk).update(status=Status.SUPERSEDED)
    version.status = Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    item.current_version = version
    item.save(update_fields=["current_version"])
    return search.reindex_item(item)


def withdraw(*, actor: Any, item: ServiceItem, reason: str) -> ServiceItem:
    """Take an item off the public catalogue (its versions stay for the cases that use them)."""
    _require(actor, item, "withdraw")
    if not reason.strip():
        raise DomainError("reason_required", "撤回须说明理由", "a reason is required")
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().get(pk=item.pk)
        current = item.current_version
        if current is None:
            raise Conflict("not_published", "该事项未发布", "the item is not published")
        ItemVersion.objects.filter(pk=current.pk).update(status=Status.WITHDRAWN)
        item.current_version = None
        item.save(update_fields=["current_version"])
        search.reindex_item(item)
        record_event(
            actor=actor,
            action="catalog.item.withdrawn",
            obj=item,
            before=snapshot(current),
            after={"status": Status.WITHDRAWN, "reason": reason},
        )
    return item


def publish_directly(*, actor: Any, version: ItemVersion, action: str) -> ItemVersion:
    """Publish without the review step, for bulk loads that were reviewed as a whole (import, seed).

    The caller holds the transaction and has checked permission for the whole load.
    """
    item = version.item
    previous = item.current_version
    activate_version(item, version)
    record_event(
        actor=actor,
        action=action,
        obj=version,
        before=snapshot(previous) if previous else None,
        after=snapshot(version),
    )
    return version


def note_item_used(*, item: ServiceItem, amount: int = 1) -> None:
    """Count demand for an item (hot items, search tie-break).

    A counter, not a state change of the item, so it writes no audit event; cases call it on filing.
    """
    ServiceItem.objects.filter(pk=item.pk).update(popularity=F("popularity") + amount)
