"""Template helpers of the supervision pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from govhall.supervision import registry

register = template.Library()


@register.filter
def attr(obj: Any, name: str) -> Any:
    return getattr(obj, name, "")


@register.filter
def figure(value: Any) -> str:
    """A count as is, a rate or average with its decimals, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


@register.filter
def rule_name(kind: str) -> str:
    return registry.rule_name(kind)


@register.filter
def short(label: str) -> str:
    """The Chinese part of a "中文 English" choice label."""
    return str(label).split(" ")[0]
