"""Writes of the licence library: issue (新发), renew (延续), change (变更), suspend (暂扣) and
return (暂扣发还), cancel/withdraw/revoke (注销/撤销/吊销), expire (过期失效).

Each call is one transaction that locks the licence, writes a :class:`LicenceEvent` and an audit
event. Issue, renewal and change sign a new version with the issuing department's key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from govhall.core.audit import record_event
from govhall.core.calendar import SHANGHAI
from govhall.core.codes import validate_id_number, validate_uscc
from govhall.core.crypto import encrypt_text, lookup_hash, mask_middle
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.identity.models import Department, User
from govhall.licences import identifiers, sealing
from govhall.licences.models import (
    HolderKind,
    Licence,
    LicenceEvent,
    LicenceSerialCounter,
    LicenceType,
    LicenceVersion,
)
from govhall.licences.permissions import may_act_for

MAX_REASON = 500
Status = Licence.Status
# Operation → (statuses it applies to, status it leads to).
STATUS_OPERATIONS: dict[str, tuple[frozenset[str], str]] = {
    "suspend": (frozenset({Status.VALID}), Status.SUSPENDED),
    "restore": (frozenset({Status.SUSPENDED}), Status.VALID),
    "cancel": (frozenset({Status.VALID, Status.SUSPENDED, Status.EXPIRED}), Status.CANCELLED),
    "withdraw": (frozenset({Status.VALID, Status.SUSPENDED, Status.EXPIRED}), Status.WITHDRAWN),
    "revoke": (frozenset({Status.VALID, Status.SUSPENDED}), Status.REVOKED),
}
OPERATION_NAMES = {
    "issue": ("颁发", "issue"),
    "renew": ("延续", "renew"),
    "change": ("变更", "change"),
    "suspend": ("暂扣", "suspend"),
    "restore": ("发还", "return"),
    "cancel": ("注销", "cancel"),
    "withdraw": ("撤销", "withdraw"),
    "revoke": ("吊销", "revoke"),
}


def now() -> datetime:
    return timezone.now()


def today() -> date:
    return now().astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class Holder:
    """Who a licence is issued to: an account, or a person or enterprise by ID number / credit code."""

    kind: str
    name: str
    identifier: str
    account: User | None = None


def holder_from_account(user: User) -> Holder:
    if user.kind == User.Kind.ENTERPRISE:
        return Holder(HolderKind.LEGAL, user.display_name or user.username, user.uscc, user)
    return Holder(HolderKind.PERSON, user.display_name or user.username, user.id_number, user)


def _field_error(code: str, field: str, zh: str, en: str, *, status: int = 422) -> DomainError:
    return DomainError(
        code,
        zh,
        en,
        status=status,
        details={"fields": [{"field": field, "code": code, "message_zh": zh, "message_en": en}]},
    )


def forbidden(operation: str) -> PermissionDenied:
    zh, en = OPERATION_NAMES.get(operation, (operation, operation))
    return PermissionDenied(
        "licence_forbidden",
        f"您无权{zh}该部门的证照",
        f"you may not {en} licences of this department",
        status=403,
    )


def _checked_holder(holder: Holder, licence_type: LicenceType) -> Holder:
    if holder.kind != licence_type.holder_kind:
        raise _field_error(
            "holder_kind_mismatch",
            "holder",
            "持证主体类型与证照类型不符",
            "this licence type is issued to a different kind of holder",
        )
    try:
        if holder.kind == HolderKind.PERSON:
            identifier = validate_id_number(holder.identifier)
        else:
            identifier = validate_uscc(holder.identifier)
    except ValidationError as exc:
        raise _field_error(
            str(exc.code or "holder_identifier_invalid"),
            "holder.identifier",
            exc.messages[0],
            exc.messages[0],
        ) from exc
    if not holder.name.strip():
        raise _field_error(
            "holder_name_required", "holder.name", "请填写持证主体名称", "the holder's name is required"
        )
    return Holder(holder.kind, holder.name.strip()[:100], identifier, holder.account)


def split_data(
    licence_type: LicenceType, data: Mapping[str, Any], *, strict: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``data`` checked against the type's fields: (plain fields, personal fields).

    ``strict`` (a clerk's input) refuses unknown keys and missing required values; issuance from a
    case keeps what it has, since a missing form value must not undo an approval.
    """
    schema = {str(f.get("key")): f for f in licence_type.fields if isinstance(f, dict) and f.get("key")}
    problems = []
    if strict:
        problems += [
            {
                "field": f"data.{key}",
                "code": "unknown_field",
                "message_zh": "证照没有此信息项",
                "message_en": "not a field of this licence type",
            }
            for key in data
            if key not in schema
        ]
    plain: dict[str, Any] = {}
    personal: dict[str, Any] = {}
    for key, spec in schema.items():
        value = data.get(key, "")
        value = value.strip() if isinstance(value, str) else value
        if isinstance(value, str) and len(value) > 2000:
            value = value[:2000]
        if strict and spec.get("required") and value in ("", None, []):
            label = spec.get("label", key)
            problems.append(
                {
                    "field": f"data.{key}",
                    "code": "field_required",
                    "message_zh": f"请填写「{label}」",
                    "message_en": f"'{key}' is required",
                }
            )
        (personal if spec.get("personal") else plain)[key] = "" if value is None else value
    if problems:
        raise DomainError(
            "invalid_licence_data",
            "证照信息不完整或有误",
            "the licence data is incomplete or wrong",
            status=422,
            details={"fields": problems},
        )
    return plain, personal


