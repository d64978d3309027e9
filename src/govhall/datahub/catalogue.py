"""The resource catalogue (政务信息资源目录): registration by the provider and the Excel export.

A resource backed by a base database takes its element types from that base (a department cannot
declare the ID number "not personal"), and only the base's registrar publishes it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.datahub import permissions as hub_permissions
from govhall.datahub.datasets import DATASETS
from govhall.datahub.models import DataElement, Dataset, ElementType, FieldSource, Resource
from govhall.identity.models import Department

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")
ELEMENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


@dataclass(frozen=True)
class ElementSpec:
    name: str
    label: str
    data_type: str = ElementType.TEXT
    is_personal: bool = False
    description: str = ""


def _invalid(code: str, zh: str, en: str, field: str) -> DomainError:
    return DomainError(code, zh, en, status=422, details={"field": field})


def _clean_elements(dataset: str, elements: Sequence[ElementSpec]) -> list[ElementSpec]:
    if not elements:
        raise _invalid(
            "elements_required", "至少登记一个数据项", "register at least one data element", "elements"
        )
    seen: set[str] = set()
    cleaned: list[ElementSpec] = []
    spec = DATASETS.get(dataset) if dataset else None
    for element in elements:
        name = element.name.strip()
        if not ELEMENT_NAME.match(name):
            raise _invalid(
                "element_name",
                f"数据项标识符“{name}”应为小写字母开头的字母、数字、下划线",
                f"element identifier {name!r} must be lower-case letters, digits and underscores",
                "elements",
            )
        if name in seen:
            raise _invalid(
                "element_duplicate", f"数据项“{name}”重复", f"element {name!r} appears twice", "elements"
            )
        seen.add(name)
        if element.data_type not in ElementType.values:
            raise _invalid("element_type", "数据类型无效", "unknown data type", "elements")
        if spec is not None:
            if not spec.has_field(name):
                raise _invalid(
                    "element_not_in_dataset",
                    f"基础库中没有数据项“{name}”",
                    f"the base dataset has no field {name!r}",
                    "elements",
                )
            field = spec.field(name)
            element = ElementSpec(
                name, element.label or field.label_zh, field.data_type, field.personal, element.description
            )
        if not element.label.strip():
            raise _invalid(
                "element_label", "数据项须有中文名称", "every element needs a standard name", "elements"
            )
        cleaned.append(
            ElementSpec(
                name,
                element.label.strip()[:100],
                element.data_type,
                element.is_personal,
                element.description[:200],
            )
        )
    return cleaned


def _may_publish_dataset(provider: Department, dataset: str) -> bool:
    if dataset == Dataset.CREDIT:
        return True
    if dataset == Dataset.MACRO:
        return FieldSource.objects.filter(dataset=dataset, department=provider).exists()
    key_field = DATASETS[dataset].key_field
    return FieldSource.objects.filter(dataset=dataset, field=key_field, department=provider).exists()


def _next_code(provider: Department) -> str:
    prefix = f"{provider.region.code}-{provider.code}-"
    taken = Resource.objects.filter(code__startswith=prefix).count()
    return f"{prefix}{taken + 1:04d}"


def register_resource(
    *,
    actor: Any,
    provider: Department,
    name: str,
    summary: str,
    elements: Sequence[ElementSpec],
    key_element: str,
    sharing_type: str,
    update_cycle: str,
    access_methods: Iterable[str],
    code: str = "",
    dataset: str = "",
    sharing_conditions: str = "",
    not_shared_reason: str = "",
    open_type: str = Resource.OpenType.NOT_OPEN,
    format: str = Resource.Format.DATABASE,
) -> Resource:
    """Register one of ``provider``'s data resources in the catalogue."""
    if not hub_permissions.is_officer_of(actor, provider.pk):
        raise PermissionDenied(
            "forbidden",
            "只有提供部门的数据专员可以登记资源",
            "only the provider's data officer registers its resources",
        )
    if not name.strip() or not summary.strip():
        raise _invalid("name_required", "资源名称和摘要必填", "name and summary are required", "name")
    if dataset and dataset not in Dataset.values:
        raise _invalid("dataset_unknown", "基础库无效", "unknown base dataset", "dataset")
    if dataset and not _may_publish_dataset(provider, dataset):
        raise PermissionDenied(
            "not_dataset_source",
            "只有基础库的权威来源部门可以发布该基础库资源",
            "only the base dataset's source department publishes it",
        )
    cleaned = _clean_elements(dataset, elements)
    if key_element not in {e.name for e in cleaned}:
        raise _invalid(
            "key_element", "主键须是已登记的数据项", "the key must be one of the elements", "key_element"
        )
    if dataset and key_element != DATASETS[dataset].key_field:
        raise _invalid(
            "key_element",
            "基础库资源的主键须为该库的记录键",
            "a base dataset resource is keyed by the dataset's key field",
            "key_element",
        )
    if sharing_type not in Resource.SharingType.values:
        raise _invalid("sharing_type", "共享类型无效", "unknown sharing type", "sharing_type")
    if sharing_type == Resource.SharingType.NOT_SHARED and not not_shared_reason.strip():
        raise _invalid(
            "not_shared_reason",
            "不予共享须写明法律法规依据",
            "a resource that is not shared needs its legal reason",
            "not_shared_reason",
        )
    if sharing_type == Resource.SharingType.CONDITIONAL and not sharing_conditions.strip():
        raise _invalid(
            "sharing_conditions",
            "有条件共享须写明共享条件",
            "conditional sharing needs its conditions",
            "sharing_conditions",
        )
    methods = sorted(set(access_methods))
    if not methods or not set(methods) <= set(Resource.AccessMethod.values):
        raise _invalid(
            "access_methods", "请选择共享方式", "choose how the resource is accessed", "access_methods"
        )
    for value, choices, field in (
        (open_type, Resource.OpenType.values, "open_type"),
        (update_cycle, Resource.UpdateCycle.values, "update_cycle"),
        (format, Resource.Format.values, "format"),
    ):
        if value not in choices:
            raise _invalid(f"{field}_invalid", "取值无效", "invalid value", field)
    code = code.strip().upper()
    if code and not CODE_PATTERN.match(code):
        raise _invalid(
            "resource_code",
            "资源代码应为 3–40 位大写字母、数字或连字符",
            "a resource code has 3–40 A–Z, 0–9 or -",
            "code",
        )
    try:
        with transaction.atomic():
            resource = Resource.objects.create(
                code=code or _next_code(provider),
                name=name.strip()[:200],
                provider=provider,
                summary=summary.strip(),
                dataset=dataset,
                key_element=key_element,
                sharing_type=sharing_type,
                sharing_conditions=sharing_conditions.strip(),
                not_shared_reason=not_shared_reason.strip(),
                open_type=open_type,
                update_cycle=update_cycle,
                format=format,
                access_methods=methods,
                registered_by=actor,
            )
            DataElement.objects.bulk_create(
                DataElement(
                    resource=resource,
                    name=e.name,
                    label=e.label,
                    data_type=e.data_type,
                    is_personal=e.is_personal,
                    description=e.description,
                    position=position,
                )
                for position, e in enumerate(cleaned)
            )
            record_event(
                actor=actor,
                action="datahub.resource.register",
                obj=resource,
                after={
                    "code": resource.code,
                    "name": resource.name,
                    "provider": provider.pk,
                    "dataset": dataset,
                    "sharing_type": sharing_type,
                    "elements": [e.name for e in cleaned],
                },
            )
    except IntegrityError:
        raise Conflict("resource_code_taken", "资源代码已被使用", "the resource code is taken") from None
    return resource


