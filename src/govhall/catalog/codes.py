"""Service item codes (事项编码): the basic code and the implementation code.

Basic code (基本编码), 12 digits, the same for an item wherever it is implemented::

    KK MMMMM SSS EE
    |  |     |   +-- extension (扩展码), 00 unless a province adds its own variants
    |  |     +------ sub-item (子项), 000 when the item has no sub-items
    |  +------------ main item (主项), numbered within the kind
    +--------------- kind of power (事项类型): 01 行政许可 … 10 其他行政权力, 20 公共服务

Implementation code (实施编码), 31 characters, one per implementing department::

    <implementing department's USCC, 18> <level digit, 1> <basic code, 12>

A handling sub-item (业务办理项) appends two digits (01–99) to its parent's implementation code,
33 characters in all. Level digits follow the national catalogue standard: 1 national,
2 province, 3 city, 4 county, 5 township.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from govhall.core.codes import validate_uscc
from govhall.core.errors import DomainError

KIND_CODES = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20")
LEVEL_DIGITS = {"national": "1", "province": "2", "city": "3", "county": "4", "township": "5"}
DIGIT_LEVELS = {digit: level for level, digit in LEVEL_DIGITS.items()}

BASIC_CODE_LENGTH = 12
IMPLEMENTATION_CODE_LENGTH = 31
HANDLING_CODE_LENGTH = 33

_BASIC = re.compile(r"^\d{12}$")
_IMPLEMENTATION = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}\d{13}(\d{2})?$")


def _error(code: str, chinese: str, english: str) -> ValidationError:
    return ValidationError(f"{chinese} ({english})", code=code, params={"zh": chinese, "en": english})


def as_domain_error(exc: ValidationError, code: str = "invalid_item_code") -> DomainError:
    """A code ValidationError as the 400 DomainError pages and the API return."""
    first = exc.error_list[0]
    params = first.params if isinstance(first.params, dict) else {}
    message = first.message if isinstance(first.message, str) else str(first.message)
    return DomainError(
        code, params.get("zh", message), params.get("en", message), status=400, details={"reason": first.code}
    )


def validate_basic_code(value: str) -> str:
    """Return the basic code or raise ValidationError with a code and a bilingual message."""
    code = (value or "").strip()
    if len(code) != BASIC_CODE_LENGTH or not _BASIC.match(code):
        raise _error("basic_code_format", "事项基本编码应为12位数字", "a basic item code has 12 digits")
    if code[:2] not in KIND_CODES:
        raise _error(
            "basic_code_kind",
            "事项基本编码的前两位不是有效的事项类型",
            "the first two digits are not a valid item kind",
        )
    if code[2:7] == "00000":
        raise _error(
            "basic_code_main", "事项基本编码的主项编号不能为00000", "the main item number cannot be 00000"
        )
    return code


@dataclass(frozen=True)
class ImplementationCode:
    code: str
    uscc: str
    level: str
    basic_code: str
    handling_suffix: str

    @property
    def kind(self) -> str:
        return self.basic_code[:2]

    @property
    def parent_code(self) -> str:
        """The main item's implementation code (itself unless this is a handling sub-item)."""
        return self.code[:IMPLEMENTATION_CODE_LENGTH]


def parse_implementation_code(value: str) -> ImplementationCode:
    """Split and validate an implementation code; raise ValidationError with a code."""
    code = (value or "").strip().upper()
    if len(code) not in (IMPLEMENTATION_CODE_LENGTH, HANDLING_CODE_LENGTH) or not _IMPLEMENTATION.match(code):
        raise _error(
            "implementation_code_format",
            "事项实施编码应为31位（业务办理项33位）：统一社会信用代码18位+层级1位+基本编码12位",
            "an implementation code has 31 characters (33 for a handling sub-item): "
            "credit code 18 + level 1 + basic code 12",
        )
    try:
        uscc = validate_uscc(code[:18])
    except ValidationError as exc:
        raise _error(
            "implementation_code_uscc",
            "事项实施编码中的实施主体统一社会信用代码无效",
            "the department credit code in it is invalid",
        ) from exc
    level = DIGIT_LEVELS.get(code[18])
    if level is None:
        raise _error(
            "implementation_code_level", "事项实施编码的层级位应为1–5", "the level digit must be 1–5"
        )
    basic = validate_basic_code(code[19:31])
    suffix = code[31:]
    if suffix == "00":
        raise _error(
            "implementation_code_suffix", "业务办理项编号应为01–99", "a handling sub-item number is 01–99"
        )
    return ImplementationCode(code=code, uscc=uscc, level=level, basic_code=basic, handling_suffix=suffix)


def validate_implementation_code(value: str) -> str:
    return parse_implementation_code(value).code


def build_basic_code(*, kind: str, main: int, sub: int = 0, extension: int = 0) -> str:
    if kind not in KIND_CODES:
        raise ValueError(f"unknown item kind {kind!r}")
    if not (1 <= main <= 99999 and 0 <= sub <= 999 and 0 <= extension <= 99):
        raise ValueError("main 1–99999, sub 0–999, extension 0–99")
    return validate_basic_code(f"{kind}{main:05d}{sub:03d}{extension:02d}")


def build_implementation_code(*, uscc: str, level: str, basic_code: str, handling: int | None = None) -> str:
    if level not in LEVEL_DIGITS:
        raise ValueError(f"unknown level {level!r}")
    code = f"{uscc}{LEVEL_DIGITS[level]}{basic_code}"
    if handling is not None:
        if not 1 <= handling <= 99:
            raise ValueError("handling sub-item number 1–99")
        code += f"{handling:02d}"
    return validate_implementation_code(code)


def basic_code_validator(value: str) -> None:
    """Model-field validator form of :func:`validate_basic_code`."""
    validate_basic_code(value)


def implementation_code_validator(value: str) -> None:
    """Model-field validator form of :func:`validate_implementation_code`."""
    validate_implementation_code(value)