def validity_end(licence_type: LicenceType, valid_from: date) -> date | None:
    if licence_type.validity_years is None:
        return None
    year = valid_from.year + licence_type.validity_years
    try:
        anniversary = valid_from.replace(year=year)
    except ValueError:  # 29 February in a year without one
        anniversary = date(year, 3, 1)
    return anniversary - timedelta(days=1)


def _next_serial(licence_type: LicenceType, issuer: Department, year: int) -> str:
    counter, _ = LicenceSerialCounter.objects.select_for_update().get_or_create(
        licence_type=licence_type, issuer=issuer, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}{counter.last:08d}"


def _log(
    licence: Licence,
    *,
    kind: str,
    actor: Any,
    at: datetime,
    from_status: str = "",
    reason: str = "",
    version: LicenceVersion | None = None,
    data: dict[str, Any] | None = None,
    audit: bool = True,
) -> LicenceEvent:
    staff = actor if getattr(actor, "is_authenticated", False) else None
    event = LicenceEvent.objects.create(
        licence=licence,
        version=version,
        kind=kind,
        occurred_at=at,
        actor=staff,
        actor_label=str(getattr(actor, "username", "") or actor or "")[:150],
        from_status=from_status,
        to_status=licence.status,
        reason=reason[:MAX_REASON],
        data=data or {},
    )
    if audit:
        record_event(
            actor=actor,
            action=f"licences.{kind}",
            obj=licence,
            before={"status": from_status} if from_status else None,
            after={
                "status": licence.status,
                "identifier": licence.identifier,
                "reason": reason[:MAX_REASON],
                **(data or {}),
            },
        )
    return event


def _sign_version(
    licence: Licence,
    *,
    number: int,
    operation: str,
    holder_id: str,
    plain: dict[str, Any],
    personal: dict[str, Any],
    valid_from: date,
    valid_until: date | None,
    actor: Any,
    at: datetime,
    case: Any = None,
    note: str = "",
) -> LicenceVersion:
    version = LicenceVersion(
        licence=licence,
        number=number,
        identifier=identifiers.build(
            type_code=licence.licence_type.code,
            issuer_uscc=licence.issuer.uscc,
            serial=licence.serial,
            version=number,
        ),
        operation=operation,
        type_name=licence.licence_type.name,
        issuer_name=licence.issuer.name,
        holder_name=licence.holder_name,
        data=plain,
        personal_encrypted=sealing.seal_personal(holder_id, personal),
        valid_from=valid_from,
        valid_until=valid_until,
        issued_at=at,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        case=case,
        note=note[:MAX_REASON],
    )
    sealing.seal(version, holder_kind=licence.holder_kind)
    version.save()
    licence.current_version = version
    licence.valid_until = valid_until
    return version


