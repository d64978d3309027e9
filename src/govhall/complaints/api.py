"""/api/v1/interaction/: consultations and complaints of the signed-in citizen or enterprise."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from govhall.cases.models import Case
from govhall.catalog.models import ServiceItem
from govhall.complaints import selectors, services
from govhall.complaints.models import Complaint, Consultation
from govhall.core import permissions
from govhall.core.api import ErrorOut
from govhall.core.errors import NotFound
from govhall.identity.models import Department, User

router = Router(tags=["咨询投诉 consultations and complaints"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422)}


class ConsultationIn(Schema):
    subject: str
    question: str
    item: str | None = None  # implementation code
    department: str | None = None  # department code, for a general question
    publish_consent: bool = False
    idempotency_key: str = ""


class ConsultationOut(Schema):
    number: str
    subject: str
    question: str
    department: str
    status: str
    submitted_at: datetime
    due_at: datetime
    answer: str
    answered_at: datetime | None


class ComplaintIn(Schema):
    target: str  # case, department, staff
    subject: str
    content: str
    case: str | None = None  # case number
    department: str | None = None  # department code
    staff_name: str = ""
    idempotency_key: str = ""


class ComplaintOut(Schema):
    number: str
    target: str
    subject: str
    department: str
    status: str
    submitted_at: datetime
    due_at: datetime
    answer: str
    answered_at: datetime | None
    supervisor_opinion: str


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _department(code: str | None) -> Department | None:
    if not code:
        return None
    found = Department.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise NotFound("department_not_found", "部门不存在", "no such department", status=404)
    return found


def _consultation(c: Consultation) -> ConsultationOut:
    return ConsultationOut(
        number=c.number,
        subject=c.subject,
        question=c.question,
        department=c.department.name,
        status=c.status,
        submitted_at=c.submitted_at,
        due_at=c.due_at,
        answer=c.answer,
        answered_at=c.answered_at,
    )


def _complaint(c: Complaint) -> ComplaintOut:
    return ComplaintOut(
        number=c.number,
        target=c.target,
        subject=c.subject,
        department=c.department.name,
        status=c.status,
        submitted_at=c.submitted_at,
        due_at=c.due_at,
        answer=c.answer,
        answered_at=c.answered_at,
        supervisor_opinion=c.supervisor_opinion,
    )


@router.post("/consultations", response={201: ConsultationOut, **ERRORS}, summary="提交咨询 Ask")
def create_consultation(request: HttpRequest, payload: ConsultationIn) -> Status:
    """About an item (routed to its department) or to a department; retries with the same
    ``idempotency_key`` return the first consultation."""
    item = None
    if payload.item:
        item = ServiceItem.objects.filter(implementation_code=payload.item).first()
        if item is None:
            raise NotFound("item_not_found", "事项不存在", "no such item", status=404)
    consultation = services.ask(
        actor=_user(request),
        subject=payload.subject,
        question=payload.question,
        item=item,
        department=_department(payload.department),
        publish_consent=payload.publish_consent,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, _consultation(consultation))


@router.get("/consultations", response={200: list[ConsultationOut], **ERRORS}, summary="我的咨询 Mine")
def my_consultations(request: HttpRequest) -> list[ConsultationOut]:
    return [_consultation(c) for c in selectors.my_consultations(_user(request))[:200]]


@router.post("/complaints", response={201: ComplaintOut, **ERRORS}, summary="提交投诉 Complain")
def create_complaint(request: HttpRequest, payload: ComplaintIn) -> Status:
    """About one of the caller's cases, a department, or a staff member's conduct."""
    user = _user(request)
    case = None
    if payload.case:
        case = permissions.restrict(Case.objects.all(), user).filter(case_no=payload.case).first()
        if case is None:
            raise NotFound("case_not_found", "办件不存在", "no such case", status=404)
    complaint = services.complain(
        actor=user,
        target=payload.target,
        subject=payload.subject,
        content=payload.content,
        case=case,
        department=_department(payload.department),
        staff_name=payload.staff_name,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, _complaint(complaint))


@router.get("/complaints", response={200: list[ComplaintOut], **ERRORS}, summary="我的投诉 Mine")
def my_complaints(request: HttpRequest) -> list[ComplaintOut]:
    return [_complaint(c) for c in selectors.my_complaints(_user(request))[:200]]


@router.get("/complaints/{number}", response={200: ComplaintOut, **ERRORS}, summary="投诉详情 Complaint")
def complaint_detail(request: HttpRequest, number: str) -> ComplaintOut:
    found = selectors.complaint(_user(request), number)
    if found is None:
        raise NotFound("complaint_not_found", "投诉不存在", "no such complaint", status=404)
    return _complaint(found)
