"""Application forms: a JSON Schema per item version, or the default one, and field-level errors.

Item versions may carry a ``form_schema`` (JSON Schema, draft 2020-12 vocabulary); items without one
use :data:`DEFAULT_SCHEMA` (contact name and phone, an optional description). The validator below
implements the subset a form needs — ``type`` (object, string, integer, number, boolean, array),
``required``, ``properties``, ``additionalProperties: false``, ``enum``, ``minLength``/``maxLength``,
``pattern``, ``minimum``/``maximum``, ``items``, ``minItems``/``maxItems`` — and reports every problem
at once, each with the field it concerns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from govhall.core.errors import DomainError

DEFAULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["contact_name", "contact_phone"],
    "properties": {
        "contact_name": {"type": "string", "title": "联系人 contact name", "minLength": 1, "maxLength": 50},
        "contact_phone": {
            "type": "string",
            "title": "联系电话 contact phone",
            "pattern": r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
        },
        "address": {"type": "string", "title": "联系地址 address", "maxLength": 200},
        "description": {"type": "string", "title": "申请事由 description", "maxLength": 2000},
    },
}

MAX_FORM_BYTES = 64 * 1024

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
}


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


def schema_for(version: Any) -> dict[str, Any]:
    schema = getattr(version, "form_schema", None)
    return schema if isinstance(schema, dict) and schema else DEFAULT_SCHEMA


def _type_ok(value: Any, expected: str) -> bool:
    if expected in {"integer", "number"} and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES.get(expected, (object,)))


def _check(value: Any, schema: dict[str, Any], path: str, problems: list[FieldProblem]) -> None:
    where = path or "form"
    expected = schema.get("type")
    if isinstance(expected, str) and not _type_ok(value, expected):
        problems.append(
            FieldProblem(where, "wrong_type", f"应为 {expected} 类型", f"must be of type {expected}")
        )
        return
    if "enum" in schema and value not in schema["enum"]:
        problems.append(
            FieldProblem(where, "not_allowed", "取值不在允许范围内", "is not one of the allowed values")
        )
    if isinstance(value, str):
        if len(value.strip()) < int(schema.get("minLength", 0)):
            problems.append(FieldProblem(where, "required", "不能为空或过短", "is empty or too short"))
        if "maxLength" in schema and len(value) > int(schema["maxLength"]):
            problems.append(
                FieldProblem(
                    where,
                    "too_long",
                    f"不能超过 {schema['maxLength']} 字",
                    f"exceeds {schema['maxLength']} characters",
                )
            )
        if "pattern" in schema and value and re.search(schema["pattern"], value) is None:
            problems.append(FieldProblem(where, "invalid_format", "格式不正确", "has the wrong format"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(
                FieldProblem(
                    where, "too_small", f"不能小于 {schema['minimum']}", f"below {schema['minimum']}"
                )
            )
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(
                FieldProblem(
                    where, "too_large", f"不能大于 {schema['maximum']}", f"above {schema['maximum']}"
                )
            )
    if isinstance(value, list):
        if len(value) < int(schema.get("minItems", 0)):
            problems.append(FieldProblem(where, "too_few", "条目过少", "has too few entries"))
        if "maxItems" in schema and len(value) > int(schema["maxItems"]):
            problems.append(FieldProblem(where, "too_many", "条目过多", "has too many entries"))
        if isinstance(schema.get("items"), dict):
            for index, entry in enumerate(value):
                _check(entry, schema["items"], f"{path}[{index}]", problems)
    if isinstance(value, dict):
        properties: dict[str, Any] = schema.get("properties", {})
        for name in schema.get("required", []):
            if value.get(name) in (None, "", [], {}):
                field = f"{path}.{name}" if path else name
                problems.append(FieldProblem(field, "required", "必填项", "is required"))
        for name, entry in value.items():
            field = f"{path}.{name}" if path else name
            if name in properties:
                if entry is not None and not (entry == "" and name not in schema.get("required", [])):
                    _check(entry, properties[name], field, problems)
            elif schema.get("additionalProperties") is False:
                problems.append(
                    FieldProblem(field, "unknown_field", "表单中没有该项", "is not a field of this form")
                )


def validate_form(form_data: Any, schema: dict[str, Any]) -> list[FieldProblem]:
    """Every problem of ``form_data`` against ``schema``; an empty list when it is valid."""
    problems: list[FieldProblem] = []
    _check(form_data, {"type": "object", **schema}, "", problems)
    return problems


def invalid_application(problems: list[FieldProblem]) -> DomainError:
    return DomainError(
        "invalid_application",
        "申请不完整或有误：" + "；".join(f"{p.field} {p.message_zh}" for p in problems),
        "the application is incomplete or wrong: " + "; ".join(f"{p.field} {p.message_en}" for p in problems),
        status=422,
        details={"fields": [p.as_dict() for p in problems]},
    )
