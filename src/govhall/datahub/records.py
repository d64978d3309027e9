"""Applying one validated row to a base record under "one datum, one source".

:func:`plan_row` decides, field by field, whether the writing department's value is applied (it is
the field's source) or queued as a :class:`ContributedUpdate` for the source to confirm. It touches
no database rows itself, so single edits and bulk imports share it and write in their own way.

Rules: only the source of the record key (the registrar) creates records — the public security
bureau registers people, market regulation registers enterprises; empty cells mean "no
information", never "clear this field"; key fields never change. Credit rows belong to the
department that decided them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models

from govhall.core.crypto import encrypt_text, lookup_hash
from govhall.datahub.datasets import DatasetSpec, record_key, record_label
from govhall.datahub.models import BaseRecord, ContributedUpdate, CreditRecord, Dataset, FieldSource
from govhall.datahub.validators import RowError
from govhall.identity.models import Department

SourceMap = dict[str, int]


def load_sources(dataset: str) -> SourceMap:
    return dict(FieldSource.objects.filter(dataset=dataset).values_list("field", "department_id"))


@dataclass
class Planned:
    record: BaseRecord
    created: bool
    # field -> (before, after) as shown: masked where personal
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    contributions: list[ContributedUpdate] = field(default_factory=list)


def display(record_or_model: BaseRecord | type[BaseRecord], name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    masker = record_or_model.ENCRYPTED.get(name)
    if masker is not None:
        return masker(str(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def same_value(current: Any, new: Any) -> bool:
    if isinstance(current, Decimal) or isinstance(new, Decimal):
        try:
            return current is not None and Decimal(str(current)) == Decimal(str(new))
        except ArithmeticError:
            return False
    return bool(current == new)


def owner_of(spec: DatasetSpec, sources: SourceMap, name: str, values: dict[str, Any]) -> int | None:
    if spec.dataset == Dataset.MACRO:
        return sources.get(str(values["indicator_code"]))
    return sources.get(name) or sources.get(spec.key_field)


def plan_row(
    *,
    spec: DatasetSpec,
    values: dict[str, Any],
    existing: BaseRecord | None,
    department: Department,
    sources: SourceMap,
    contributor_id: int | None,
    pending: set[tuple[str, str, str]] | None = None,
) -> Planned:
    """What writing ``values`` as ``department`` does to ``existing`` (or to a new record)."""
    if not spec.field_sources:
        return _plan_owned_row(spec, values, existing, department)
    registrar = owner_of(spec, sources, spec.key_field, values)
    if registrar is None:
        raise RowError(
            "该数据尚未配置权威来源部门，请联系平台管理员",
            "no source department is configured for this data; ask the platform administrator",
            field=spec.key_field,
        )
    created = existing is None
    if existing is None:
        if registrar != department.pk:
            raise RowError(
                "记录不存在；新记录只能由权威来源部门登记",
                "no such record; only the source department registers new records",
                field=spec.key_field,
            )
        _require_complete(spec, values)
        record = spec.model(record_key=record_key(spec.dataset, values))
    else:
        record = existing
    plan = Planned(record=record, created=created)
    label = ""
    for name, value in values.items():
        if value is None:
            continue
        is_key = name == spec.key_field or (spec.dataset == Dataset.MACRO and name in _MACRO_KEY)
        if is_key:
            if created:
                record.assign(name, value)
            continue
        current = None if created else record.value_of(name)
        if not created and same_value(current, value):
            continue
        owner = owner_of(spec, sources, name, values)
        if owner == department.pk:
            record.assign(name, value)
            plan.changed[name] = (display(record, name, current), display(record, name, value))
            continue
        assert owner is not None  # the registrar stands in for fields without their own source
        digest = lookup_hash(str(value))
        if pending is not None:
            marker = (record.record_key, name, digest)
            if marker in pending:
                continue
            pending.add(marker)
        label = label or _label(spec, record, values)
        plan.contributions.append(
            ContributedUpdate(
                dataset=spec.dataset,
                record_key=record.record_key,
                record_label=label,
                field=name,
                proposed_encrypted=encrypt_text(_as_text(value)),
                proposed_hash=digest,
                proposed_display=display(record, name, value),
                current_display=display(record, name, current),
                contributor_department=department,
                contributed_by_id=contributor_id,
                source_department_id=owner,
            )
        )
    return plan


def _require_complete(spec: DatasetSpec, values: dict[str, Any]) -> None:
    missing = spec.missing_for_new(values)
    if missing:
        raise RowError(
            "新记录缺少必填项：" + "、".join(spec.field(name).label_zh for name in missing),
            "a new record lacks required fields: " + ", ".join(missing),
            field=missing[0],
        )


_MACRO_KEY = frozenset({"indicator_code", "division_code", "period"})


def _label(spec: DatasetSpec, record: BaseRecord, values: dict[str, Any]) -> str:
    if spec.dataset == Dataset.POPULATION and not record.masked_value_of("id_number"):
        record.assign("id_number", values["id_number"])
    return record_label(spec.dataset, record)[:200]


def _as_text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _plan_owned_row(
    spec: DatasetSpec, values: dict[str, Any], existing: BaseRecord | None, department: Department
) -> Planned:
    if existing is not None:
        assert isinstance(existing, CreditRecord)
        if existing.source_department_id != department.pk:
            raise RowError(
                "该记录属于其他部门，不能修改", "the record belongs to another department", field="reference"
            )
        record: BaseRecord = existing
    else:
        _require_complete(spec, values)
        if not values.get("subject_uscc") and not values.get("subject_id_number"):
            raise RowError(
                "主体统一社会信用代码与身份证号码须填且只填一项",
                "give either the subject's credit code or ID number",
                field="subject_uscc",
            )
        record = CreditRecord(
            record_key=record_key(spec.dataset, values, department_code=department.code),
            source_department=department,
        )
    plan = Planned(record=record, created=existing is None)
    for name, value in values.items():
        if value is None:
            continue
        current = None if plan.created else record.value_of(name)
        if plan.created:
            record.assign(name, value)
            continue
        if same_value(current, value):
            continue
        if name in {"subject_uscc", "subject_id_number"}:
            raise RowError(
                "信用记录的主体不能更改", "the subject of a credit record cannot change", field=name
            )
        record.assign(name, value)
        plan.changed[name] = (display(record, name, current), display(record, name, value))
    return plan


def coerce_for_model(record: BaseRecord, name: str, value: str) -> Any:
    """A contribution's stored text back to the field's type."""
    model_field = record._meta.get_field(name if name not in record.ENCRYPTED else f"{name}_encrypted")
    internal = model_field.get_internal_type() if isinstance(model_field, models.Field) else ""

    if internal == "DateField":
        return date.fromisoformat(value)
    if internal == "DecimalField":
        return Decimal(value)
    return value
