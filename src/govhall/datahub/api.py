"""/api/v1/datahub: the resource catalogue, applications and grants, credentials, the governed query
and the access log. Handlers translate: input schema → selector/service → output schema.

The records endpoint also accepts a grant's credential (``Authorization: Bearer dh_…``), which is
how a department's own system reads what it was granted; a logged-in data officer of the consumer
department may read through the same grant from the browser or with a personal token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.security import HttpBearer

from govhall.core.api import ErrorOut
from govhall.core.errors import DomainError, NotFound, PermissionDenied
from govhall.datahub import catalogue, exchange, selectors
from govhall.datahub import permissions as hub_permissions
from govhall.datahub.models import AccessCredential, AccessGrant, Resource
from govhall.datahub.schemas import (
    AccessLogOut,
    ApplyIn,
    ApproveIn,
    CredentialOut,
    GrantOut,
    ReasonIn,
    RecordsOut,
    ResourceIn,
    ResourceOut,
    grant_out,
    log_out,
    resource_out,
)
from govhall.identity.auth import bearer_auth, session_auth
from govhall.identity.models import Department

router = Router(tags=["数据共享交换 data hub"])

ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422, 429)}


class CredentialAuth(HttpBearer):
    """A grant's credential; anything else is left to the personal token and session checks."""

    def authenticate(self, request: HttpRequest, token: str) -> AccessCredential | None:
        return exchange.find_credential(token.strip())


credential_auth = CredentialAuth()


def _caller(request: HttpRequest) -> Any:
    """The authenticated user (or, on the records endpoint, possibly a grant's credential)."""
    return request.auth  # type: ignore[attr-defined]


def _department(code: str) -> Department:
    department = Department.objects.filter(code=code.strip().upper(), is_active=True).first()
    if department is None:
        raise NotFound("department_not_found", "部门不存在", "no such department")
    return department


def _visible_resource(request: HttpRequest, code: str) -> Resource:
    resource = selectors.resource(_caller(request), code)
    if resource is None:
        raise NotFound("resource_not_found", "资源不存在", "no such resource")
    return resource


def _grant(request: HttpRequest, grant_id: int) -> AccessGrant:
    grant = selectors.grant(_caller(request), grant_id)
    if grant is None:
        raise NotFound("grant_not_found", "申请不存在", "no such application")
    return grant


class CatalogueQuery(Schema):
    q: str = ""
    provider: str = ""
    sharing_type: str = ""
    dataset: str = ""


@router.get("/resources", response={200: list[ResourceOut], **ERRORS}, summary="资源目录 Resource catalogue")
def list_resources(request: HttpRequest, filters: Query[CatalogueQuery]) -> list[dict[str, Any]]:
    provider: int | None = None
    if filters.provider:
        provider = (
            Department.objects.filter(code=filters.provider.upper()).values_list("pk", flat=True).first()
        )
        if provider is None:
            return []
    found = selectors.catalogue(
        _caller(request),
        q=filters.q,
        provider=provider,
        sharing_type=filters.sharing_type,
        dataset=filters.dataset,
    )
    return [resource_out(r) for r in found[:500]]


@router.get("/resources/{code}", response={200: ResourceOut, **ERRORS}, summary="资源详情 Resource")
def get_resource(request: HttpRequest, code: str) -> dict[str, Any]:
    return resource_out(_visible_resource(request, code))


@router.post("/resources", response={201: ResourceOut, **ERRORS}, summary="登记资源 Register a resource")
def register_resource(request: HttpRequest, payload: ResourceIn) -> Status:
    resource = catalogue.register_resource(
        actor=_caller(request),
        provider=_department(payload.provider),
        code=payload.code,
        name=payload.name,
        summary=payload.summary,
        dataset=payload.dataset,
        elements=[catalogue.ElementSpec(**e.dict()) for e in payload.elements],
        key_element=payload.key_element,
        sharing_type=payload.sharing_type,
        sharing_conditions=payload.sharing_conditions,
        not_shared_reason=payload.not_shared_reason,
        open_type=payload.open_type,
        update_cycle=payload.update_cycle,
        format=payload.format,
        access_methods=payload.access_methods,
    )
    return Status(201, resource_out(resource))


@router.post(
    "/resources/{code}/applications", response={201: GrantOut, **ERRORS}, summary="申请使用 Apply for access"
)
def apply(request: HttpRequest, code: str, payload: ApplyIn) -> Status:
    resource = _visible_resource(request, code)
    if payload.consumer:
        consumer = _department(payload.consumer)
    else:
        mine = hub_permissions.officer_department_ids(_caller(request)) - {resource.provider_id}
        if len(mine) != 1:
            raise DomainError(
                "consumer_required", "请指明申请部门", "name the applying department (consumer)", status=422
            )
        consumer = Department.objects.get(pk=next(iter(mine)))
    grant = exchange.apply_for_access(
        actor=_caller(request),
        resource=resource,
        consumer=consumer,
        purpose=payload.purpose,
        legal_basis=payload.legal_basis,
        fields=payload.fields,
    )
    return Status(201, grant_out(grant))


