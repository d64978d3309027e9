"""Reads of ratings: rows filtered by core.permissions, and the public aggregated figures.

Figures (public, for supervision metrics too): ratings in ``[start, end)`` left out when an appeal
was upheld; *satisfied* are the three upper levels (非常满意、满意、基本满意); the average score is
the mean of the levels' values (5 … 1) rounded half up to two decimals. The follow-up rate
(回访率) is the share of real-name bad ratings whose rectification has been contacted (or was
reported, confirmed, disputed, or answered by an upheld appeal).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db.models import Avg, Count, Q, QuerySet

from govhall.cases.models import Case
from govhall.core import permissions
from govhall.ratings.models import SATISFIED_MIN, Rating, Rectification
from govhall.ratings.permissions import HANDLING, department_ids, supervised_paths

FOLLOWED_UP = (
    Rectification.Status.CONTACTED,
    Rectification.Status.RECTIFIED,
    Rectification.Status.CONFIRMED,
    Rectification.Status.DISPUTED,
    Rectification.Status.APPEAL_UPHELD,
)


class Satisfaction(NamedTuple):
    """(number of ratings, of which satisfied, average score); unpacks as a plain triple."""

    total: int
    satisfied: int
    average_score: Decimal

    @property
    def satisfaction_rate(self) -> Decimal:
        return rate(self.satisfied, self.total)


def rate(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _average(value: Any) -> Decimal:
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _counted(start: datetime | None, end: datetime | None) -> QuerySet[Rating]:
    qs = Rating.objects.filter(excluded=False)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lt=end)
    return qs


def _grouped(qs: QuerySet[Rating], field: str) -> dict[int, Satisfaction]:
    rows = (
        qs.order_by()
        .values(field)
        .annotate(n=Count("pk"), good=Count("pk", filter=Q(level__gte=SATISFIED_MIN)), avg=Avg("level"))
    )
    return {
        row[field]: Satisfaction(row["n"], row["good"], _average(row["avg"])) for row in rows if row[field]
    }


def satisfaction_by_department(
    start: datetime | None = None, end: datetime | None = None
) -> dict[int, Satisfaction]:
    """department id → (count, satisfied_count, average_score) of ratings made in ``[start, end)``."""
    return _grouped(_counted(start, end), "department_id")


def satisfaction_by_item(
    start: datetime | None = None, end: datetime | None = None, *, department_id: int | None = None
) -> dict[int, Satisfaction]:
    """service item id → (count, satisfied_count, average_score), same rules; counter visits without an
    item count for their department only."""
    qs = _counted(start, end)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    return _grouped(qs, "item_id")


def satisfaction_of_item(item_id: int) -> Satisfaction:
    return satisfaction_by_item(None, None).get(item_id) or Satisfaction(0, 0, Decimal("0.00"))


@dataclass(frozen=True)
class FollowUp:
    bad_real_name: int
    followed_up: int

    @property
    def rate(self) -> Decimal:
        return rate(self.followed_up, self.bad_real_name) if self.bad_real_name else Decimal("100.00")


def follow_up_by_department(
    start: datetime | None = None, end: datetime | None = None
) -> dict[int, FollowUp]:
    """department id → real-name bad ratings and how many of them the department followed up."""
    qs = Rectification.objects.filter(rating__real_name=True)
    if start is not None:
        qs = qs.filter(opened_at__gte=start)
    if end is not None:
        qs = qs.filter(opened_at__lt=end)
    rows = (
        qs.order_by()
        .values("department_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(status__in=FOLLOWED_UP)))
    )
    return {row["department_id"]: FollowUp(row["n"], row["done"]) for row in rows}


# --- Rows for the viewer -------------------------------------------------------------------------------


def rating_for_case(user: Any, case: Case) -> Rating | None:
    rating = Rating.objects.filter(case=case).select_related("rectification").first()
    if rating is None or not permissions.can_view(user, rating):
        return None
    return rating


def can_rate_case(user: Any, case: Case) -> bool:
    return (
        permissions.is_authenticated(user)
        and case.applicant_id == user.pk
        and case.status == Case.Status.COMPLETED
        and not Rating.objects.filter(case=case).exists()
    )


def my_ratings(user: Any) -> QuerySet[Rating]:
    return (
        permissions.restrict(Rating.objects.all(), user)
        .filter(rater_id=getattr(user, "pk", None))
        .select_related("department", "item__current_version", "case", "rectification")
    )


def rectifications(
    user: Any, *, status: str = "", department_id: int | None = None
) -> QuerySet[Rectification]:
    qs = permissions.restrict(Rectification.objects.all(), user).select_related(
        "rating__case", "rating__item__current_version", "department"
    )
    if status:
        qs = qs.filter(status=status)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    return qs.order_by("due_at", "id")


def department_queue(user: Any, *, status: str = "") -> QuerySet[Rectification]:
    """The rectifications of the departments where the user handles them."""
    return rectifications(user, status=status).filter(department_id__in=department_ids(user))


def appeals(user: Any, *, pending_only: bool = True) -> QuerySet[Rectification]:
    paths = supervised_paths(user)
    qs = Rectification.objects.filter(
        permissions.region_subtree_q(paths, "department__region__path"), appealed_at__isnull=False
    ).select_related("rating", "department")
    if pending_only:
        qs = qs.filter(status=Rectification.Status.APPEALED)
    return qs.order_by("appealed_at", "id")


def rectification(user: Any, pk: int) -> Rectification | None:
    return (
        permissions.restrict(Rectification.objects.all(), user)
        .select_related(
            "rating__case", "rating__visit", "rating__item__current_version", "department__region"
        )
        .prefetch_related("events__actor")
        .filter(pk=pk)
        .first()
    )


def handles(user: Any) -> bool:
    return bool(department_ids(user, HANDLING))
