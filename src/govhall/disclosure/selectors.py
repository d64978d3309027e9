"""Reads of disclosure, already narrowed to what the user may see (core.permissions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Length

from govhall.core import permissions
from govhall.core.calendar import SHANGHAI
from govhall.core.errors import NotFound
from govhall.disclosure import search
from govhall.disclosure.filters import PAGE_SIZE, PublicationFilters
from govhall.disclosure.models import (
    Category,
    ConfidentialityReview,
    InformationRequest,
    NegativeListEntry,
    PenaltyDecision,
    Publication,
    RequestEvent,
    Responsibility,
    SearchTerm,
    SpecialFund,
)
from govhall.disclosure.permissions import staff_departments
from govhall.disclosure.services import ensure_standard_categories
from govhall.identity.models import Department

PUBLIC = [Publication.Status.PUBLISHED, Publication.Status.WITHDRAWN]


def _not_found(what_zh: str = "信息", what_en: str = "record") -> NotFound:
    return NotFound("not_found", f"没有找到该{what_zh}", f"no such {what_en}", status=404)


def visible_publications(user: Any) -> QuerySet[Publication]:
    return permissions.restrict(Publication.objects.all(), user, "view").select_related(
        "department", "category"
    )


def _ranked(queryset: QuerySet[Any], hits: list[search.Hit], page: int) -> Page[Any]:
    order = {hit.object_id: index for index, hit in enumerate(hits)}
    rows = sorted(queryset.filter(pk__in=list(order)), key=lambda row: order[row.pk])
    return Paginator(rows, PAGE_SIZE).get_page(page)


def public_publications(filters: PublicationFilters, user: Any = None) -> Page[Publication]:
    """Public (and withdrawn, marked) publications matching the filters; best match first with a query."""
    qs = visible_publications(user).filter(status__in=PUBLIC)
    if filters.department:
        qs = qs.filter(department=filters.department)
    if filters.category:
        qs = qs.filter(Q(category=filters.category) | Q(category__parent=filters.category))
    if filters.topic:
        qs = qs.filter(topic=filters.topic)
    if filters.date_from:
        qs = qs.filter(published_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=SHANGHAI))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=SHANGHAI)
        qs = qs.filter(published_at__lt=end)
    if filters.q:
        hits = search.search(filters.q, kinds=[SearchTerm.Kind.PUBLICATION])
        return _ranked(qs, hits, filters.page)
    return Paginator(qs.order_by("-published_at", "-id"), PAGE_SIZE).get_page(filters.page)


def get_publication(user: Any, pk: int) -> Publication:
    publication = visible_publications(user).filter(pk=pk).first()
    if publication is None:
        raise _not_found("公开信息", "publication")
    return publication


def may_read_body(user: Any, publication: Publication) -> bool:
    """The public reads a withdrawn item's record but not its content; the department's staff do."""
    if publication.status == Publication.Status.PUBLISHED:
        return True
    return (
        permissions.can_act(user, publication, "edit")
        or permissions.is_platform_admin(user)
        or _supervises(user, publication.department)
    )


def _supervises(user: Any, department: Department) -> bool:
    paths = {g.region_path for g in permissions.grants(user) if g.role == "supervisor"}
    return any(department.region.path.startswith(path) for path in paths)


def reviews_of(publication: Publication) -> list[ConfidentialityReview]:
    return list(publication.reviews.select_related("reviewer"))


def disclosure_departments() -> list[Department]:
    """Active departments with their count of published items, busiest first."""
    return list(
        Department.objects.filter(is_active=True)
        .annotate(
            published=Count("publications", filter=Q(publications__status=Publication.Status.PUBLISHED))
        )
        .select_related("region")
        .order_by("-published", "region__code", "code")
    )


@dataclass(frozen=True)
class CatalogueHeading:
    category: Category
    count: int
    children: list[CatalogueHeading]


def department_catalogue(department: Department) -> list[CatalogueHeading]:
    """The department's disclosure catalogue: standard headings and its own, with published counts."""
    ensure_standard_categories()
    counts = dict(
        Publication.objects.filter(department=department, status=Publication.Status.PUBLISHED)
        .values_list("category_id")
        .annotate(n=Count("id"))
        .values_list("category_id", "n")
    )
    categories = list(Category.objects.filter(Q(department__isnull=True) | Q(department=department)))
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)

    def heading(category: Category) -> CatalogueHeading:
        subs = [heading(child) for child in children.get(category.pk, [])]
        return CatalogueHeading(category, counts.get(category.pk, 0) + sum(s.count for s in subs), subs)

    return [heading(category) for category in categories if category.parent_id is None]


