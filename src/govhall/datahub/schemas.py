"""Input and output schemas of the data hub API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from govhall.datahub.models import AccessGrant, AccessLog, Resource


class ElementIn(Schema):
    name: str = Field(..., max_length=60, description="标识符 identifier, e.g. uscc")
    label: str = Field("", max_length=100, description="标准中文名称 standard name")
    data_type: str = "text"
    is_personal: bool = False
    description: str = Field("", max_length=200)


class ElementOut(Schema):
    name: str
    label: str
    data_type: str
    is_personal: bool
    description: str


class ResourceIn(Schema):
    provider: str = Field(..., description="提供部门代码 provider department code")
    code: str = ""
    name: str = Field(..., max_length=200)
    summary: str
    dataset: str = Field("", description="对应基础库 population / legal_person / … or empty")
    elements: list[ElementIn]
    key_element: str
    sharing_type: str
    sharing_conditions: str = ""
    not_shared_reason: str = ""
    open_type: str = Resource.OpenType.NOT_OPEN
    update_cycle: str
    format: str = Resource.Format.DATABASE
    access_methods: list[str]


class ResourceOut(Schema):
    code: str
    name: str
    provider: str
    provider_name: str
    summary: str
    dataset: str
    key_element: str
    sharing_type: str
    sharing_conditions: str
    not_shared_reason: str
    open_type: str
    update_cycle: str
    format: str
    access_methods: list[str]
    elements: list[ElementOut]


def resource_out(resource: Resource) -> dict[str, Any]:
    return {
        "code": resource.code,
        "name": resource.name,
        "provider": resource.provider.code,
        "provider_name": resource.provider.name,
        "summary": resource.summary,
        "dataset": resource.dataset,
        "key_element": resource.key_element,
        "sharing_type": resource.sharing_type,
        "sharing_conditions": resource.sharing_conditions,
        "not_shared_reason": resource.not_shared_reason,
        "open_type": resource.open_type,
        "update_cycle": resource.update_cycle,
        "format": resource.format,
        "access_methods": list(resource.access_methods),
        "elements": [
            {
                "name": e.name,
                "label": e.label,
                "data_type": e.data_type,
                "is_personal": e.is_personal,
                "description": e.description,
            }
            for e in resource.elements.all()
        ],
    }


class ApplyIn(Schema):
    consumer: str = Field(
        "", description="申请部门代码；只在一个部门任数据专员时可省略 consumer department code"
    )
    purpose: str = Field(..., max_length=2000)
    legal_basis: str = Field(..., max_length=2000)
    fields: list[str]


class ApproveIn(Schema):
    allowed_fields: list[str]
    unmasked_fields: list[str] = []
    conditions: str = Field("", max_length=2000)
    expires_on: date | None = None
    rate_limit_per_minute: int = 60


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class GrantOut(Schema):
    id: int
    resource: str
    resource_name: str
    provider: str
    consumer: str
    consumer_name: str
    status: str
    purpose: str
    legal_basis: str
    requested_fields: list[str]
    allowed_fields: list[str]
    unmasked_fields: list[str]
    conditions: str
    expires_on: date | None
    rate_limit_per_minute: int
    refusal_reason: str
    created_at: datetime
    decided_at: datetime | None


def grant_out(grant: AccessGrant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "resource": grant.resource.code,
        "resource_name": grant.resource.name,
        "provider": grant.resource.provider.code,
        "consumer": grant.consumer.code,
        "consumer_name": grant.consumer.name,
        "status": grant.status,
        "purpose": grant.purpose,
        "legal_basis": grant.legal_basis,
        "requested_fields": grant.requested_fields,
        "allowed_fields": grant.allowed_fields,
        "unmasked_fields": grant.unmasked_fields,
        "conditions": grant.conditions,
        "expires_on": grant.expires_on,
        "rate_limit_per_minute": grant.rate_limit_per_minute,
        "refusal_reason": grant.refusal_reason,
        "created_at": grant.created_at,
        "decided_at": grant.decided_at,
    }


class CredentialOut(Schema):
    credential: str = Field(..., description="只显示这一次 shown once; send as Authorization: Bearer …")
    prefix: str
    grant: int


class RecordsOut(Schema):
    resource: str
    grant: int
    fields: list[str]
    records: list[dict[str, Any]]
    count: int
    next_offset: int | None


class AccessLogOut(Schema):
    id: int
    at: datetime
    resource: str
    grant: int
    consumer: str
    credential: str
    user: str
    purpose: str
    query: dict[str, Any]
    fields: list[str]
    record_count: int
    request_id: str


def log_out(entry: AccessLog) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "at": entry.at,
        "resource": entry.resource.code,
        "grant": entry.grant_id,
        "consumer": entry.consumer.code,
        "credential": entry.credential.prefix if entry.credential else "",
        "user": entry.user.username if entry.user else "",
        "purpose": entry.purpose,
        "query": entry.query,
        "fields": entry.fields,
        "record_count": entry.record_count,
        "request_id": entry.request_id,
    }
