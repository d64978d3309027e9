"""Hooks into other apps' pages: the rating panel of a case page and an item's satisfaction line."""

from __future__ import annotations

from typing import Any

from django import template

from govhall.ratings import selectors
from govhall.ratings.permissions import department_ids, is_supervisor

register = template.Library()


@register.inclusion_tag("ratings/_case_rating.html", takes_context=True)
def case_rating(context: template.Context, case: Any) -> dict[str, Any]:
    """On the applicant's case page: 评价 for a completed case, or the rating given and its follow-up."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if case is None or not case.pk or case.status != "completed":
        return {"show": False}
    rating = selectors.rating_for_case(user, case)
    return {
        "show": rating is not None or selectors.can_rate_case(user, case),
        "case": case,
        "rating": rating,
        "rectification": getattr(rating, "rectification", None)
        if rating is not None and rating.is_bad
        else None,
    }


@register.inclusion_tag("ratings/_item_satisfaction.html")
def item_satisfaction(item: Any) -> dict[str, Any]:
    """On an item's guide: how many rated it and how satisfied they were (public)."""
    figures = selectors.satisfaction_of_item(item.pk) if item is not None else None
    return {"figures": figures, "item": item}


@register.filter
def zh(label: Any) -> str:
    """The Chinese half of a bilingual label ("已回访待整改 contacted" → "已回访待整改")."""
    return str(label).split(" ")[0]


@register.filter
def supervises_any(user: Any) -> bool:
    return is_supervisor(user)


@register.filter
def works_in_a_department(user: Any) -> bool:
    return bool(department_ids(user))
