"""Holders sharing a licence by a time-limited link, and departments querying a holder's licences
with a stated purpose. Both are audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.codes import validate_id_number, validate_uscc
from govhall.core.crypto import lookup_hash
from govhall.core.errors import DomainError, PermissionDenied
from govhall.licences.models import Licence, LicenceEvent, LicenceShare
from govhall.licences.permissions import STAFF_VIEW_ROLES
from govhall.licences.services import now

MAX_SHARE_HOURS = 24 * 30


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def create_share(*, actor: Any, licence: Licence, hours: int = 24) -> tuple[LicenceShare, str]:
    """A link valid for ``hours``; the raw token is returned once and only its hash is stored."""
    if not permissions.can_act(actor, licence, "share"):
        raise PermissionDenied(
            "licence_forbidden", "只有持证人可以分享证照", "only the holder may share a licence", status=403
        )
    if not 1 <= hours <= MAX_SHARE_HOURS:
        raise DomainError(
            "invalid_share_hours", "分享有效期应为1小时至30天", "a share lasts 1 hour to 30 days", status=422
        )
    token = secrets.token_urlsafe(24)
    at = now()
    with transaction.atomic():
        share = LicenceShare.objects.create(
            licence=licence,
            token_hash=_hash(token),
            created_by=actor,
            created_at=at,
            expires_at=at + timedelta(hours=hours),
        )
        LicenceEvent.objects.create(
            licence=licence,
            version=licence.current_version,
            kind=LicenceEvent.Kind.SHARE,
            occurred_at=at,
            actor=actor,
            actor_label=actor.username,
            from_status=licence.status,
            to_status=licence.status,
            data={"expires_at": share.expires_at.isoformat()},
        )
        record_event(
            actor=actor, action="licences.share", obj=licence, after={"share": share.pk, "hours": hours}
        )
    return share, token


def open_share(token: str) -> LicenceShare | None:
    """The share behind a link that still works, counting the view."""
    share = (
        LicenceShare.objects.select_related("licence", "licence__licence_type", "licence__current_version")
        .filter(token_hash=_hash(token or ""), revoked_at__isnull=True, expires_at__gt=now())
        .first()
    )
    if share is not None:
        LicenceShare.objects.filter(pk=share.pk).update(views=F("views") + 1)
    return share


def revoke_share(*, actor: Any, share: LicenceShare) -> None:
    if not permissions.can_act(actor, share.licence, "share"):
        raise PermissionDenied(
            "licence_forbidden", "只有持证人可以撤回分享", "only the holder may withdraw a share", status=403
        )
    with transaction.atomic():
        LicenceShare.objects.filter(pk=share.pk, revoked_at__isnull=True).update(revoked_at=now())
        record_event(
            actor=actor, action="licences.share_revoked", obj=share.licence, after={"share": share.pk}
        )


def query_holder(*, actor: Any, purpose: str, id_number: str = "", uscc: str = "") -> list[Licence]:
    """A department looks up the licences a person or enterprise holds, saying why (audited)."""
    if not any(g.role in STAFF_VIEW_ROLES for g in permissions.grants(actor)):
        raise PermissionDenied(
            "licence_forbidden",
            "只有部门工作人员可以查询证照",
            "only department staff may query licences",
            status=403,
        )
    purpose = (purpose or "").strip()
    if len(purpose) < 4:
        raise DomainError(
            "purpose_required",
            "请说明查询用途（至少4个字）",
            "state the purpose of the query (4 characters or more)",
            status=422,
        )
    try:
        identifier = validate_id_number(id_number) if id_number.strip() else validate_uscc(uscc)
    except Exception as exc:
        raise DomainError(
            "holder_identifier_invalid",
            "证件号码或统一社会信用代码无效",
            "invalid ID number or credit code",
            status=422,
        ) from exc
    hashed = lookup_hash(identifier)
    at = now()
    rows = list(
        Licence.objects.select_related("licence_type", "issuer", "current_version")
        .filter(holder_id_hash=hashed)
        .order_by("-created_at")
    )
    departments = sorted({g.department_id for g in permissions.grants(actor) if g.role in STAFF_VIEW_ROLES})
    with transaction.atomic():
        for licence in rows:
            LicenceEvent.objects.create(
                licence=licence,
                kind=LicenceEvent.Kind.QUERY,
                occurred_at=at,
                actor=actor,
                actor_label=actor.username,
                from_status=licence.status,
                to_status=licence.status,
                reason=purpose[:500],
            )
        record_event(
            actor=actor,
            action="licences.holder_queried",
            obj="licences.holder",
            object_id=hashed[:16],
            after={"purpose": purpose[:500], "found": len(rows), "departments": departments},
        )
    return rows
