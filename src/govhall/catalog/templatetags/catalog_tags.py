"""Template helpers for the catalogue pages and the home page sections."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.http import urlencode
from django.utils.translation import get_language

from govhall.catalog import selectors, stars
from govhall.catalog.models import ItemVersion

register = template.Library()


def _english() -> bool:
    return (get_language() or "").startswith("en")


@register.simple_tag
def bilingual(pair: tuple[str, str]) -> str:
    """The Chinese or English half of a (zh, en) pair, by the active language."""
    return pair[1] if _english() else pair[0]


@register.simple_tag
def choice_label(label: str) -> str:
    """Model choice labels read "中文 English": show the half for the active language."""
    text = str(label)
    zh, _, en = text.partition(" ")
    return en if _english() and en else zh


@register.inclusion_tag("catalog/_stars.html")
def star_badge(level: int) -> dict[str, Any]:
    zh, en = stars.STAR_TEXT[level]
    return {"level": level, "stars": stars.stars_display(level), "text": en if _english() else zh}


@register.simple_tag
def page_url(query_string: str, page: int) -> str:
    params = f"{query_string}&" if query_string else ""
    return "?" + params + urlencode({"page": page})


@register.simple_tag
def catalogue_home(hot: int = 8) -> dict[str, Any]:
    """Everything the home page's catalogue sections show, in five queries."""
    themes = selectors.themes_with_counts()
    exact = selectors.star_counts()
    # The links filter by "this many stars or more", so the counts are cumulative too.
    at_least = [(level, sum(n for lvl, n in exact.items() if lvl >= level)) for level in (5, 4, 3)]
    return {
        "person_themes": [t for t in themes if t.audience == "person"],
        "legal_themes": [t for t in themes if t.audience == "legal"],
        # The busiest departments first: they are where most people are going.
        "departments": sorted(selectors.departments_with_counts(), key=lambda d: -d.item_count),
        "hot_items": selectors.hot_items(hot),
        "star_counts": at_least,
    }


@register.filter
def material_need(material: Any) -> str:
    if material.required:
        return "Required" if _english() else "必要"
    return ("If: " if _english() else "情形：") + material.condition


@register.filter
def is_version(value: Any) -> bool:
    return isinstance(value, ItemVersion)


@register.simple_tag(takes_context=True)
def lang_url(context: Any, choice: str) -> str:
    """The current page's address with ``lang`` set, keeping its other parameters."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else {}
    params["lang"] = choice
    params.pop("page", None)
    return "?" + urlencode(params, doseq=True)


@register.filter
def theme_name(theme: Any) -> str:
    return theme.name_en if _english() and theme.name_en else theme.name
