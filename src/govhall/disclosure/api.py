"""/api/v1/disclosure/: public publications, lists and penalties; requests for information.

Handlers only translate: query or body → selector or service → output schema. Reading what is
public needs no token; requests need the applicant's (or the agency staff's) authentication.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from govhall.core.api import ErrorOut
from govhall.core.errors import DomainError
from govhall.disclosure import report, request_services, selectors
from govhall.disclosure.filters import clean, parse_department, parse_page, parse_publication_filters
from govhall.disclosure.models import InformationRequest, PenaltyDecision, Publication
from govhall.disclosure.permissions import may_see_figures
from govhall.identity.models import Department, User

router = Router(tags=["政务公开 disclosure"])

ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422)}


class DepartmentRef(Schema):
    code: str
    name: str


class PublicationOut(Schema):
    id: int
    index_number: str
    title: str
    department: DepartmentRef
    category_code: str
    category: str
    issuing_body: str
    document_number: str
    topic: str
    written_on: date | None
    published_at: datetime | None
    validity: str
    withdrawn: bool
    withdrawn_at: datetime | None
    withdrawal_reason: str
    url: str


class PublicationDetailOut(PublicationOut):
    keywords: str
    summary: str
    body: str | None  # None once withdrawn: the record stays, the content leaves public view
    effective_from: date | None
    effective_until: date | None


class Paged(Schema):
    total: int
    page: int
    pages: int


class PublicationPageOut(Paged):
    items: list[PublicationOut]


class PublicationQuery(Schema):
    q: str | None = None
    department: str | None = None
    category: str | None = None
    topic: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    page: str | None = None


class ListQuery(Schema):
    q: str | None = None
    department: str | None = None
    kind: str | None = None
    page: str | None = None


class EntryOut(Schema):
    id: int
    kind: str
    title: str
    department: DepartmentRef | None
    fields: dict[str, Any]


class EntryPageOut(Paged):
    items: list[EntryOut]


class PenaltyOut(Schema):
    id: int
    decision_number: str
    department: DepartmentRef
    party: str
    party_kind: str
    credit_code: str
    legal_representative: str
    violation: str
    basis: str
    penalty: str
    fine_amount: Decimal | None
    decided_on: date
    published_at: datetime | None
    public_until: datetime | None


class PenaltyPageOut(Paged):
    items: list[PenaltyOut]


class RequestIn(Schema):
    department: str
    content: str
    purpose: str = ""
    delivery: str = InformationRequest.Delivery.ONLINE
    postal_address: str = ""
    publication_id: int | None = None
    idempotency_key: str = ""


class CorrectionIn(Schema):
    content: str


class RequestOut(Schema):
    number: str
    department: DepartmentRef
    status: str
    content: str
    purpose: str
    delivery: str
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None
    extended: bool
    correction_note: str
    correction_due_at: datetime | None
    answer: str
    answer_reason: str
    answer_text: str
    legal_basis: str
    referral_agency: str
    answered_at: datetime | None
    answered_late: bool
    files: list[str]
    url: str


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _maybe_user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _department(department: Department | None) -> DepartmentRef | None:
    return DepartmentRef(code=department.code, name=department.name) if department else None


def _publication(p: Publication) -> dict[str, Any]:
    return {
        "id": p.pk,
        "index_number": p.index_number or "",
        "title": p.title,
        "department": _department(p.department),
        "category_code": p.category.code,
        "category": p.category.name,
        "issuing_body": p.issuing_body,
        "document_number": p.document_number,
        "topic": p.get_topic_display(),
        "written_on": p.written_on,
        "published_at": p.published_at,
        "validity": p.validity,
        "withdrawn": p.is_withdrawn,
        "withdrawn_at": p.withdrawn_at,
        "withdrawal_reason": p.withdrawal_reason,
        "url": f"/disclosure/publications/{p.pk}/",
    }


@router.get(
    "/publications",
    response={200: PublicationPageOut, **ERRORS},
    auth=None,
    summary="检索公开信息 Search publications",
)
def list_publications(request: HttpRequest, params: Query[PublicationQuery]) -> PublicationPageOut:
    """Published (and withdrawn, marked) publications; with ``q``, in Chinese full-text rank order."""
    raw = {k: v for k, v in params.dict().items() if v is not None}
    raw["from"], raw["to"] = raw.pop("date_from", ""), raw.pop("date_to", "")
    page = selectors.public_publications(parse_publication_filters(raw), _maybe_user(request))
    return PublicationPageOut(
        items=[PublicationOut(**_publication(p)) for p in page.object_list],
        total=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
    )


@router.get(
    "/publications/{pk}",
    response={200: PublicationDetailOut, **ERRORS},
    auth=None,
    summary="公开信息 Publication",
)
def get_publication(request: HttpRequest, pk: int) -> PublicationDetailOut:
    user = _maybe_user(request)
    p = selectors.get_publication(user, pk)
    readable = selectors.may_read_body(user, p)
    return PublicationDetailOut(
        **_publication(p),
        keywords=p.keywords,
        summary=p.summary if readable else "",
        body=p.body if readable else None,
        effective_from=p.effective_from,
        effective_until=p.effective_until,
    )


def _entry_page(page: Any, kind: str) -> EntryPageOut:
    items = []
    for row in page.object_list:
        if kind == "responsibility":
            title = row.duty
            fields = {
                "tasks": row.tasks,
                "accountability": row.accountability,
                "cooperation": row.cooperation,
                "related_items": [i.implementation_code for i in row.related_items.all()],
            }
        elif kind == "negative":
            title = row.name
            fields = {
                "edition": row.edition,
                "kind": row.kind,
                "number": row.number,
                "industry": row.industry,
                "measures": row.measures,
                "basis": row.basis,
            }
        else:
            title = row.name
            fields = {
                "year": row.year,
                "amount_10k_cny": str(row.amount),
                "purpose": row.purpose,
                "allocation": row.allocation,
                "recipients_summary": row.recipients_summary,
            }
        items.append(
            EntryOut(id=row.pk, kind=kind, title=title, department=_department(row.department), fields=fields)
        )
    return EntryPageOut(
        items=items, total=page.paginator.count, page=page.number, pages=page.paginator.num_pages
    )


@router.get("/lists/{kind}", response={200: EntryPageOut, **ERRORS}, auth=None, summary="清单 Lists")
def list_entries(request: HttpRequest, kind: str, params: Query[ListQuery]) -> EntryPageOut:
    """``kind``: responsibility, negative or funds (the power list is the catalogue's /catalog/items)."""
    raw = {k: v for k, v in params.dict().items() if v is not None}
    q, page_no = clean(raw, "q"), parse_page(raw)
    user = _maybe_user(request)
    if kind == "responsibility":
        return _entry_page(
            selectors.responsibilities(user, q=q, department=parse_department(raw), page=page_no), kind
        )
    if kind == "negative":
        return _entry_page(selectors.negative_entries(user, q=q, kind=clean(raw, "kind"), page=page_no), kind)
    if kind == "funds":
        return _entry_page(selectors.funds(user, q=q, department=parse_department(raw), page=page_no), "fund")
    raise DomainError("unknown_list", "清单不存在", "no such list", status=404)


def _penalty(d: PenaltyDecision) -> PenaltyOut:
    return PenaltyOut(
        id=d.pk,
        decision_number=d.decision_number,
        department=DepartmentRef(code=d.department.code, name=d.department.name),
        party=d.party_public_name,
        party_kind=d.party_kind,
        credit_code=d.party_code,
        legal_representative=d.legal_representative,
        violation=d.violation,
        basis=d.basis,
        penalty=d.penalty,
        fine_amount=d.fine_amount,
        decided_on=d.decided_on,
        published_at=d.published_at,
        public_until=d.public_until,
    )


@router.get(
    "/penalties",
    response={200: PenaltyPageOut, **ERRORS},
    auth=None,
    summary="行政处罚决定公示 Penalty decisions",
)
def list_penalties(request: HttpRequest, params: Query[ListQuery]) -> PenaltyPageOut:
    raw = {k: v for k, v in params.dict().items() if v is not None}
    page = selectors.public_penalties(
        q=clean(raw, "q"), department=parse_department(raw), page=parse_page(raw)
    )
    return PenaltyPageOut(
        items=[_penalty(d) for d in page.object_list],
        total=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
    )


def _request(info: InformationRequest) -> RequestOut:
    return RequestOut(
        number=info.number,
        department=DepartmentRef(code=info.department.code, name=info.department.name),
        status=info.status,
        content=info.content,
        purpose=info.purpose,
        delivery=info.delivery,
        submitted_at=info.submitted_at,
        received_at=info.received_at,
        due_at=info.due_at,
        extended=info.extended_at is not None,
        correction_note=info.correction_note,
        correction_due_at=info.correction_due_at,
        answer=info.answer,
        answer_reason=info.answer_reason,
        answer_text=info.answer_text,
        legal_basis=info.legal_basis,
        referral_agency=info.referral_agency,
        answered_at=info.answered_at,
        answered_late=info.answered_late,
        files=[f"/disclosure/requests/{info.number}/files/{f.pk}/" for f in info.files.all()]
        if info.status == InformationRequest.Status.ANSWERED
        else [],
        url=f"/disclosure/my/requests/{info.number}/",
    )


@router.post(
    "/requests", response={201: RequestOut, **ERRORS}, summary="申请政府信息公开 Request information"
)
def create_request(request: HttpRequest, payload: RequestIn) -> Status:
    """Numbered at once; the 20 working days count from the agency's confirmation of receipt.
    Retrying with the same ``idempotency_key`` returns the first request."""
    user = _user(request)
    department = parse_department({"department": payload.department})
    assert department is not None
    related = None
    if payload.publication_id is not None:
        related = selectors.visible_publications(user).filter(pk=payload.publication_id).first()
    info = request_services.submit_request(
        actor=user,
        department=department,
        content=payload.content,
        purpose=payload.purpose,
        delivery=payload.delivery,
        postal_address=payload.postal_address,
        related_publication=related,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, _request(selectors.get_request(user, info.number)))


@router.get("/requests", response={200: list[RequestOut], **ERRORS}, summary="我的公开申请 My requests")
def my_requests(request: HttpRequest) -> list[RequestOut]:
    return [_request(info) for info in selectors.my_requests(_user(request)).prefetch_related("files")[:200]]


@router.get("/requests/{number}", response={200: RequestOut, **ERRORS}, summary="公开申请 Request")
def get_request(request: HttpRequest, number: str) -> RequestOut:
    return _request(selectors.get_request(_user(request), number))


@router.post(
    "/requests/{number}/correction", response={200: RequestOut, **ERRORS}, summary="提交补正 Correct"
)
def correct(request: HttpRequest, number: str, payload: CorrectionIn) -> RequestOut:
    user = _user(request)
    request_services.submit_correction(
        actor=user, request=selectors.get_request(user, number), content=payload.content
    )
    return _request(selectors.get_request(user, number))


@router.get("/report", response={200: dict[str, Any], **ERRORS}, summary="年度报告数据 Annual report figures")
def annual_report(request: HttpRequest, department: str, year: int) -> dict[str, Any]:
    """The requests table of the annual report for a department the caller works in or supervises."""
    user = _user(request)
    found = parse_department({"department": department})
    assert found is not None
    if not may_see_figures(user, found):
        raise DomainError("forbidden", "您无权查看该部门的年度报告数据", "not your department", status=403)
    return report.as_dict(report.annual_report(year=year, department_id=found.pk))
