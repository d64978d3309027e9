"""Parsing the public catalogue filters (shared by the pages and the API).

Malformed or unknown values are refused with a 400 and a bilingual message rather than silently
ignored, so a mistyped link never shows a misleading "all items" page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govhall.catalog.models import Kind, Level, Target, Theme
from govhall.core.errors import DomainError
from govhall.identity.models import Department

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 100
_TRUE = {"1", "true", "yes", "on"}
# The navigation links by audience (个人办事 / 法人办事); ``target`` is the API's name for the same.
AUDIENCE_TARGETS = {"citizen": "person", "person": "person", "enterprise": "legal", "legal": "legal"}
_FALSE = {"0", "false", "no", "off"}


@dataclass
class ItemFilters:
    q: str = ""
    target: str = ""
    theme: Theme | None = None
    department: Department | None = None
    level: str = ""
    kind: str = ""
    star: int | None = None
    online: bool | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def as_query(self) -> dict[str, str]:
        """The non-default filters as URL parameters (for paging links), without the page."""
        params = {
            "q": self.q,
            "target": self.target,
            "theme": self.theme.code if self.theme else "",
            "department": self.department.code if self.department else "",
            "level": self.level,
            "kind": self.kind,
            "star": str(self.star) if self.star else "",
            "online": "" if self.online is None else ("1" if self.online else "0"),
        }
        if self.page_size != DEFAULT_PAGE_SIZE:
            params["page_size"] = str(self.page_size)
        return {key: value for key, value in params.items() if value}


def _bad(code: str, zh: str, en: str) -> DomainError:
    return DomainError(code, zh, en, status=400)


def _int(value: str, *, code: str, zh: str, en: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _bad(code, zh, en) from None
    if not low <= number <= high:
        raise _bad(code, zh, en)
    return number


def parse_filters(params: Mapping[str, str], *, allow_page_size: bool = True) -> ItemFilters:
    def get(name: str) -> str:
        value = (params.get(name) or "").strip()
        # PostgreSQL refuses NUL in text and nothing legitimate carries control characters.
        if any(ord(char) < 32 for char in value):
            raise _bad(
                "invalid_parameter",
                f"参数 {name} 含有控制字符",
                f"parameter {name} contains control characters",
            )
        return value

    filters = ItemFilters()
    filters.q = " ".join(get("q").split())
    if len(filters.q) > MAX_QUERY_LENGTH:
        raise _bad("invalid_query", "搜索词不能超过100字", "a search is at most 100 characters")
    if target := get("target"):
        if target not in Target.values:
            raise _bad(
                "invalid_target", "服务对象应为 person、legal 或 both", "target must be person, legal or both"
            )
        filters.target = target
    if audience := get("audience"):
        audience_target = AUDIENCE_TARGETS.get(audience.lower())
        if audience_target is None or (filters.target and filters.target != audience_target):
            raise _bad(
                "invalid_audience",
                "audience 应为 citizen 或 enterprise",
                "audience must be citizen or enterprise",
            )
        filters.target = audience_target
    if theme_code := get("theme"):
        filters.theme = Theme.objects.filter(code=theme_code.upper()).first()
        if filters.theme is None:
            raise _bad(
                "unknown_theme", f"主题“{theme_code[:20]}”不存在", f"unknown theme {theme_code[:20]!r}"
            )
    if department_code := get("department"):
        filters.department = (
            Department.objects.filter(code=department_code.upper(), is_active=True)
            .select_related("region")
            .first()
        )
        if filters.department is None:
            raise _bad(
                "unknown_department",
                f"部门“{department_code[:20]}”不存在",
                f"unknown department {department_code[:20]!r}",
            )
    if level := get("level"):
        if level not in Level.values:
            raise _bad("invalid_level", "层级应为 province、city、county 或 township", "unknown level")
        filters.level = level
    if kind := get("kind"):
        if kind not in Kind.values:
            raise _bad("invalid_kind", "事项类型应为01–10或20", "kind must be 01–10 or 20")
        filters.kind = kind
    if star := get("star"):
        filters.star = _int(
            star, code="invalid_star", zh="星级应为1–5的整数", en="star must be an integer 1–5", low=1, high=5
        )
    if online := get("online").lower():
        if online in _TRUE:
            filters.online = True
        elif online in _FALSE:
            filters.online = False
        else:
            raise _bad("invalid_online", "online 应为 1 或 0", "online must be 1 or 0")
    if page := get("page"):
        filters.page = _int(
            page,
            code="invalid_page",
            zh="页码应为正整数",
            en="page must be a positive integer",
            low=1,
            high=100000,
        )
    if allow_page_size and (size := get("page_size")):
        filters.page_size = _int(
            size,
            code="invalid_page_size",
            zh=f"每页条数应为1–{MAX_PAGE_SIZE}",
            en=f"page_size must be 1–{MAX_PAGE_SIZE}",
            low=1,
            high=MAX_PAGE_SIZE,
        )
    return filters
