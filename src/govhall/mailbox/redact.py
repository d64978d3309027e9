"""Personal details removed from a letter before it is published."""

from __future__ import annotations

import re

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{15}(?!\d)")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HIDDEN = "＊＊＊"


def mask_name(name: str) -> str:
    """``张三`` → ``张*``, ``欧阳小明`` → ``欧***``; an empty name stays empty."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def redact(text: str, *, names: tuple[str, ...] = ()) -> str:
    """``text`` without ID numbers, phone numbers, e-mail addresses and the given names."""
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    text = ID_NUMBER.sub(HIDDEN, text)
    text = EMAIL.sub(HIDDEN, text)
    text = MOBILE.sub(HIDDEN, text)
    return LANDLINE.sub(HIDDEN, text)
