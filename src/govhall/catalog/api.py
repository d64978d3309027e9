"""/api/v1/catalog/: the public, read-only service catalogue."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from govhall.catalog import selectors
from govhall.catalog.filters import parse_filters
from govhall.catalog.models import ItemVersion, ServiceItem
from govhall.core.api import ErrorOut
from govhall.core.errors import DomainError
from govhall.identity.models import Department

router = Router(tags=["事项目录 catalogue"])


class DepartmentRef(Schema):
    code: str
    name: str
    region_code: str


class ThemeOut(Schema):
    code: str
    name: str
    name_en: str
    audience: str
    item_count: int


class DepartmentOut(DepartmentRef):
    short_name: str
    item_count: int


class ItemSummaryOut(Schema):
    implementation_code: str
    basic_code: str
    name: str
    kind: str
    kind_label: str
    level: str
    target: str
    department: DepartmentRef
    version: int
    star_level: int
    stars: str
    online_depth: int
    can_apply_online: bool
    item_type: str
    statutory_days: int
    promised_days: int
    trips: int
    url: str


class ItemPageOut(Schema):
    items: list[ItemSummaryOut]
    total: int
    page: int
    page_size: int
    pages: int


class MaterialOut(Schema):
    name: str
    required: bool
    condition: str
    original: bool
    copies: int
    medium: str
    source: str
    licence_type: str
    has_form: bool
    has_sample: bool
    note: str


class FeeOut(Schema):
    name: str
    amount: Decimal
    basis: str


class ProcedureOut(Schema):
    kind: str
    name: str
    max_days: int


class FaqOut(Schema):
    question: str
    answer: str


class ItemRef(Schema):
    implementation_code: str
    name: str


class ItemDetailOut(ItemSummaryOut):
    aliases: list[str]
    themes: list[ThemeOut]
    joint_departments: list[DepartmentRef]
    legal_basis: str
    conditions: str
    original_check: str
    materials: list[MaterialOut]
    fees: list[FeeOut]
    special_procedures: list[ProcedureOut]
    faqs: list[FaqOut]
    process_template: str
    process_steps: list[str]
    place: str
    hours: str
    consult_phone: str
    complaint_phone: str
    result_licence_type: str
    published_at: datetime | None
    parent: ItemRef | None
    handling_items: list[ItemRef]


class ItemQuery(Schema):
    q: str | None = None
    target: str | None = None
    theme: str | None = None
    department: str | None = None
    level: str | None = None
    kind: str | None = None
    star: str | None = None
    online: str | None = None
    page: str | None = None
    page_size: str | None = None


def _department(department: Department) -> DepartmentRef:
    return DepartmentRef(code=department.code, name=department.name, region_code=department.region.code)


def _summary_fields(item: ServiceItem, version: ItemVersion) -> dict[str, object]:
    return {
        "implementation_code": item.implementation_code,
        "basic_code": item.basic_code,
        "name": version.name,
        "kind": item.kind,
        "kind_label": item.get_kind_display(),
        "level": item.level,
        "target": version.target,
        "department": _department(item.department),
        "version": version.number,
        "star_level": version.star_level,
        "stars": version.stars,
        "online_depth": version.online_depth,
        "can_apply_online": version.can_apply_online,
        "item_type": version.item_type,
        "statutory_days": version.statutory_days,
        "promised_days": version.promised_days,
        "trips": version.trips,
        "url": f"/items/{item.implementation_code}/",
    }


def _version(item: ServiceItem) -> ItemVersion:
    assert item.current_version is not None  # selectors return published items only
    return item.current_version


@router.get(
    "/items",
    response={200: ItemPageOut, 400: ErrorOut},
    auth=None,
    summary="事项列表与检索 List and search published items",
)
def list_items(request: HttpRequest, params: Query[ItemQuery]) -> ItemPageOut:
    """Published items, filtered; with ``q`` they come in search-rank order.

    ``target`` person/legal/both · ``theme`` theme code (P01…, L01…) · ``department`` department code ·
    ``level`` province/city/county/township · ``kind`` 01–10, 20 · ``star`` minimum star level 1–5 ·
    ``online`` 1/0 (can be applied for online) · ``page`` · ``page_size`` (≤ 100).
    """
    filters = parse_filters({k: v for k, v in params.dict().items() if v is not None})
    page = selectors.list_items(filters)
    return ItemPageOut(
        items=[ItemSummaryOut(**_summary_fields(item, _version(item))) for item in page.items],  # type: ignore[arg-type]
        total=page.total,
        page=page.page,
        page_size=page.page_size,
        pages=page.pages,
    )


@router.get(
    "/items/{implementation_code}",
    response={200: ItemDetailOut, 400: ErrorOut, 404: ErrorOut},
    auth=None,
    summary="办事指南 An item's full guide",
)
def item_detail(request: HttpRequest, implementation_code: str) -> ItemDetailOut:
    """400 ``invalid_item_code`` for a malformed code, 404 ``item_not_found`` for an unknown one."""
    item = selectors.get_published_item(implementation_code)
    version = _version(item)
    parent = item.parent
    return ItemDetailOut(
        **_summary_fields(item, version),  # type: ignore[arg-type]
        aliases=list(version.aliases),
        themes=[
            ThemeOut(code=t.code, name=t.name, name_en=t.name_en, audience=t.audience, item_count=0)
            for t in version.themes.all()
        ],
        joint_departments=[_department(d) for d in version.joint_departments.all()],
        legal_basis=version.legal_basis,
        conditions=version.conditions,
        original_check=version.original_check,
        materials=[MaterialOut.model_validate(m) for m in version.materials.all()],
        fees=[FeeOut.model_validate(fee) for fee in version.fees.all()],
        special_procedures=[ProcedureOut.model_validate(p) for p in version.special_procedures.all()],
        faqs=[FaqOut.model_validate(faq) for faq in version.faqs.all()],
        process_template=version.process_template,
        process_steps=list(version.process_steps),
        place=version.place,
        hours=version.hours,
        consult_phone=version.consult_phone,
        complaint_phone=version.complaint_phone,
        result_licence_type=version.result_licence_type,
        published_at=version.published_at,
        parent=ItemRef(implementation_code=parent.implementation_code, name=str(parent)) if parent else None,
        handling_items=[
            ItemRef(implementation_code=h.implementation_code, name=str(h)) for h in item.handling_items.all()
        ],
    )


@router.get(
    "/themes",
    response={200: list[ThemeOut], 400: ErrorOut},
    auth=None,
    summary="主题 Themes with their item counts",
)
def themes(request: HttpRequest, audience: str | None = None) -> list[ThemeOut]:
    """``audience`` person or legal narrows the list."""
    if audience and audience not in {"person", "legal"}:
        raise DomainError(
            "invalid_audience", "audience 应为 person 或 legal", "audience must be person or legal"
        )
    return [
        ThemeOut(code=t.code, name=t.name, name_en=t.name_en, audience=t.audience, item_count=t.item_count)  # type: ignore[attr-defined]
        for t in selectors.themes_with_counts(audience or None)
    ]


@router.get(
    "/departments", response=list[DepartmentOut], auth=None, summary="部门 Departments that publish items"
)
def departments(request: HttpRequest) -> list[DepartmentOut]:
    return [
        DepartmentOut(
            code=d.code,
            name=d.name,
            short_name=d.short_name,
            region_code=d.region.code,
            item_count=d.item_count,  # type: ignore[attr-defined]
        )
        for d in selectors.departments_with_counts()
    ]
