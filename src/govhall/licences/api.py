"""/api/v1/licences: verification (public), the holder's licences, issuance and operations by the
issuing department, share links, and audited holder queries by departments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.throttling import AnonRateThrottle, BaseThrottle

from govhall.core.api import ErrorOut
from govhall.core.errors import DomainError, NotFound
from govhall.identity.models import Department
from govhall.licences import pdf, selectors, services, sharing, verification
from govhall.licences.models import Licence, LicenceType

router = Router(tags=["电子证照 licences"])
ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422, 429)}


class VerifyOut(Schema):
    outcome: str = Field(
        ..., description="valid | suspended | revoked | expired | superseded | not_found | signature_invalid"
    )
    message_zh: str
    message_en: str
    identifier: str
    licence_status: str
    type_name: str
    issuer_name: str
    holder_name: str = Field(..., description="masked for natural persons")
    holder_id: str = Field(..., description="masked for natural persons")
    valid_from: date | None
    valid_until: date | None
    version: int
    current_identifier: str
    key_id: str
    fields: list[list[str]]


class LicenceOut(Schema):
    identifier: str
    type_name: str
    type_code: str
    issuer: str
    issuer_uscc: str
    holder_name: str
    holder_id_masked: str
    status: str
    usable: bool
    version: int
    valid_from: date | None
    valid_until: date | None
    issued_at: datetime | None
    data: dict[str, Any]
    pdf_url: str


class IssueIn(Schema):
    licence_type: str = Field(..., description="证照名称 or type code")
    issuer_department: str = Field(..., description="颁发部门代码 department code")
    holder_kind: str = Field(..., pattern="^(person|legal)$")
    holder_name: str = Field(..., max_length=100)
    holder_identifier: str = Field(..., max_length=18, description="ID number or credit code")
    data: dict[str, Any] = Field(default_factory=dict)
    valid_from: date | None = None
    valid_until: date | None = None
    note: str = Field("", max_length=500)


class OperationIn(Schema):
    operation: str = Field(..., pattern="^(renew|change|suspend|restore|cancel|withdraw|revoke)$")
    reason: str = Field("", max_length=500)
    data: dict[str, Any] = Field(default_factory=dict, description="change: the fields that change")
    holder_name: str = Field("", max_length=100, description="change: a new holder name")
    valid_until: date | None = Field(None, description="renew: end of the new validity")


class ShareIn(Schema):
    hours: int = Field(24, ge=1, le=720)


class ShareOut(Schema):
    url: str
    expires_at: datetime


class HolderQueryIn(Schema):
    purpose: str = Field(..., max_length=500, description="查询用途 why the department needs them")
    id_number: str = Field("", max_length=18)
    uscc: str = Field("", max_length=18)


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def licence_out(licence: Licence) -> LicenceOut:
    version = licence.current_version
    return LicenceOut(
        identifier=licence.identifier,
        type_name=licence.licence_type.name,
        type_code=licence.licence_type.code,
        issuer=licence.issuer.name,
        issuer_uscc=licence.issuer.uscc,
        holder_name=licence.holder_name,
        holder_id_masked=licence.holder_id_masked,
        status=licence.status,
        usable=selectors.is_usable(licence),
        version=version.number if version else 0,
        valid_from=version.valid_from if version else None,
        valid_until=licence.valid_until,
        issued_at=version.issued_at if version else None,
        data=dict(version.data) if version else {},
        pdf_url=reverse("licences:pdf", args=[licence.identifier]) if version else "",
    )


def _verify_out(identifier: str) -> VerifyOut:
    result = verification.verify(identifier)
    return VerifyOut(
        outcome=result.outcome,
        message_zh=result.message_zh,
        message_en=result.message_en,
        identifier=result.identifier,
        licence_status=result.licence_status,
        type_name=result.type_name,
        issuer_name=result.issuer_name,
        holder_name=result.holder_name,
        holder_id=result.holder_id,
        valid_from=result.valid_from,
        valid_until=result.valid_until,
        version=result.version,
        current_identifier=result.current_identifier,
        key_id=result.key_id,
        fields=[[label, value] for label, value in result.fields],
    )


VERIFY_THROTTLE: list[BaseThrottle] = [AnonRateThrottle("120/m")]


@router.get(
    "/verify/{identifier}",
    response={200: VerifyOut, **ERRORS},
    auth=None,
    throttle=VERIFY_THROTTLE,
    summary="核验电子证照 Verify a licence",
)
def verify(request: HttpRequest, identifier: str) -> VerifyOut:
    """Public: status and signature of a licence, non-sensitive facts only (persons masked)."""
    return _verify_out(identifier)


@router.get("/mine", response={200: list[LicenceOut], **ERRORS}, summary="我的证照 My licences")
def mine(request: HttpRequest, licence_type: str = Query("", max_length=80)) -> list[LicenceOut]:
    """The caller's licences; with ``licence_type`` (a material's licence name) only the valid ones
    that can stand in for that material, for an application to reuse."""
    user = _user(request)
    rows = (
        selectors.usable_licences_for(user, licence_type)
        if licence_type
        else list(selectors.my_licences(user))
    )
    return [licence_out(licence) for licence in rows]


@router.post("", response={201: LicenceOut, **ERRORS}, summary="颁发证照 Issue a licence")
def issue(request: HttpRequest, payload: IssueIn) -> Status:
    name = payload.licence_type.strip()
    licence_type = (
        LicenceType.objects.filter(name=name).first() or LicenceType.objects.filter(code=name.upper()).first()
    )
    department = Department.objects.filter(code=payload.issuer_department.strip(), is_active=True).first()
    if licence_type is None or department is None:
        raise NotFound(
            "licence_type_or_department_not_found",
            "证照类型或部门不存在",
            "no such licence type or department",
            status=404,
        )
    licence = services.issue_licence(
        actor=_user(request),
        licence_type=licence_type,
        issuer=department,
        holder=services.Holder(payload.holder_kind, payload.holder_name, payload.holder_identifier),
        data=payload.data,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        note=payload.note,
    )
    return Status(201, licence_out(licence))


@router.post(
    "/holder-queries",
    response={200: list[LicenceOut], **ERRORS},
    summary="部门查询持证情况 Query a holder's licences",
)
def holder_query(request: HttpRequest, payload: HolderQueryIn) -> list[LicenceOut]:
    """Department staff, with a stated purpose; every query is audited and recorded on each licence found."""
    rows = sharing.query_holder(
        actor=_user(request), purpose=payload.purpose, id_number=payload.id_number, uscc=payload.uscc
    )
    return [licence_out(licence) for licence in rows]


@router.get(
    "/{identifier}/verify",
    response={200: VerifyOut, **ERRORS},
    auth=None,
    throttle=VERIFY_THROTTLE,
    summary="核验电子证照 Verify a licence",
)
def verify_alias(request: HttpRequest, identifier: str) -> VerifyOut:
    return _verify_out(identifier)


@router.get("/{identifier}", response={200: LicenceOut, **ERRORS}, summary="证照详情 A licence")
def detail(request: HttpRequest, identifier: str) -> LicenceOut:
    return licence_out(selectors.get_licence(_user(request), identifier))


@router.get("/{identifier}/pdf", response={200: None, **ERRORS}, summary="下载证照 Download (PDF)")
def download(request: HttpRequest, identifier: str) -> HttpResponse:
    licence = selectors.get_licence(_user(request), identifier)
    version = licence.versions.get(identifier=identifier.strip().upper())
    data = pdf.render_version(licence, version, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="licence-{version.identifier}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/{identifier}/operations",
    response={200: LicenceOut, **ERRORS},
    summary="证照业务 Renew, change, suspend, revoke …",
)
def operate(request: HttpRequest, identifier: str, payload: OperationIn) -> LicenceOut:
    user = _user(request)
    licence = selectors.get_licence(user, identifier)
    if licence.current_version is None or licence.current_version.identifier != identifier.strip().upper():
        raise DomainError(
            "licence_version_superseded",
            "请对证照的现行版本办理业务",
            "operate on the licence's current version",
            status=409,
            details={"current_identifier": licence.identifier},
        )
    if payload.operation == "renew":
        licence = services.renew_licence(
            actor=user, licence=licence, valid_until=payload.valid_until, reason=payload.reason
        )
    elif payload.operation == "change":
        licence = services.change_licence(
            actor=user,
            licence=licence,
            data=payload.data,
            holder_name=payload.holder_name,
            reason=payload.reason,
        )
    else:
        licence = services.set_status(
            actor=user, licence=licence, operation=payload.operation, reason=payload.reason
        )
    return licence_out(licence)


@router.post("/{identifier}/shares", response={201: ShareOut, **ERRORS}, summary="分享证照 Share link")
def share(request: HttpRequest, identifier: str, payload: ShareIn) -> Status:
    user = _user(request)
    created, token = sharing.create_share(
        actor=user, licence=selectors.get_licence(user, identifier), hours=payload.hours
    )
    return Status(
        201,
        ShareOut(
            url=request.build_absolute_uri(reverse("licences:shared", args=[token])),
            expires_at=created.expires_at,
        ),
    )
