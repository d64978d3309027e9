"""Parsing the public disclosure filters (pages and API alike).

Malformed values are refused with a 400 and a bilingual message, never silently dropped, as in the
catalogue's filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from govhall.core.errors import DomainError
from govhall.disclosure.models import Category, Topic
from govhall.identity.models import Department

MAX_QUERY_LENGTH = 100
PAGE_SIZE = 20


def _bad(code: str, zh: str, en: str) -> DomainError:
    return DomainError(code, zh, en, status=400)


def clean(params: Mapping[str, str], name: str, *, max_length: int = 100) -> str:
    value = (params.get(name) or "").strip()
    # PostgreSQL refuses NUL in text and nothing legitimate carries control characters.
    if any(ord(char) < 32 for char in value):
        raise _bad(
            "invalid_parameter", f"参数 {name} 含有控制字符", f"parameter {name} contains control characters"
        )
    return value[:max_length]


def parse_date(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _bad(
            "invalid_date", f"日期 {name} 格式应为 YYYY-MM-DD", f"{name} must be a date YYYY-MM-DD"
        ) from None


def parse_page(params: Mapping[str, str]) -> int:
    raw = clean(params, "page") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        raise _bad("invalid_page", "页码无效", "invalid page number")
    return int(raw)


def parse_department(params: Mapping[str, str]) -> Department | None:
    code = clean(params, "department", max_length=20)
    if not code:
        return None
    department = Department.objects.filter(code=code, is_active=True).select_related("region").first()
    if department is None:
        raise DomainError("unknown_department", "部门不存在", "no such department", status=404)
    return department


@dataclass
class PublicationFilters:
    q: str = ""
    department: Department | None = None
    category: Category | None = None
    topic: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    def as_query(self) -> dict[str, str]:
        params = {
            "q": self.q,
            "department": self.department.code if self.department else "",
            "category": self.category.code if self.category else "",
            "topic": self.topic,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {key: value for key, value in params.items() if value}


def parse_publication_filters(params: Mapping[str, str]) -> PublicationFilters:
    filters = PublicationFilters(q=clean(params, "q", max_length=MAX_QUERY_LENGTH), page=parse_page(params))
    filters.department = parse_department(params)
    category_code = clean(params, "category", max_length=6)
    if category_code:
        filters.category = Category.objects.filter(code=category_code).first()
        if filters.category is None:
            raise DomainError("unknown_category", "公开类别不存在", "no such catalogue heading", status=404)
    filters.topic = clean(params, "topic", max_length=2)
    if filters.topic and filters.topic not in Topic.values:
        raise _bad("invalid_topic", "主题分类无效", "unknown topic")
    filters.date_from = parse_date(clean(params, "from"), "from")
    filters.date_to = parse_date(clean(params, "to"), "to")
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        raise _bad("invalid_range", "结束日期不能早于开始日期", "the end date is before the start date")
    return filters