def issue_licence(
    *,
    actor: Any,
    licence_type: LicenceType,
    issuer: Department,
    holder: Holder,
    data: Mapping[str, Any],
    valid_from: date | None = None,
    valid_until: date | None = None,
    case: Any = None,
    note: str = "",
    authorised_by_case: bool = False,
) -> Licence:
    """Issue a new licence (新发), signed by ``issuer``.

    ``authorised_by_case`` is for the approval hook: the decision on the case is the authority, so
    neither the actor's roles nor the type's list of issuing departments are asked again.
    """
    if licence_type.is_reference or not licence_type.is_active:
        raise Conflict(
            "licence_type_not_issued", "该证照类型不在本平台颁发", "this licence type is not issued here"
        )
    if not authorised_by_case:
        if not may_act_for(actor, issuer, "issue"):
            raise forbidden("issue")
        if not licence_type.issuing_departments.filter(pk=issuer.pk).exists():
            raise forbidden("issue")
    holder = _checked_holder(holder, licence_type)
    plain, personal = split_data(licence_type, data, strict=not authorised_by_case)
    at = now()
    start = valid_from or at.astimezone(SHANGHAI).date()
    end = valid_until if valid_until is not None else validity_end(licence_type, start)
    if end is not None and end < start:
        raise _field_error(
            "valid_until_before_start",
            "valid_until",
            "有效期截止日早于起始日",
            "the licence would end before it starts",
        )
    with transaction.atomic():
        licence = Licence.objects.create(
            licence_type=licence_type,
            issuer=issuer,
            serial=_next_serial(licence_type, issuer, start.year),
            holder=holder.account,
            holder_kind=holder.kind,
            holder_name=holder.name,
            holder_id_encrypted=encrypt_text(holder.identifier),
            holder_id_hash=lookup_hash(holder.identifier),
            holder_id_masked=mask_middle(holder.identifier),
            status=Status.VALID,
            case=case,
            status_changed_at=at,
        )
        version = _sign_version(
            licence,
            number=1,
            operation=LicenceVersion.Operation.ISSUE,
            holder_id=holder.identifier,
            plain=plain,
            personal=personal,
            valid_from=start,
            valid_until=end,
            actor=actor,
            at=at,
            case=case,
            note=note,
        )
        licence.save(update_fields=["current_version", "valid_until", "updated_at"])
        _log(
            licence,
            kind=LicenceEvent.Kind.ISSUE,
            actor=actor,
            at=at,
            reason=note,
            version=version,
            data={"case": getattr(case, "case_no", None) or None, "key_id": version.key_id},
        )
    return licence


def _lock(licence: Licence) -> Licence:
    return (
        Licence.objects.select_related("licence_type", "issuer", "current_version")
        .select_for_update(of=("self",))
        .get(pk=licence.pk)
    )


def _require(actor: Any, licence: Licence, operation: str) -> None:
    if not may_act_for(actor, licence.issuer_id, operation):
        raise forbidden(operation)


