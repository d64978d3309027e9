"""What each base database holds: its fields, their types, which are personal, and its record key.

Imports, contributions, the query API and comparisons all read this one description, so a field
added here is validated, masked and exported the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from govhall.core.crypto import lookup_hash
from govhall.datahub.models import (
    BASE_MODELS,
    BaseRecord,
    CreditRecord,
    Dataset,
    ElementType,
    LegalPersonRecord,
    PersonRecord,
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    data_type: str = ElementType.TEXT
    personal: bool = False
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 200
    bounds: tuple[Decimal, Decimal] | None = None
    pattern: str = ""
    pattern_hint: tuple[str, str] = ("", "")

    @property
    def label_zh(self) -> str:
        return self.label.split(" ", 1)[0]


@dataclass(frozen=True)
class DatasetSpec:
    dataset: str
    label: str
    key_field: str
    fields: tuple[FieldSpec, ...]
    # Credit rows belong to the department that decided them; the others have per-field sources.
    field_sources: bool = True

    @property
    def model(self) -> type[BaseRecord]:
        return BASE_MODELS[self.dataset]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def has_field(self, name: str) -> bool:
        return name in self.field_names

    @property
    def key_fields(self) -> tuple[str, ...]:
        """The fields a row must always carry to find its record."""
        if self.dataset == Dataset.MACRO:
            return ("indicator_code", "division_code", "period")
        return (self.key_field,)

    def missing_for_new(self, values: dict[str, Any]) -> list[str]:
        """Required fields a row lacks, which matters only when it registers a new record."""
        return [f.name for f in self.fields if f.required and values.get(f.name) is None]


def _choices(model_choices: Any) -> tuple[str, ...]:
    return tuple(str(value) for value in model_choices.values)


_MONEY = (Decimal("0"), Decimal("99999999999999"))

DATASETS: dict[str, DatasetSpec] = {
    Dataset.POPULATION: DatasetSpec(
        Dataset.POPULATION,
        "人口基础信息 population",
        "id_number",
        (
            FieldSpec(
                "id_number", "公民身份号码 ID number", ElementType.ID_NUMBER, personal=True, required=True
            ),
            FieldSpec("name", "姓名 name", personal=True, required=True, max_length=40),
            FieldSpec("sex", "性别 sex", choices=_choices(PersonRecord.Sex)),
            FieldSpec("birth_date", "出生日期 birth date", ElementType.DATE),
            FieldSpec("household_division", "户籍地区划 household division", ElementType.DIVISION),
            FieldSpec("address", "住址 address", personal=True),
            FieldSpec("status", "状态 status", choices=_choices(PersonRecord.Status)),
        ),
    ),
    Dataset.LEGAL_PERSON: DatasetSpec(
        Dataset.LEGAL_PERSON,
        "法人基础信息 legal persons",
        "uscc",
        (
            FieldSpec("uscc", "统一社会信用代码 USCC", ElementType.USCC, required=True),
            FieldSpec("name", "名称 name", required=True),
            FieldSpec("entity_type", "类型 type", choices=_choices(LegalPersonRecord.EntityType)),
            FieldSpec("legal_representative", "法定代表人 legal representative", max_length=60),
            FieldSpec(
                "registered_capital",
                "注册资本（万元） registered capital",
                ElementType.DECIMAL,
                bounds=_MONEY,
            ),
            FieldSpec("address", "住所 address"),
            FieldSpec("registration_authority", "登记机关 registration authority", max_length=100),
            FieldSpec("registration_date", "成立日期 registration date", ElementType.DATE),
            FieldSpec("status", "登记状态 status", choices=_choices(LegalPersonRecord.Status)),
        ),
    ),
    Dataset.SPATIAL: DatasetSpec(
        Dataset.SPATIAL,
        "地理空间标准地址 spatial addresses",
        "standard_address",
        (
            FieldSpec("standard_address", "标准地址 standard address", required=True),
            FieldSpec("division_code", "行政区划代码 division code", ElementType.DIVISION, required=True),
            FieldSpec(
                "longitude", "经度 longitude", ElementType.DECIMAL, bounds=(Decimal(-180), Decimal(180))
            ),
            FieldSpec("latitude", "纬度 latitude", ElementType.DECIMAL, bounds=(Decimal(-90), Decimal(90))),
        ),
    ),
    Dataset.MACRO: DatasetSpec(
        Dataset.MACRO,
        "宏观经济数据 macro-economy",
        "indicator_code",
        (
            FieldSpec(
                "indicator_code",
                "指标代码 indicator code",
                required=True,
                max_length=30,
                pattern=r"^[A-Za-z0-9_.-]{1,30}$",
                pattern_hint=(
                    "指标代码只能包含字母、数字和 _.-",
                    "an indicator code has letters, digits, _ . -",
                ),
            ),
            FieldSpec("indicator_name", "指标名称 indicator", required=True, max_length=100),
            FieldSpec("division_code", "行政区划代码 division code", ElementType.DIVISION, required=True),
            FieldSpec(
                "period",
                "统计期 period",
                required=True,
                max_length=8,
                pattern=r"^\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))?$",
                pattern_hint=("统计期应写作 2025、2025Q3 或 2025-09", "a period is 2025, 2025Q3 or 2025-09"),
            ),
            FieldSpec("value", "数值 value", ElementType.DECIMAL, required=True),
            FieldSpec("unit", "计量单位 unit", max_length=20),
            FieldSpec("source", "数据来源 source"),
        ),
    ),
    Dataset.CREDIT: DatasetSpec(
        Dataset.CREDIT,
        "信用信息 credit",
        "reference",
        (
            FieldSpec("subject_uscc", "主体统一社会信用代码 subject USCC", ElementType.USCC),
            FieldSpec(
                "subject_id_number", "主体身份证号码 subject ID number", ElementType.ID_NUMBER, personal=True
            ),
            FieldSpec("subject_name", "主体名称 subject name"),
            FieldSpec("kind", "类别 kind", required=True, choices=_choices(CreditRecord.Kind)),
            FieldSpec("title", "事由 title", required=True),
            FieldSpec("reference", "决定文号 reference", required=True, max_length=100),
            FieldSpec("valid_from", "有效期自 valid from", ElementType.DATE, required=True),
            FieldSpec("valid_to", "有效期至 valid to", ElementType.DATE),
        ),
        field_sources=False,
    ),
}


def spec_of(dataset: str) -> DatasetSpec:
    return DATASETS[dataset]


def record_key(dataset: str, values: dict[str, Any], *, department_code: str = "") -> str:
    """The ``record_key`` a row with these (validated) values is stored under."""
    if dataset == Dataset.POPULATION:
        return lookup_hash(values["id_number"])
    if dataset == Dataset.LEGAL_PERSON:
        return str(values["uscc"])
    if dataset == Dataset.SPATIAL:
        return str(values["standard_address"])
    if dataset == Dataset.MACRO:
        return f"{values['indicator_code']}|{values['division_code']}|{values['period']}"
    if dataset == Dataset.CREDIT:
        return f"{department_code}:{values['reference']}"
    raise KeyError(dataset)


def key_lookup(dataset: str, raw_key: str, *, department_code: str = "") -> str:
    """The ``record_key`` for a key as a person types it (an ID number, a credit code, …)."""
    value = raw_key.strip()
    if dataset == Dataset.POPULATION:
        return lookup_hash(value)
    if dataset == Dataset.LEGAL_PERSON:
        return value.upper()
    if dataset == Dataset.CREDIT and ":" not in value:
        return f"{department_code}:{value}"
    return value


def record_label(dataset: str, record: BaseRecord) -> str:
    """How a record is named on screens and in logs, with nothing personal in the clear."""
    if dataset == Dataset.POPULATION:
        return f"{record.masked_value_of('name')} {record.masked_value_of('id_number')}"
    if dataset == Dataset.CREDIT:
        assert isinstance(record, CreditRecord)
        return f"{record.reference} {record.subject_uscc or record.subject_id_number_masked}"
    return str(record)


@cache
def element_types() -> dict[str, str]:
    return {str(value): str(label) for value, label in ElementType.choices}
