"""Governed exchange: apply, approve or refuse, credentials, and the field-scoped, logged query.

A grant is usable while it is approved and not past ``expires_on``. Reads through it return only
its allowed fields, personal ones masked unless the provider let them through in full; each read is
an :class:`AccessLog` row written with the answer (the access log, not the audit chain, records
reads: a busy API would otherwise queue every query on the chain's single head row).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.context import current_request_id
from govhall.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from govhall.datahub import permissions as hub_permissions
from govhall.datahub.models import AccessCredential, AccessGrant, AccessLog, Resource
from govhall.datahub.rows import elements_of, filter_rows, row_values, rows_queryset
from govhall.identity.models import Department

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_RATE_LIMIT = 6000


def _invalid(code: str, zh: str, en: str, field: str) -> DomainError:
    return DomainError(code, zh, en, status=422, details={"field": field})


def today() -> date:
    return timezone.localdate()


def is_usable(grant: AccessGrant, on: date | None = None) -> bool:
    return grant.status == AccessGrant.Status.APPROVED and (
        grant.expires_on is None or grant.expires_on >= (on or today())
    )


def _fields_of(resource: Resource, fields: Iterable[str], field: str) -> list[str]:
    names = elements_of(resource)
    chosen = [name for name in dict.fromkeys(fields) if name]
    if not chosen:
        raise _invalid("fields_required", "请至少选择一个数据项", "choose at least one field", field)
    unknown = [name for name in chosen if name not in names]
    if unknown:
        raise _invalid(
            "unknown_field",
            f"资源没有数据项：{'、'.join(unknown)}",
            f"no such fields: {', '.join(unknown)}",
            field,
        )
    return chosen


def apply_for_access(
    *,
    actor: Any,
    resource: Resource,
    consumer: Department,
    purpose: str,
    legal_basis: str,
    fields: Iterable[str],
) -> AccessGrant:
    """``consumer`` asks to use ``resource`` for a purpose, on a legal basis, for some fields."""
    if not hub_permissions.is_officer_of(actor, consumer.pk):
        raise PermissionDenied(
            "forbidden", f"您不是{consumer.name}的数据专员", "you are not the consumer's data officer"
        )
    if consumer.pk == resource.provider_id:
        raise DomainError(
            "own_resource", "不能申请本部门的资源", "a department does not apply for its own resource"
        )
    if not resource.is_active or resource.sharing_type == Resource.SharingType.NOT_SHARED:
        raise Conflict("not_shared", "该资源不予共享", "the resource is not shared")
    if not purpose.strip() or not legal_basis.strip():
        raise _invalid(
            "purpose_required", "须填写用途和依据", "purpose and legal basis are required", "purpose"
        )
    chosen = _fields_of(resource, fields, "fields")
    with transaction.atomic():
        open_grants = AccessGrant.objects.select_for_update().filter(
            resource=resource,
            consumer=consumer,
            status__in=[AccessGrant.Status.PENDING, AccessGrant.Status.APPROVED],
        )
        if any(g.status == AccessGrant.Status.PENDING or is_usable(g) for g in open_grants):
            raise Conflict(
                "grant_exists", "已有待审核或有效的申请", "an application is pending or a grant is in force"
            )
        grant = AccessGrant.objects.create(
            resource=resource,
            consumer=consumer,
            applicant=actor,
            purpose=purpose.strip(),
            legal_basis=legal_basis.strip(),
            requested_fields=chosen,
        )
        record_event(
            actor=actor,
            action="datahub.grant.apply",
            obj=grant,
            after={
                "resource": resource.code,
                "consumer": consumer.pk,
                "fields": chosen,
                "purpose": grant.purpose,
            },
        )
    return grant


def _locked_pending(actor: Any, grant: AccessGrant) -> AccessGrant:
    locked = AccessGrant.objects.select_for_update().select_related("resource").get(pk=grant.pk)
    if not permissions.can_act(actor, locked, "decide"):
        raise PermissionDenied(
            "forbidden", "只有资源提供部门可以审核", "only the provider decides applications"
        )
    if locked.status != AccessGrant.Status.PENDING:
        raise Conflict("not_pending", "该申请已处理", "the application has been decided")
    return locked


def approve_access(
    *,
    actor: Any,
    grant: AccessGrant,
    allowed_fields: Iterable[str],
    unmasked_fields: Iterable[str] = (),
    conditions: str = "",
    expires_on: date | None = None,
    rate_limit_per_minute: int = 60,
) -> AccessGrant:
    """The provider approves, for the fields it allows (never more than were asked for)."""
    with transaction.atomic():
        locked = _locked_pending(actor, grant)
        allowed = _fields_of(locked.resource, allowed_fields, "allowed_fields")
        beyond = [name for name in allowed if name not in locked.requested_fields]
        if beyond:
            raise _invalid(
                "beyond_request",
                f"批准的数据项超出申请范围：{'、'.join(beyond)}",
                f"fields not applied for: {', '.join(beyond)}",
                "allowed_fields",
            )
        elements = elements_of(locked.resource)
        unmasked = [name for name in dict.fromkeys(unmasked_fields) if name]
        wrong = [n for n in unmasked if n not in allowed or not elements[n].is_personal]
        if wrong:
            raise _invalid(
                "unmasked_fields",
                "不脱敏的数据项须是已批准的个人信息项",
                "unmasked fields must be allowed personal fields",
                "unmasked_fields",
            )
        if expires_on is not None and expires_on < today():
            raise _invalid("expires_on", "有效期不能早于今天", "the expiry date is in the past", "expires_on")
        if not 1 <= rate_limit_per_minute <= MAX_RATE_LIMIT:
            raise _invalid(
                "rate_limit",
                f"调用上限应在 1–{MAX_RATE_LIMIT} 之间",
                f"the rate limit is 1–{MAX_RATE_LIMIT}",
                "rate_limit",
            )
        locked.status = AccessGrant.Status.APPROVED
        locked.allowed_fields = allowed
        locked.unmasked_fields = unmasked
        locked.conditions = conditions.strip()
        locked.expires_on = expires_on
        locked.rate_limit_per_minute = rate_limit_per_minute
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save()
        record_event(
            actor=actor,
            action="datahub.grant.approve",
            obj=locked,
            before={"status": AccessGrant.Status.PENDING},
            after={
                "status": locked.status,
                "allowed_fields": allowed,
                "unmasked_fields": unmasked,
                "conditions": locked.conditions,
                "expires_on": expires_on,
                "rate_limit_per_minute": rate_limit_per_minute,
            },
        )
    return locked


def refuse_access(*, actor: Any, grant: AccessGrant, reason: str) -> AccessGrant:
    if not reason.strip():
        raise _invalid("reason_required", "不予批准须说明理由", "a refusal needs its reason", "reason")
    with transaction.atomic():
        locked = _locked_pending(actor, grant)
        locked.status = AccessGrant.Status.REFUSED
        locked.refusal_reason = reason.strip()
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
        record_event(
            actor=actor,
            action="datahub.grant.refuse",
            obj=locked,
            before={"status": AccessGrant.Status.PENDING},
            after={"status": locked.status, "reason": locked.refusal_reason},
        )
    return locked


def revoke_access(*, actor: Any, grant: AccessGrant, reason: str) -> AccessGrant:
    """The provider withdraws an approved grant; its credentials stop working at once."""
    with transaction.atomic():
        locked = AccessGrant.objects.select_for_update().select_related("resource").get(pk=grant.pk)
        if not permissions.can_act(actor, locked, "revoke"):
            raise PermissionDenied(
                "forbidden", "只有资源提供部门可以撤销授权", "only the provider revokes a grant"
            )
        if locked.status != AccessGrant.Status.APPROVED:
            raise Conflict("not_approved", "该授权不在有效状态", "the grant is not in force")
        locked.status = AccessGrant.Status.REVOKED
        locked.save(update_fields=["status"])
        locked.credentials.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        record_event(
            actor=actor,
            action="datahub.grant.revoke",
            obj=locked,
            before={"status": AccessGrant.Status.APPROVED},
            after={"status": locked.status, "reason": reason},
        )
    return locked


# --- Credentials -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCredential:
    raw: str
    credential: AccessCredential


def issue_credential(*, actor: Any, grant: AccessGrant) -> IssuedCredential:
    """A new credential for the consumer's program; the raw value is returned once, never stored."""
    if not permissions.can_act(actor, grant, "use"):
        raise PermissionDenied(
            "forbidden", "只有申请部门的数据专员可以领取凭证", "only the consumer's officer takes credentials"
        )
    raw = AccessCredential.new_raw_key()
    with transaction.atomic():
        grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
        if not is_usable(grant):
            raise Conflict(
                "grant_not_usable", "授权未批准或已失效", "the grant is not approved or has expired"
            )
        credential = AccessCredential.objects.create(
            grant=grant, key_hash=AccessCredential.hash_key(raw), prefix=raw[:10], created_by=actor
        )
        record_event(
            actor=actor,
            action="datahub.credential.issue",
            obj=credential,
            after={"grant": grant.pk, "prefix": credential.prefix},
        )
    return IssuedCredential(raw=raw, credential=credential)