def _wrong_status(licence: Licence, operation: str) -> Conflict:
    zh, en = OPERATION_NAMES[operation]
    status = Status(licence.status)
    return Conflict(
        "licence_wrong_status",
        f"证照当前状态为“{status.label.split()[0]}”，不能{zh}",
        f"cannot {en} a licence that is {status.value}",
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _field_error("reason_required", "reason", "请填写事由", "a reason is required")
    return reason[:MAX_REASON]


def _new_version(
    actor: Any,
    licence: Licence,
    *,
    operation: str,
    data: Mapping[str, Any] | None,
    holder_name: str,
    valid_from: date,
    valid_until: date | None,
    reason: str,
) -> Licence:
    at = now()
    current = licence.current_version
    assert current is not None
    holder_id, personal = sealing.open_personal(current)
    plain = dict(current.data)
    if data:
        new_plain, new_personal = split_data(licence.licence_type, {**plain, **personal, **data})
        plain, personal = new_plain, new_personal
    from_status = licence.status
    if holder_name.strip():
        licence.holder_name = holder_name.strip()[:100]
    licence.status = Status.VALID
    licence.status_reason = ""
    licence.status_changed_at = at
    version = _sign_version(
        licence,
        number=current.number + 1,
        operation=operation,
        holder_id=holder_id,
        plain=plain,
        personal=personal,
        valid_from=valid_from,
        valid_until=valid_until,
        actor=actor,
        at=at,
        note=reason,
    )
    licence.save()
    _log(licence, kind=operation, actor=actor, at=at, from_status=from_status, reason=reason, version=version)
    return licence


def renew_licence(
    *, actor: Any, licence: Licence, valid_until: date | None = None, reason: str = ""
) -> Licence:
    """Extend a licence (延续): a new version valid from the day after the old one ends."""
    with transaction.atomic():
        locked = _lock(licence)
        _require(actor, locked, "renew")
        if locked.status not in (Status.VALID, Status.EXPIRED) or locked.valid_until is None:
            raise _wrong_status(locked, "renew")
        start = max(locked.valid_until + timedelta(days=1), today())
        end = valid_until or validity_end(locked.licence_type, start)
        if end is None or end < start:
            raise _field_error(
                "valid_until_before_start",
                "valid_until",
                "延续后的有效期截止日早于起始日",
                "the renewed licence would end before it starts",
            )
        return _new_version(
            actor,
            locked,
            operation="renew",
            data=None,
            holder_name="",
            valid_from=start,
            valid_until=end,
            reason=reason.strip(),
        )


def change_licence(
    *, actor: Any, licence: Licence, data: Mapping[str, Any], holder_name: str = "", reason: str
) -> Licence:
    """Change a licence's data (变更): a new version, same validity."""
    with transaction.atomic():
        locked = _lock(licence)
        _require(actor, locked, "change")
        if locked.status != Status.VALID:
            raise _wrong_status(locked, "change")
        current = locked.current_version
        assert current is not None
        return _new_version(
            actor,
            locked,
            operation="change",
            data=data,
            holder_name=holder_name,
            valid_from=current.valid_from,
            valid_until=current.valid_until,
            reason=_reason(reason),
        )


def set_status(*, actor: Any, licence: Licence, operation: str, reason: str) -> Licence:
    """暂扣 suspend, 发还 restore, 注销 cancel, 撤销 withdraw, 吊销 revoke."""
    if operation not in STATUS_OPERATIONS:
        raise _field_error("unknown_operation", "operation", "未知的证照操作", "unknown licence operation")
    allowed, target = STATUS_OPERATIONS[operation]
    reason = _reason(reason)
    with transaction.atomic():
        locked = _lock(licence)
        _require(actor, locked, operation)
        if locked.status not in allowed:
            raise _wrong_status(locked, operation)
        at = now()
        from_status = locked.status
        if operation == "restore" and locked.valid_until is not None and locked.valid_until < today():
            target = Status.EXPIRED
        locked.status = target
        locked.status_reason = reason
        locked.status_changed_at = at
        locked.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
        _log(
            locked,
            kind=operation,
            actor=actor,
            at=at,
            from_status=from_status,
            reason=reason,
            version=locked.current_version,
        )
    return locked


def expire_due(*, on: date | None = None, batch: int = 500) -> int:
    """Mark valid licences whose last day has passed as expired (过期失效); returns how many."""
    day = on or today()
    due = list(
        Licence.objects.filter(status=Status.VALID, valid_until__lt=day)
        .order_by("valid_until", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            locked = (
                Licence.objects.select_for_update()
                .filter(pk=pk, status=Status.VALID, valid_until__lt=day)
                .first()
            )
            if locked is None:
                continue
            at = now()
            locked.status = Status.EXPIRED
            locked.status_reason = "有效期届满 validity ended"
            locked.status_changed_at = at
            locked.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
            _log(
                locked,
                kind=LicenceEvent.Kind.EXPIRE,
                actor="licences.expire_due",
                at=at,
                from_status=Status.VALID,
                reason=f"有效期至 {locked.valid_until}",
                version=locked.current_version,
            )
            expired += 1
    return expired
