"""Licence identifiers after GB/T 36904 (电子证照 标识):
``1.2.156.3005.2.<type code>.<issuer USCC>.<serial>.<version>.<check>``.

The check character is ISO 7064 MOD 37,36 (python-stdnum) over everything before it with the dots
left out; it catches every single mistyped character. Input is validated with errors in Chinese and
English; letters are compared in upper case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.cn import uscc
from stdnum.iso7064 import mod_37_36

from govhall.core.errors import DomainError

PREFIX = "1.2.156.3005.2"
TYPE_CODE = re.compile(r"^[0-9A-Z]{3,24}$")
SERIAL = re.compile(r"^[0-9A-Z]{1,24}$")
VERSION = re.compile(r"^\d{3}$")
MAX_LENGTH = 120


@dataclass(frozen=True)
class LicenceId:
    type_code: str
    issuer_uscc: str
    serial: str
    version: int

    @property
    def body(self) -> str:
        return f"{PREFIX}.{self.type_code}.{self.issuer_uscc}.{self.serial}.{self.version:03d}"

    @property
    def check(self) -> str:
        return check_character(self.body)

    def __str__(self) -> str:
        return f"{self.body}.{self.check}"


def check_character(body: str) -> str:
    return str(mod_37_36.calc_check_digit(body.replace(".", "")))


def build(*, type_code: str, issuer_uscc: str, serial: str, version: int) -> str:
    """The identifier of one licence version; the parts are checked as on input."""
    body = LicenceId(type_code, issuer_uscc, serial, version).body
    return str(parse(f"{body}.{check_character(body)}"))


def _invalid(code: str, zh: str, en: str) -> DomainError:
    return DomainError(
        code,
        zh,
        en,
        status=422,
        details={"fields": [{"field": "identifier", "code": code, "message_zh": zh, "message_en": en}]},
    )


def parse(value: str, *, check: bool = True) -> LicenceId:
    """The parts of a licence identifier, or a 422 :class:`DomainError` saying what is wrong."""
    text = (value or "").strip().upper()
    if not text or len(text) > MAX_LENGTH:
        raise _invalid(
            "licence_id_length", "证照标识长度不正确", "the licence identifier has the wrong length"
        )
    if not text.startswith(PREFIX + "."):
        raise _invalid(
            "licence_id_prefix",
            "证照标识应以 1.2.156.3005.2. 开头",
            "a licence identifier starts with 1.2.156.3005.2.",
        )
    parts = text[len(PREFIX) + 1 :].split(".")
    if len(parts) != 5:
        raise _invalid(
            "licence_id_format",
            "证照标识应由证照类型代码、颁发机构代码、顺序号、版本号和校验位组成，以“.”分隔",
            "a licence identifier has type code, issuer code, serial, version and check character, "
            "separated by dots",
        )
    type_code, issuer, serial, version, given = parts
    if not TYPE_CODE.match(type_code):
        raise _invalid(
            "licence_id_type_code",
            "证照类型代码应为3至24位数字或大写字母",
            "the type code has 3 to 24 digits or capital letters",
        )
    if not uscc.is_valid(issuer):
        raise _invalid(
            "licence_id_issuer",
            "颁发机构代码不是有效的统一社会信用代码",
            "the issuer code is not a valid unified social credit code",
        )
    if not SERIAL.match(serial):
        raise _invalid(
            "licence_id_serial",
            "顺序号应为1至24位数字或大写字母",
            "the serial has 1 to 24 digits or capital letters",
        )
    if not VERSION.match(version) or version == "000":
        raise _invalid(
            "licence_id_version", "版本号应为001至999的三位数字", "the version has three digits, 001 to 999"
        )
    parsed = LicenceId(type_code, issuer, serial, int(version))
    if check and (len(given) != 1 or given != parsed.check):
        raise _invalid(
            "licence_id_checksum",
            "证照标识校验位错误，请核对是否输错",
            "the licence identifier's check character is wrong; check for a typing mistake",
        )
    return parsed


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except DomainError:
        return False
    return True


def looks_like_identifier(value: str) -> bool:
    """Whether ``value`` is meant as a licence identifier (then it must also be a valid one)."""
    return (value or "").strip().startswith(PREFIX + ".")