@router.get("/grants", response={200: list[GrantOut], **ERRORS}, summary="申请与授权 Applications and grants")
def list_grants(request: HttpRequest) -> list[dict[str, Any]]:
    lists = selectors.grants(_caller(request))
    return [grant_out(g) for g in (*lists.outgoing, *lists.incoming, *lists.supervised)]


@router.get("/grants/{grant_id}", response={200: GrantOut, **ERRORS}, summary="申请详情 Application")
def get_grant(request: HttpRequest, grant_id: int) -> dict[str, Any]:
    return grant_out(_grant(request, grant_id))


@router.post("/grants/{grant_id}/approve", response={200: GrantOut, **ERRORS}, summary="批准 Approve")
def approve(request: HttpRequest, grant_id: int, payload: ApproveIn) -> dict[str, Any]:
    grant = exchange.approve_access(actor=_caller(request), grant=_grant(request, grant_id), **payload.dict())
    return grant_out(grant)


@router.post("/grants/{grant_id}/refuse", response={200: GrantOut, **ERRORS}, summary="不予批准 Refuse")
def refuse(request: HttpRequest, grant_id: int, payload: ReasonIn) -> dict[str, Any]:
    return grant_out(
        exchange.refuse_access(actor=_caller(request), grant=_grant(request, grant_id), reason=payload.reason)
    )


@router.post("/grants/{grant_id}/revoke", response={200: GrantOut, **ERRORS}, summary="撤销授权 Revoke")
def revoke(request: HttpRequest, grant_id: int, payload: ReasonIn) -> dict[str, Any]:
    return grant_out(
        exchange.revoke_access(actor=_caller(request), grant=_grant(request, grant_id), reason=payload.reason)
    )


@router.post(
    "/grants/{grant_id}/credentials",
    response={201: CredentialOut, **ERRORS},
    summary="领取接口凭证 Issue a credential",
)
def issue_credential(request: HttpRequest, grant_id: int) -> Status:
    issued = exchange.issue_credential(actor=_caller(request), grant=_grant(request, grant_id))
    return Status(201, {"credential": issued.raw, "prefix": issued.credential.prefix, "grant": grant_id})


class RecordsQuery(Schema):
    key: str = ""
    updated_since: datetime | None = None
    fields: str = ""
    limit: int = exchange.DEFAULT_LIMIT
    offset: int = 0


@router.get(
    "/resources/{code}/records",
    response={200: RecordsOut, **ERRORS},
    auth=[credential_auth, bearer_auth, session_auth],
    summary="查询共享数据 Query granted records",
)
def query_records(request: HttpRequest, code: str, params: Query[RecordsQuery]) -> dict[str, Any]:
    """Rows of the resource under the caller's grant: only the allowed fields, personal ones masked
    unless the grant says otherwise. Each call is written to the access log. ``key`` finds one
    record by the resource's key (an ID number is matched by its keyed hash); ``fields`` is a comma
    list narrowing the answer; ``next_offset`` is null on the last page."""
    caller = _caller(request)
    resource = exchange.resource_by_code(code)
    credential: AccessCredential | None = None
    grant: AccessGrant
    if isinstance(caller, AccessCredential):
        credential = caller
        grant = caller.grant
        if grant.resource_id != resource.pk:
            raise PermissionDenied(
                "credential_scope", "该凭证不能访问此资源", "this credential is for another resource"
            )
        user = None
    else:
        user = caller
        found = exchange.usable_grant_for(user, resource)
        if found is None:
            raise PermissionDenied(
                "no_grant", "本部门未获得该资源的使用授权", "your department holds no grant for it"
            )
        grant = found
    result = exchange.query_records(
        grant=grant,
        credential=credential,
        user=user,
        key=params.key,
        updated_since=params.updated_since,
        fields=[f.strip() for f in params.fields.split(",")],
        limit=params.limit,
        offset=params.offset,
    )
    return {
        "resource": resource.code,
        "grant": grant.pk,
        "fields": result.fields,
        "records": result.records,
        "count": len(result.records),
        "next_offset": result.next_offset,
    }


class LogQuery(Schema):
    resource: str = ""
    limit: int = 100
    offset: int = 0


@router.get("/access-log", response={200: list[AccessLogOut], **ERRORS}, summary="访问日志 Access log")
def access_log(request: HttpRequest, params: Query[LogQuery]) -> list[dict[str, Any]]:
    limit = max(1, min(params.limit, 500))
    entries = selectors.access_log(_caller(request), resource_code=params.resource)
    return [log_out(e) for e in entries[max(0, params.offset) : max(0, params.offset) + limit]]