def revoke_credential(*, actor: Any, credential: AccessCredential) -> AccessCredential:
    grant = credential.grant
    if not (permissions.can_act(actor, grant, "use") or permissions.can_act(actor, grant, "revoke")):
        raise PermissionDenied("forbidden", "无权吊销该凭证", "you may not revoke this credential")
    with transaction.atomic():
        if credential.revoked_at is not None:
            raise Conflict("already_revoked", "凭证已吊销", "the credential is already revoked")
        credential.revoked_at = timezone.now()
        credential.save(update_fields=["revoked_at"])
        record_event(
            actor=actor,
            action="datahub.credential.revoke",
            obj=credential,
            after={"prefix": credential.prefix},
        )
    return credential


def find_credential(raw: str) -> AccessCredential | None:
    if not raw.startswith(AccessCredential.PREFIX):
        return None
    credential = (
        AccessCredential.objects.select_related("grant__resource__provider", "grant__consumer")
        .filter(key_hash=AccessCredential.hash_key(raw), revoked_at__isnull=True)
        .first()
    )
    if credential is None:
        return None
    now = timezone.now()
    # A coarse stamp: writing on every call would turn each read into a write.
    if credential.last_used_at is None or (now - credential.last_used_at).total_seconds() > 300:
        AccessCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
    return credential


