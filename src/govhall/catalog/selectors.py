"""Reads of the catalogue, already narrowed to what the reader may see.

The public catalogue (pages and API) shows only items with a published version; staff who maintain
items read them through :func:`maintainable_items`, which asks :mod:`govhall.core.permissions`.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet

from govhall.catalog import search
from govhall.catalog.codes import as_domain_error, parse_implementation_code
from govhall.catalog.filters import ItemFilters
from govhall.catalog.models import POWER_KINDS, ItemVersion, Kind, ServiceItem, Target, Theme
from govhall.core import permissions
from govhall.core.errors import NotFound
from govhall.identity.models import Department


def published_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(current_version__isnull=False).select_related(
        "current_version", "department", "department__region"
    )


def maintainable_items(user: Any) -> QuerySet[ServiceItem]:
    return permissions.restrict(ServiceItem.objects.all(), user, "edit").select_related(
        "current_version", "department"
    )


def _filtered(filters: ItemFilters) -> QuerySet[ServiceItem]:
    qs = published_items()
    if filters.target:
        if filters.target == Target.BOTH:
            qs = qs.filter(current_version__target=Target.BOTH)
        else:
            qs = qs.filter(current_version__target__in=[filters.target, Target.BOTH])
    if filters.theme is not None:
        qs = qs.filter(current_version__themes=filters.theme)
    if filters.department is not None:
        qs = qs.filter(department=filters.department)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.star is not None:
        qs = qs.filter(current_version__star_level__gte=filters.star)
    if filters.online is not None:
        qs = qs.filter(
            current_version__online_depth__gte=3 if filters.online else 1,
            current_version__online_depth__lte=4 if filters.online else 2,
        )
    return qs


@dataclass
class ItemPage:
    items: list[ServiceItem]
    total: int
    page: int
    page_size: int
    scores: dict[int, float] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def list_items(filters: ItemFilters) -> ItemPage:
    """One page of published items matching ``filters``; searched items come in rank order."""
    qs = _filtered(filters)
    start = (filters.page - 1) * filters.page_size
    end = start + filters.page_size
    if not filters.q:
        total = qs.count()
        rows = list(qs.order_by("-popularity", "implementation_code")[start:end])
        return ItemPage(rows, total, filters.page, filters.page_size)
    hits = search.search(filters.q)
    allowed = set(qs.filter(id__in=[hit.item_id for hit in hits]).values_list("id", flat=True))
    ranked = [hit for hit in hits if hit.item_id in allowed]
    page_ids = [hit.item_id for hit in ranked[start:end]]
    by_id = published_items().in_bulk(page_ids)
    return ItemPage(
        [by_id[item_id] for item_id in page_ids if item_id in by_id],
        len(ranked),
        filters.page,
        filters.page_size,
        scores={hit.item_id: hit.score for hit in ranked[start:end]},
    )


def _guide_prefetches() -> list[Any]:
    return [
        "current_version__materials",
        "current_version__fees",
        "current_version__special_procedures",
        "current_version__faqs",
        Prefetch("current_version__themes", queryset=Theme.objects.order_by("audience", "order")),
        Prefetch("current_version__joint_departments", queryset=Department.objects.order_by("code")),
        Prefetch(
            "handling_items",
            queryset=ServiceItem.objects.filter(current_version__isnull=False).select_related(
                "current_version"
            ),
        ),
    ]


def get_published_item(code: str) -> ServiceItem:
    """The published item with ``code`` and its whole guide; 400 for a malformed code, 404 if unknown."""
    try:
        parsed = parse_implementation_code(code)
    except ValidationError as exc:
        raise as_domain_error(exc) from exc
    item = (
        published_items()
        .select_related("parent", "parent__current_version")
        .prefetch_related(*_guide_prefetches())
        .filter(implementation_code=parsed.code)
        .first()
    )
    if item is None:
        raise NotFound(
            "item_not_found",
            f"事项 {parsed.code} 不存在或未发布",
            f"item {parsed.code} does not exist or is not published",
        )
    return item


def version_of(user: Any, version_id: int) -> ItemVersion:
    version = permissions.restrict(ItemVersion.objects.select_related("item"), user, "view").filter(
        pk=version_id
    )
    found = version.first()
    if found is None:
        raise NotFound("version_not_found", "事项版本不存在", "item version not found")
    return found


def themes_with_counts(audience: str | None = None) -> list[Theme]:
    qs = Theme.objects.annotate(
        item_count=Count("versions", filter=Q(versions__status=ItemVersion.Status.PUBLISHED))
    ).order_by("audience", "order")
    if audience:
        qs = qs.filter(audience=audience)
    return list(qs)


def departments_with_counts() -> list[Department]:
    return list(
        Department.objects.filter(is_active=True)
        .select_related("region")
        .annotate(item_count=Count("items", filter=Q(items__current_version__isnull=False)))
        .filter(item_count__gt=0)
        .order_by("region__code", "code")
    )


_SHORT_CODE = re.compile(r"^[A-Za-z0-9-]{1,20}$")


def get_department(code: str) -> Department:
    department = None
    if _SHORT_CODE.match(code):
        department = (
            Department.objects.filter(code=code.upper(), is_active=True).select_related("region").first()
        )
    if department is None:
        raise NotFound(
            "department_not_found", f"部门 {code[:20]} 不存在", f"department {code[:20]!r} not found"
        )
    return department


def get_theme(code: str) -> Theme:
    theme = Theme.objects.filter(code=code.upper()).first() if _SHORT_CODE.match(code) else None
    if theme is None:
        raise NotFound("theme_not_found", f"主题 {code[:20]} 不存在", f"theme {code[:20]!r} not found")
    return theme


def hot_items(limit: int = 10) -> list[ServiceItem]:
    return list(published_items().order_by("-popularity", "implementation_code")[:limit])


def star_counts() -> dict[int, int]:
    rows = published_items().values_list("current_version__star_level").annotate(n=Count("id"))
    return {int(level): int(count) for level, count in rows}


@dataclass
class PowerGroup:
    department: Department
    kinds: list[tuple[str, str, list[ServiceItem]]]

    @property
    def total(self) -> int:
        return sum(len(items) for _, _, items in self.kinds)


def power_list(region_code: str | None = None) -> list[PowerGroup]:
    """The power list (权力清单): every published power item, by department then kind."""
    qs = published_items().filter(kind__in=POWER_KINDS, parent__isnull=True)
    if region_code:
        qs = qs.filter(department__region__code=region_code)
    labels = dict(Kind.choices)
    groups: OrderedDict[int, tuple[Department, OrderedDict[str, list[ServiceItem]]]] = OrderedDict()
    for item in qs.order_by("department__region__code", "department__code", "kind", "basic_code"):
        _, kinds = groups.setdefault(item.department_id, (item.department, OrderedDict()))
        kinds.setdefault(item.kind, []).append(item)
    return [
        PowerGroup(department, [(kind, str(labels[kind]), items) for kind, items in kinds.items()])
        for department, kinds in groups.values()
    ]
