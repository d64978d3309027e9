"""Removing personal details from a question before it is published (去除个人信息).

ID numbers (15 or 18 characters), mobile and landline numbers, e-mail addresses, unified social
credit codes, case numbers and the names the caller lists are replaced by ``*`` marks of a fixed
shape, so nothing of the original length leaks either. Staff read and may edit the result before
publishing; this is the floor, not the whole review.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
USCC = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
LONG_DIGITS = re.compile(r"\d{7,}")

MASKS = (
    (EMAIL, "[邮箱]"),
    (ID_NUMBER, "[证件号码]"),
    (USCC, "[信用代码]"),
    (MOBILE, "[电话]"),
    (LANDLINE, "[电话]"),
    (LONG_DIGITS, "[编号]"),
)


def redact(text: str, names: Iterable[str] = ()) -> str:
    for pattern, mark in MASKS:
        text = pattern.sub(mark, text)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, name[0] + "某" if len(name) <= 4 else "[姓名]")
    return text