def usable_grant_for(user: Any, resource: Resource) -> AccessGrant | None:
    """The grant in force under which a data officer of a consumer department may read ``resource``."""
    departments = hub_permissions.officer_department_ids(user)
    if not departments:
        return None
    candidates = AccessGrant.objects.filter(
        resource=resource, consumer_id__in=departments, status=AccessGrant.Status.APPROVED
    ).order_by("-decided_at")
    return next((grant for grant in candidates if is_usable(grant)), None)


def check_rate(grant: AccessGrant, subject: str, *, now: float | None = None) -> None:
    """A fixed one-minute window per credential (or user) in the shared cache."""
    window = int((now or time.time()) // 60)
    key = f"datahub:rate:{subject}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > grant.rate_limit_per_minute:
        raise DomainError(
            "throttled",
            f"调用过于频繁：该授权每分钟最多 {grant.rate_limit_per_minute} 次",
            f"too many calls: the grant allows {grant.rate_limit_per_minute} per minute",
            status=429,
        )


# --- Query -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryResult:
    fields: list[str]
    records: list[dict[str, Any]]
    next_offset: int | None
    log: AccessLog


def query_records(
    *,
    grant: AccessGrant,
    credential: AccessCredential | None = None,
    user: Any = None,
    key: str = "",
    updated_since: datetime | None = None,
    fields: Iterable[str] = (),
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> QueryResult:
    """Rows of the grant's resource, only its allowed fields, masked where personal; logged."""
    if not is_usable(grant):
        raise PermissionDenied("grant_not_usable", "授权未批准、已撤销或已过期", "the grant is not in force")
    resource = grant.resource
    allowed = list(grant.allowed_fields)
    wanted = [name for name in dict.fromkeys(fields) if name]
    refused = [name for name in wanted if name not in allowed]
    if refused:
        raise PermissionDenied(
            "field_not_granted",
            f"未获授权的数据项：{'、'.join(refused)}",
            f"fields not granted: {', '.join(refused)}",
        )
    chosen = wanted or allowed
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise _invalid("bad_page", f"每页 1–{MAX_LIMIT} 条", f"limit is 1–{MAX_LIMIT}, offset ≥ 0", "limit")
    subject = f"c{credential.pk}" if credential is not None else f"u{getattr(user, 'pk', '')}"
    check_rate(grant, subject)
    rows = list(
        filter_rows(resource, rows_queryset(resource), key=key, updated_since=updated_since)[
            offset : offset + limit + 1
        ]
    )
    more = len(rows) > limit
    unmasked = frozenset(grant.unmasked_fields)
    records = [row_values(resource, row, chosen, unmasked) for row in rows[:limit]]
    query: dict[str, Any] = {"limit": limit, "offset": offset}
    if key:
        # The key may be an ID number: the log keeps only that a key was given, and its shape.
        query["key"] = key[:4] + "…" if len(key) > 8 else "…"
    if updated_since is not None:
        query["updated_since"] = updated_since.isoformat()
    with transaction.atomic():
        log = AccessLog.objects.create(
            resource=resource,
            grant=grant,
            consumer_id=grant.consumer_id,
            credential=credential,
            user=user if getattr(user, "is_authenticated", False) else None,
            purpose=grant.purpose,
            query=query,
            fields=chosen,
            record_count=len(records),
            request_id=current_request_id(),
        )
    return QueryResult(fields=chosen, records=records, next_offset=offset + limit if more else None, log=log)


def resource_by_code(code: str) -> Resource:
    resource = Resource.objects.select_related("provider__region").filter(code=code.upper()).first()
    if resource is None:
        raise NotFound("resource_not_found", "资源不存在", "no such resource")
    return resource
