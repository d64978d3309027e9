"""Row validation for imports and contributions: one value at a time, then checks across a row.

Errors are :class:`RowError` with a Chinese and an English reason and never quote the value itself
(it may be an ID number); :func:`line_error` turns one into the ``line N`` text of an import report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from govhall.core.codes import validate_division_code, validate_id_number, validate_uscc
from govhall.datahub.datasets import DatasetSpec, FieldSpec
from govhall.datahub.models import Dataset, ElementType

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")
_TRUE = {"是", "true", "1", "y", "yes", "t"}
_FALSE = {"否", "false", "0", "n", "no", "f"}
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


class RowError(Exception):
    def __init__(self, message_zh: str, message_en: str, *, field: str = "") -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.field = field

    @property
    def message(self) -> str:
        where = f"{self.field}：" if self.field else ""
        return f"{where}{self.message_zh} ({self.message_en})"


def line_error(line: int, error: RowError) -> str:
    return f"第 {line} 行 line {line}：{error.message}"


def _from_validation_error(exc: ValidationError, field: str) -> RowError:
    # core.codes messages are "中文 (English)"; keep both halves apart.
    text = exc.messages[0]
    zh, _, en = text.partition(" (")
    return RowError(zh, en.rstrip(")") or zh, field=field)


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def parse_date(raw: Any, *, field: str = "") -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = _text(raw)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RowError("日期无效，应写作 2025-01-31", "invalid date; write it as 2025-01-31", field=field)


def parse_value(spec: FieldSpec, raw: Any) -> Any:
    """The typed value of one cell, or ``None`` for an empty optional cell."""
    name = spec.name
    if isinstance(raw, float) and spec.data_type in {ElementType.ID_NUMBER, ElementType.USCC}:
        # Excel turns a long digit string into a float and loses the last digits.
        raise RowError(
            "该列须设为文本格式（数字已被表格软件改写）",
            "format the column as text; the spreadsheet turned the code into a number",
            field=name,
        )
    text = "" if isinstance(raw, date | datetime) else _text(raw)
    if not text and not isinstance(raw, date | datetime):
        if spec.required:
            raise RowError("必填项为空", "a required value is empty", field=name)
        return None
    kind = spec.data_type
    try:
        if kind == ElementType.ID_NUMBER:
            return validate_id_number(text)
        if kind == ElementType.USCC:
            return validate_uscc(text)
        if kind == ElementType.DIVISION:
            return validate_division_code(text)
    except ValidationError as exc:
        raise _from_validation_error(exc, name) from None
    if kind == ElementType.DATE:
        return parse_date(raw, field=name)
    if kind == ElementType.INTEGER:
        if not _INTEGER.match(text):
            raise RowError("应为整数", "an integer is expected", field=name)
        return int(text)
    if kind == ElementType.DECIMAL:
        return _parse_decimal(spec, text)
    if kind == ElementType.BOOLEAN:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise RowError("应填“是”或“否”", "yes or no is expected", field=name)
    return _parse_text(spec, text)


def _parse_decimal(spec: FieldSpec, text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise RowError("应为数值", "a number is expected", field=spec.name) from None
    if not value.is_finite():
        raise RowError("应为数值", "a number is expected", field=spec.name)
    if spec.bounds is not None and not spec.bounds[0] <= value <= spec.bounds[1]:
        low, high = spec.bounds
        raise RowError(
            f"数值应在 {low} 与 {high} 之间", f"the value must lie between {low} and {high}", field=spec.name
        )
    return value


def _parse_text(spec: FieldSpec, text: str) -> str:
    if len(text) > spec.max_length:
        raise RowError(
            f"内容过长（最多 {spec.max_length} 个字符）",
            f"too long (at most {spec.max_length} characters)",
            field=spec.name,
        )
    if spec.choices and text not in spec.choices:
        raise RowError(
            "取值不在代码表内：" + "、".join(spec.choices),
            "not one of the allowed values: " + ", ".join(spec.choices),
            field=spec.name,
        )
    if spec.pattern and not re.match(spec.pattern, text):
        raise RowError(spec.pattern_hint[0], spec.pattern_hint[1], field=spec.name)
    return text


def validate_row(spec: DatasetSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values for the row's columns (absent columns stay absent), checked across fields."""
    values: dict[str, Any] = {}
    # A row may update only some fields of an existing record; what a new one needs is checked when
    # it is known to be new (records.plan_row).
    for field in spec.fields:
        if field.name in raw or field.name in spec.key_fields:
            values[field.name] = parse_value(field, raw.get(field.name))
    if spec.dataset == Dataset.POPULATION:
        _check_person(values)
    elif spec.dataset == Dataset.CREDIT:
        _check_credit(values)
    return values


def id_number_facts(id_number: str) -> tuple[date, str]:
    """Birth date and sex (``M``/``F``) that a valid GB 11643 number encodes."""
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return born, "M" if int(id_number[16]) % 2 else "F"


def _check_person(values: dict[str, Any]) -> None:
    born, sex = id_number_facts(values["id_number"])
    # The ID number is the authority on both: fill them in when absent, refuse a contradiction.
    if values.get("birth_date") is None:
        values["birth_date"] = born
    elif values["birth_date"] != born:
        raise RowError(
            "出生日期与身份证号码不一致", "the birth date differs from the ID number's", field="birth_date"
        )
    if values.get("sex") is None:
        values["sex"] = sex
    elif values["sex"] != sex:
        raise RowError("性别与身份证号码不一致", "the sex differs from the ID number's", field="sex")


def _check_credit(values: dict[str, Any]) -> None:
    if values.get("subject_uscc") and values.get("subject_id_number"):
        raise RowError(
            "主体统一社会信用代码与身份证号码须填且只填一项",
            "give either the subject's credit code or ID number, not both",
            field="subject_uscc",
        )
    valid_to, valid_from = values.get("valid_to"), values.get("valid_from")
    if valid_to is not None and valid_from is not None and valid_to < valid_from:
        raise RowError("有效期至早于有效期自", "valid to is before valid from", field="valid_to")


def field_spec_for_element(name: str, data_type: str, *, personal: bool, required: bool) -> FieldSpec:
    """A FieldSpec for a data element of a department-held resource."""
    return FieldSpec(
        name=name, label=name, data_type=data_type, personal=personal, required=required, max_length=500
    )