def categories_for(department: Department | None) -> QuerySet[Category]:
    ensure_standard_categories()
    if department is None:
        return Category.objects.filter(department__isnull=True)
    return Category.objects.filter(Q(department__isnull=True) | Q(department=department))


# --- The lists and penalties ---------------------------------------------------------------------


def _search_or_all(qs: QuerySet[Any], q: str, kind: str, page: int, ordering: list[str]) -> Page[Any]:
    if q:
        return _ranked(qs, search.search(q, kinds=[kind]), page)
    return Paginator(qs.order_by(*ordering), PAGE_SIZE).get_page(page)


def responsibilities(
    user: Any, *, q: str = "", department: Department | None = None, page: int = 1
) -> Page[Any]:
    qs = permissions.restrict(Responsibility.objects.all(), user, "view").filter(status="published")
    qs = qs.select_related("department").prefetch_related("related_items__current_version")
    if department:
        qs = qs.filter(department=department)
    return _search_or_all(qs, q, SearchTerm.Kind.RESPONSIBILITY, page, ["department__code", "order", "id"])


def negative_entries(user: Any, *, q: str = "", kind: str = "", page: int = 1) -> Page[Any]:
    qs = permissions.restrict(NegativeListEntry.objects.all(), user, "view").filter(status="published")
    qs = qs.select_related("department")
    if kind:
        qs = qs.filter(kind=kind)
    # Prohibited entries first, then by number as a number ("2" before "10").
    qs = qs.annotate(number_length=Length("number"))
    return _search_or_all(
        qs, q, SearchTerm.Kind.NEGATIVE, page, ["-edition", "-kind", "number_length", "number"]
    )


def funds(user: Any, *, q: str = "", department: Department | None = None, page: int = 1) -> Page[Any]:
    qs = permissions.restrict(SpecialFund.objects.all(), user, "view").filter(status="published")
    qs = qs.select_related("department")
    if department:
        qs = qs.filter(department=department)
    return _search_or_all(qs, q, SearchTerm.Kind.FUND, page, ["-year", "department__code", "name"])


def public_penalties(*, q: str = "", department: Department | None = None, page: int = 1) -> Page[Any]:
    """Decisions on show; withdrawn ones have left public view."""
    qs = PenaltyDecision.objects.filter(status=PenaltyDecision.Status.PUBLISHED).select_related("department")
    if department:
        qs = qs.filter(department=department)
    return _search_or_all(qs, q, SearchTerm.Kind.PENALTY, page, ["-decided_on", "-id"])


def get_penalty(user: Any, pk: int) -> PenaltyDecision:
    decision = permissions.restrict(PenaltyDecision.objects.all(), user, "view").filter(pk=pk).first()
    if decision is None:
        raise _not_found("处罚决定", "penalty decision")
    return decision


def list_counts() -> dict[str, int]:
    return {
        "responsibility": Responsibility.objects.filter(status="published").count(),
        "negative": NegativeListEntry.objects.filter(status="published").count(),
        "fund": SpecialFund.objects.filter(status="published").count(),
        "penalty": PenaltyDecision.objects.filter(status="published").count(),
    }


# --- Requests ------------------------------------------------------------------------------------


def my_requests(user: Any) -> QuerySet[InformationRequest]:
    if not permissions.is_authenticated(user):
        return InformationRequest.objects.none()
    return InformationRequest.objects.filter(applicant_id=user.pk).select_related("department")


def get_request(user: Any, number: str) -> InformationRequest:
    request = (
        permissions.restrict(InformationRequest.objects.all(), user, "view")
        .filter(number=number)
        .select_related("department", "department__region", "applicant")
        .prefetch_related(
            Prefetch("events", queryset=RequestEvent.objects.select_related("actor")),
            "files",
            "answer_publications",
        )
        .first()
    )
    if request is None:
        raise _not_found("申请", "request")
    return request


def staff_requests(user: Any, *, status: str = "") -> QuerySet[InformationRequest]:
    qs = permissions.restrict(InformationRequest.objects.all(), user, "view").exclude(applicant_id=user.pk)
    if status == "open":
        qs = qs.exclude(status__in=[InformationRequest.Status.ANSWERED, InformationRequest.Status.CLOSED])
    elif status:
        qs = qs.filter(status=status)
    return qs.select_related("department").order_by("due_at", "submitted_at")


def staff_publications(user: Any, *, status: str = "") -> QuerySet[Publication]:
    qs = visible_publications(user).filter(department_id__in=_staff_department_ids(user))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-updated_at")


def _staff_department_ids(user: Any) -> list[int]:
    return sorted(staff_departments(user))


def staff_department_choices(user: Any) -> list[Department]:
    return list(Department.objects.filter(id__in=_staff_department_ids(user)).order_by("code"))
