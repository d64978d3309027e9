"""Reading a resource's rows, whatever holds them: a base database or the department's own table.

Values leave here in one of three forms: masked (personal fields on screens and in API answers),
clear (a grant that names the field as unmasked), or as the keyed hash (personal keys exported for
comparisons, so that two resources join on ID numbers without either being decrypted).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet

from govhall.core.crypto import decrypt_text, lookup_hash, mask_middle
from govhall.datahub.datasets import key_lookup, spec_of
from govhall.datahub.models import (
    DataElement,
    Dataset,
    ElementType,
    FieldSource,
    Resource,
    ResourceRecord,
)
from govhall.datahub.models.base import mask_id_number, mask_name

SEALED_PREFIX = "v1:"


def mask_text(value: str) -> str:
    """Mask a personal value of a department's table: names keep the surname, longer text its ends."""
    if len(value) <= 4:
        return mask_name(value)
    edge = max(1, len(value) // 4)
    return mask_middle(value, keep_start=edge, keep_end=edge)


def mask_element(data_type: str, value: str) -> str:
    if not value:
        return ""
    return mask_id_number(value) if data_type == ElementType.ID_NUMBER else mask_text(value)


def normalise_key(data_type: str, value: str) -> str:
    """The join form of a key: ID numbers as keyed hashes, codes upper-case, other text stripped."""
    text = value.strip()
    if data_type == ElementType.ID_NUMBER:
        return lookup_hash(text)
    if data_type in {ElementType.USCC, ElementType.DIVISION}:
        return text.upper()
    return text


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return value


def elements_of(resource: Resource) -> dict[str, DataElement]:
    cached: dict[str, DataElement] | None = getattr(resource, "_elements_by_name", None)
    if cached is None:
        cached = {element.name: element for element in resource.elements.all()}
        resource._elements_by_name = cached  # type: ignore[attr-defined]
    return cached


def rows_queryset(resource: Resource) -> QuerySet[Any]:
    """Every row the resource publishes (a base-backed resource shows only its provider's share)."""
    if not resource.dataset:
        return ResourceRecord.objects.filter(resource=resource)
    model = spec_of(resource.dataset).model
    qs: QuerySet[Any] = model._default_manager.all()
    if resource.dataset == Dataset.CREDIT:
        qs = qs.filter(source_department_id=resource.provider_id)
    elif resource.dataset == Dataset.MACRO:
        indicators = FieldSource.objects.filter(
            dataset=Dataset.MACRO, department_id=resource.provider_id
        ).values("field")
        qs = qs.filter(indicator_code__in=indicators)
    return qs


def filter_rows(
    resource: Resource, qs: QuerySet[Any], *, key: str = "", updated_since: datetime | None = None
) -> QuerySet[Any]:
    if key:
        if resource.dataset:
            qs = qs.filter(
                record_key=key_lookup(resource.dataset, key, department_code=resource.provider.code)
            )
        else:
            element = elements_of(resource)[resource.key_element]
            qs = qs.filter(key=normalise_key(element.data_type, key))
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs.order_by("id")


def row_values(resource: Resource, row: Model, fields: list[str], unmasked: frozenset[str]) -> dict[str, Any]:
    """``fields`` of one row, personal ones masked unless named in ``unmasked``."""
    elements = elements_of(resource)
    out: dict[str, Any] = {}
    if isinstance(row, ResourceRecord):
        for name in fields:
            raw = row.data.get(name)
            element = elements[name]
            if element.is_personal and isinstance(raw, str) and raw.startswith(SEALED_PREFIX):
                clear = decrypt_text(raw)
                raw = clear if name in unmasked else mask_element(element.data_type, clear)
            out[name] = raw
        return out
    for name in fields:
        if elements[name].is_personal and name not in unmasked:
            out[name] = row.masked_value_of(name)  # type: ignore[attr-defined]
        else:
            out[name] = jsonable(row.value_of(name))  # type: ignore[attr-defined]
    return out


def export_rows(
    resource: Resource, key_field: str, fields: list[str], *, chunk: int = 20000
) -> Iterator[list[Any]]:
    """``[join key, *fields]`` for every row, for loading into DuckDB.

    The join key of a personal key is its keyed hash; other personal fields come out masked.
    Population rows are keyed by the stored hash, so exporting them decrypts nothing.
    """
    elements = elements_of(resource)
    key_element = elements[key_field]
    qs = rows_queryset(resource)
    if isinstance(qs.model, type) and issubclass(qs.model, ResourceRecord):
        # Plain tuples, not model instances: at millions of rows the instances cost more than the rest.
        personal = {name: elements[name].data_type for name in fields if elements[name].is_personal}
        by_key = key_field == resource.key_element
        # The database extracts the few JSON members needed instead of Python decoding every row.
        columns = ["key", *([] if by_key else [f"data__{key_field}"]), *(f"data__{name}" for name in fields)]
        for row in qs.order_by("id").values_list(*columns).iterator(chunk_size=chunk):
            join_key = row[0] if by_key else _resource_join_key(key_element, row[1])
            out: list[Any] = [join_key]
            for name, raw in zip(fields, row[1 if by_key else 2 :], strict=True):
                if name in personal and isinstance(raw, str) and raw.startswith(SEALED_PREFIX):
                    raw = mask_element(personal[name], decrypt_text(raw))
                out.append(raw)
            yield out
        return
    for row in qs.order_by("id").iterator(chunk_size=chunk):
        if key_element.is_personal:
            stored = getattr(row, f"{key_field}_hash", None)
            join_key = stored if stored is not None else lookup_hash(str(row.value_of(key_field)))
        else:
            join_key = normalise_key(key_element.data_type, str(jsonable(row.value_of(key_field)) or ""))
        values = row_values(resource, row, fields, frozenset())
        yield [join_key, *(values[name] for name in fields)]


def _resource_join_key(element: DataElement, raw: Any) -> str:
    if raw is None:
        return ""
    text = decrypt_text(raw) if isinstance(raw, str) and raw.startswith(SEALED_PREFIX) else str(raw)
    return normalise_key(element.data_type, text)
