"""/api/v1/ratings/: rate a completed case or a counter visit, record a visit, the public figures.

Handlers only translate: body → service → output schema. The figures need no token.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from govhall.cases.models import Case
from govhall.catalog.models import ServiceItem
from govhall.core import permissions
from govhall.core.api import ErrorOut
from govhall.core.calendar import SHANGHAI
from govhall.core.errors import DomainError, NotFound
from govhall.identity.models import Department, User
from govhall.ratings import selectors, services
from govhall.ratings.models import Rating

router = Router(tags=["好差评 ratings"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422)}


class RatingIn(Schema):
    level: int
    tags: list[str] = []
    comment: str = ""


class RatingOut(Schema):
    id: int
    source: str
    level: int
    level_name: str
    tags: list[str]
    comment: str
    department: str
    created_at: datetime
    real_name: bool
    rectification_id: int | None
    rectification_status: str | None
    rectification_due_at: datetime | None


class VisitIn(Schema):
    department: str
    item: str | None = None
    visitor_name: str = ""
    summary: str = ""
    idempotency_key: str = ""


class VisitOut(Schema):
    code: str
    department: str
    created_at: datetime
    expires_at: datetime
    rating_url: str


class SatisfactionOut(Schema):
    department_id: int
    department: str
    count: int
    satisfied_count: int
    satisfaction_rate: Decimal
    average_score: Decimal


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _out(rating: Rating) -> RatingOut:
    rectification = getattr(rating, "rectification", None) if rating.is_bad else None
    return RatingOut(
        id=rating.pk,
        source=rating.source,
        level=rating.level,
        level_name=rating.level_zh,
        tags=list(rating.tags),
        comment=rating.comment,
        department=rating.department.name,
        created_at=rating.created_at,
        real_name=rating.real_name,
        rectification_id=rectification.pk if rectification else None,
        rectification_status=rectification.status if rectification else None,
        rectification_due_at=rectification.due_at if rectification else None,
    )


@router.post("/cases/{case_no}", response={201: RatingOut, **ERRORS}, summary="评价已办结办件 Rate a case")
def rate_case(request: HttpRequest, case_no: str, payload: RatingIn) -> Status:
    """One rating per completed case by its applicant (一事一评); a repeat returns the first rating."""
    user = _user(request)
    case = permissions.restrict(Case.objects.all(), user).filter(case_no=case_no).first()
    if case is None:
        raise NotFound("case_not_found", "办件不存在", "no such case", status=404)
    rating = services.rate_case(
        actor=user, case=case, level=payload.level, tags=payload.tags, comment=payload.comment
    )
    return Status(201, _out(rating))


@router.post(
    "/visits/{code}/rating", response={201: RatingOut, **ERRORS}, summary="评价窗口服务 Rate a visit"
)
def rate_visit(request: HttpRequest, code: str, payload: RatingIn) -> Status:
    """One rating per counter visit (一次一评), by the holder of its code."""
    rating = services.rate_visit(
        actor=_user(request), code=code, level=payload.level, tags=payload.tags, comment=payload.comment
    )
    return Status(201, _out(rating))


@router.post("/visits", response={201: VisitOut, **ERRORS}, summary="登记窗口办事 Record a visit")
def record_visit(request: HttpRequest, payload: VisitIn) -> Status:
    """A window clerk records a visit; the code goes to the visitor (screen, receipt, SMS)."""
    department = Department.objects.filter(code=payload.department).first()
    if department is None:
        raise NotFound("department_not_found", "部门不存在", "no such department", status=404)
    item = None
    if payload.item:
        item = ServiceItem.objects.filter(implementation_code=payload.item).first()
        if item is None:
            raise NotFound("item_not_found", "事项不存在", "no such item", status=404)
    visit = services.record_visit(
        actor=_user(request),
        department=department,
        item=item,
        visitor_name=payload.visitor_name,
        summary=payload.summary,
        idempotency_key=payload.idempotency_key,
    )
    return Status(
        201,
        VisitOut(
            code=visit.code,
            department=department.name,
            created_at=visit.created_at,
            expires_at=visit.expires_at,
            rating_url=f"/ratings/visit/{visit.code}/",
        ),
    )


def _moment(value: date | None) -> datetime | None:
    return datetime.combine(value, time.min, tzinfo=SHANGHAI) if value else None


@router.get(
    "/satisfaction",
    response={200: list[SatisfactionOut], **ERRORS},
    auth=None,
    summary="部门满意度 Satisfaction by department",
)
def satisfaction(
    request: HttpRequest, start: date | None = None, end: date | None = None
) -> list[SatisfactionOut]:
    """Ratings made from ``start`` (Beijing day, inclusive) to ``end`` (exclusive); public."""
    if start and end and end <= start:
        raise DomainError("invalid_period", "结束日期应晚于开始日期", "end must be after start")
    figures = selectors.satisfaction_by_department(_moment(start), _moment(end))
    names = dict(Department.objects.filter(pk__in=figures).values_list("pk", "name"))
    return [
        SatisfactionOut(
            department_id=pk,
            department=names.get(pk, ""),
            count=row.total,
            satisfied_count=row.satisfied,
            satisfaction_rate=row.satisfaction_rate,
            average_score=row.average_score,
        )
        for pk, row in sorted(figures.items(), key=lambda entry: names.get(entry[0], ""))
    ]
