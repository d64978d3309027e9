"""National codes: validation with errors in Chinese and English.

- GB 11643 citizen identity numbers (公民身份号码) and GB 32100 unified social credit codes
  (统一社会信用代码) through python-stdnum;
- GB/T 2260 administrative division codes (行政区划代码) against the division table python-stdnum
  ships, keeping only divisions that still exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

_ID_MESSAGES = {
    InvalidLength: ("id_number_length", "身份证号码应为18位", "an ID number has 18 characters"),
    InvalidFormat: ("id_number_format", "身份证号码格式不正确", "the ID number is malformed"),
    InvalidComponent: (
        "id_number_component",
        "身份证号码中的出生日期或地区码无效",
        "the birth date or area code in the ID number is invalid",
    ),
    InvalidChecksum: ("id_number_checksum", "身份证号码校验位错误", "the ID number's check digit is wrong"),
}

_USCC_MESSAGES = {
    InvalidLength: ("uscc_length", "统一社会信用代码应为18位", "a credit code has 18 characters"),
    InvalidFormat: ("uscc_format", "统一社会信用代码格式不正确", "the credit code is malformed"),
    InvalidComponent: (
        "uscc_component",
        "统一社会信用代码的登记管理部门或机构类别代码无效",
        "the registration authority or organisation kind in the credit code is invalid",
    ),
    InvalidChecksum: (
        "uscc_checksum",
        "统一社会信用代码校验位错误",
        "the credit code's check character is wrong",
    ),
}


def _bilingual(chinese: str, english: str) -> str:
    return f"{chinese} ({english})"


def validate_id_number(value: str) -> str:
    """Return the compact, upper-case ID number or raise ValidationError with a code."""
    try:
        return str(ric.validate(value))
    except tuple(_ID_MESSAGES) as exc:
        code, zh, en = _ID_MESSAGES[type(exc)]
        raise ValidationError(_bilingual(zh, en), code=code) from exc
    except Exception as exc:  # stdnum raises ValidationError subclasses only; be strict anyway
        raise ValidationError(
            _bilingual("身份证号码无效", "invalid ID number"), code="id_number_invalid"
        ) from exc


def validate_uscc(value: str) -> str:
    """Return the compact, upper-case unified social credit code or raise ValidationError."""
    try:
        return str(uscc.validate(value))
    except tuple(_USCC_MESSAGES) as exc:
        code, zh, en = _USCC_MESSAGES[type(exc)]
        raise ValidationError(_bilingual(zh, en), code=code) from exc
    except Exception as exc:
        raise ValidationError(
            _bilingual("统一社会信用代码无效", "invalid credit code"), code="uscc_invalid"
        ) from exc


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # province / city / county
    parent_code: str | None


_DIVISION_CODE = re.compile(r"^\d{6}$")
_PLACEHOLDER_NAMES = {
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
    "省直辖县级行政单位",
    "自治区直辖县级行政单位",
}
_YEARS = re.compile(r"^\[(\d{4})?-(\d{4})?\]")


def _current_name(raw: str) -> str | None:
    """``[1994-]云浮市`` → ``云浮市``; ``[1996-2014]云安县`` (abolished) → None."""
    match = _YEARS.match(raw)
    if not match:
        return raw
    if match.group(2):
        return None
    return raw[match.end() :]


@lru_cache(maxsize=1)
def divisions() -> dict[str, Division]:
    """All current province/city/county divisions from python-stdnum's GB/T 2260 table."""
    table: dict[str, Division] = {}
    province_code = ""
    # numdb offers lookups, not iteration, so read the data file it is built from.
    for line in _loc_lines():
        indent = len(line) - len(line.lstrip())
        key, _, attrs = line.strip().partition(" ")
        name_match = re.search(r'(province|county)="([^"]*)"', attrs)
        if not name_match:
            continue
        if indent == 0:
            province_code = key
            table[province_code + "0000"] = Division(
                province_code + "0000", name_match.group(2), "province", None
            )
            continue
        name = _current_name(name_match.group(2))
        code = province_code + key
        # "0000" repeats the province itself; the placeholders group counties, they are not divisions.
        if key == "0000" or name is None or name in _PLACEHOLDER_NAMES:
            continue
        if key.endswith("00"):
            table[code] = Division(code, name, "city", province_code + "0000")
        else:
            parent = province_code + key[:2] + "00"
            table[code] = Division(
                code, name, "county", parent if parent in table else province_code + "0000"
            )
    return table


def _loc_lines() -> list[str]:
    import importlib.resources

    text = importlib.resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def validate_division_code(value: str) -> str:
    """Return a current GB/T 2260 division code or raise ValidationError."""
    code = (value or "").strip()
    if not _DIVISION_CODE.match(code):
        raise ValidationError(
            _bilingual("行政区划代码应为6位数字", "a division code has 6 digits"), code="division_format"
        )
    if code not in divisions():
        raise ValidationError(
            _bilingual("行政区划代码不存在或已撤销", "unknown or abolished division code"),
            code="division_unknown",
        )
    return code
