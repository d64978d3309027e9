"""Public disclosure pages (/disclosure/): home, department catalogue, search, publication, lists, penalties."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from govhall.core import permissions
from govhall.core.errors import DomainError
from govhall.disclosure import selectors
from govhall.disclosure.filters import clean, parse_department, parse_page, parse_publication_filters
from govhall.disclosure.models import NegativeListEntry, Publication, Topic

View = Callable[..., HttpResponseBase]
RECENT = 10


def shows_domain_errors(view: View) -> View:
    """A bad filter, malformed code or unknown record becomes a page with its status."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render(request, "disclosure/error.html", {"error": error}, status=error.status)

    return wrapper


def _page_query(params: dict[str, str]) -> str:
    return urlencode(params)


@require_GET
@shows_domain_errors
def home(request: HttpRequest) -> HttpResponse:
    departments = [d for d in selectors.disclosure_departments() if d.published][:24]  # type: ignore[attr-defined]
    recent = selectors.visible_publications(request.user).filter(status=Publication.Status.PUBLISHED)
    return render(
        request,
        "disclosure/home.html",
        {
            "departments": departments,
            "categories": selectors.categories_for(None).filter(parent__isnull=True),
            "recent": list(recent.order_by("-published_at", "-id")[:RECENT]),
            "counts": selectors.list_counts(),
            "topics": Topic.choices,
        },
    )


@require_GET
@shows_domain_errors
def department(request: HttpRequest, code: str) -> HttpResponse:
    found = parse_department({"department": code})
    assert found is not None
    recent = selectors.visible_publications(request.user).filter(
        department=found, status=Publication.Status.PUBLISHED
    )
    return render(
        request,
        "disclosure/department.html",
        {
            "department": found,
            "guide": getattr(found, "disclosure_guide", None),
            "catalogue": selectors.department_catalogue(found),
            "recent": list(recent.order_by("-published_at", "-id")[:RECENT]),
        },
    )


@require_GET
@shows_domain_errors
def search(request: HttpRequest) -> HttpResponse:
    filters = parse_publication_filters(request.GET)
    page = selectors.public_publications(filters, request.user)
    return render(
        request,
        "disclosure/search.html",
        {
            "filters": filters,
            "page": page,
            "query": _page_query(filters.as_query()),
            "departments": [d for d in selectors.disclosure_departments() if d.published],  # type: ignore[attr-defined]
            "categories": selectors.categories_for(filters.department),
            "topics": Topic.choices,
        },
    )


@require_GET
@shows_domain_errors
def publication(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_publication(request.user, pk)
    return render(
        request,
        "disclosure/publication.html",
        {
            "publication": found,
            "show_body": selectors.may_read_body(request.user, found),
            # The confidentiality review is the department's record, not the public's.
            "reviews": selectors.reviews_of(found)
            if permissions.can_act(request.user, found, "edit")
            else [],
        },
    )


@require_GET
@shows_domain_errors
def lists_index(request: HttpRequest) -> HttpResponse:
    return render(request, "disclosure/lists.html", {"counts": selectors.list_counts()})


def _list_page(request: HttpRequest, template: str, page: Any, **extra: Any) -> HttpResponse:
    params = {key: value for key, value in extra.pop("params", {}).items() if value}
    return render(request, template, {"page": page, "query": _page_query(params), **params, **extra})


@require_GET
@shows_domain_errors
def responsibility_list(request: HttpRequest) -> HttpResponse:
    q = clean(request.GET, "q")
    department = parse_department(request.GET)
    page = selectors.responsibilities(request.user, q=q, department=department, page=parse_page(request.GET))
    return _list_page(
        request,
        "disclosure/list_responsibility.html",
        page,
        params={"q": q, "department": department.code if department else ""},
        department_obj=department,
        departments=selectors.disclosure_departments(),
    )


@require_GET
@shows_domain_errors
def negative_list(request: HttpRequest) -> HttpResponse:
    q = clean(request.GET, "q")
    kind = clean(request.GET, "kind", max_length=12)
    if kind and kind not in NegativeListEntry.Kind.values:
        raise DomainError("invalid_kind", "清单类别无效", "unknown negative-list kind", status=400)
    page = selectors.negative_entries(request.user, q=q, kind=kind, page=parse_page(request.GET))
    return _list_page(
        request,
        "disclosure/list_negative.html",
        page,
        params={"q": q, "kind": kind},
        kinds=NegativeListEntry.Kind.choices,
    )


@require_GET
@shows_domain_errors
def fund_list(request: HttpRequest) -> HttpResponse:
    q = clean(request.GET, "q")
    department = parse_department(request.GET)
    page = selectors.funds(request.user, q=q, department=department, page=parse_page(request.GET))
    return _list_page(
        request,
        "disclosure/list_funds.html",
        page,
        params={"q": q, "department": department.code if department else ""},
        department_obj=department,
        departments=selectors.disclosure_departments(),
    )


@require_GET
@shows_domain_errors
def penalty_list(request: HttpRequest) -> HttpResponse:
    q = clean(request.GET, "q")
    department = parse_department(request.GET)
    page = selectors.public_penalties(q=q, department=department, page=parse_page(request.GET))
    return _list_page(
        request,
        "disclosure/penalties.html",
        page,
        params={"q": q, "department": department.code if department else ""},
        department_obj=department,
        departments=selectors.disclosure_departments(),
    )


@require_GET
@shows_domain_errors
def penalty(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "disclosure/penalty.html", {"decision": selectors.get_penalty(request.user, pk)})