def set_resource_active(*, actor: Any, resource: Resource, active: bool) -> Resource:
    if not permissions.can_act(actor, resource, "edit"):
        raise PermissionDenied("forbidden", "无权修改该资源", "you may not change this resource")
    with transaction.atomic():
        before = resource.is_active
        Resource.objects.filter(pk=resource.pk).update(is_active=active)
        resource.is_active = active
        record_event(
            actor=actor,
            action="datahub.resource.set_active",
            obj=resource,
            before={"active": before},
            after={"active": active},
        )
    return resource


# --- Export ----------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    ("code", "资源代码 code"),
    ("name", "资源名称 name"),
    ("provider", "提供方 provider"),
    ("summary", "资源摘要 summary"),
    ("elements", "数据项 data elements"),
    ("sharing_type", "共享类型 sharing type"),
    ("conditions", "共享条件/不予共享依据 conditions or reason"),
    ("open_type", "开放类型 open type"),
    ("update_cycle", "更新周期 update cycle"),
    ("format", "资源格式 format"),
    ("access_methods", "共享方式 access methods"),
]


def catalogue_workbook(resources: Iterable[Resource]) -> bytes:
    """The catalogue as an .xlsx file: one row per resource, elements as ``名称(标识符:类型)``."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "资源目录 catalogue"
    sheet.append([header for _, header in EXPORT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0B4F9C")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    methods = dict(Resource.AccessMethod.choices)
    for resource in resources:
        elements = "；".join(
            f"{e.label}({e.name}:{e.data_type}{',个人' if e.is_personal else ''})"
            for e in resource.elements.all()
        )
        sheet.append(
            [
                resource.code,
                resource.name,
                resource.provider.name,
                resource.summary,
                elements,
                resource.get_sharing_type_display(),
                resource.not_shared_reason or resource.sharing_conditions,
                resource.get_open_type_display(),
                resource.get_update_cycle_display(),
                resource.get_format_display(),
                "、".join(str(methods.get(m, m)) for m in resource.access_methods),
            ]
        )
    for column, width in zip("ABCDEFGHIJK", (24, 30, 26, 40, 60, 18, 40, 18, 12, 14, 24), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
