"""Issuing, finding and revoking API bearer tokens (接口令牌).

The raw token is shown to the client once; only its SHA-256 is stored, so a copy of the database
does not hand out working credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from govhall.core.audit import record_event
from govhall.core.errors import Conflict
from govhall.identity.models import ApiToken, User

# Writing last_used_at on every request would turn each API read into a write; a coarse stamp is
# enough to spot unused tokens.
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedToken:
    raw: str
    token: ApiToken

    @property
    def expires_at(self) -> datetime:
        return self.token.expires_at


def token_ttl() -> timedelta:
    return timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def issue_token(*, user: User, now: datetime | None = None) -> IssuedToken:
    """Create a token for ``user`` after the caller has checked the user's credentials."""
    issued_at = now or timezone.now()
    raw = ApiToken.new_raw_token()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            token_hash=ApiToken.hash_token(raw),
            prefix=raw[:8],
            expires_at=issued_at + token_ttl(),
        )
        record_event(
            actor=user,
            action="identity.api_token.issue",
            obj=token,
            after={"user": user.pk, "prefix": token.prefix, "expires_at": token.expires_at},
        )
    return IssuedToken(raw=raw, token=token)


def revoke_token(*, token: ApiToken, actor: User, now: datetime | None = None) -> ApiToken:
    """Revoke ``token`` so that it no longer authenticates; revoking twice is an error."""
    revoked_at = now or timezone.now()
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            raise Conflict("token_already_revoked", "令牌已吊销", "the token is already revoked")
        locked.revoked_at = revoked_at
        locked.save(update_fields=["revoked_at"])
        record_event(
            actor=actor,
            action="identity.api_token.revoke",
            obj=locked,
            before={"revoked_at": None},
            after={"revoked_at": revoked_at, "prefix": locked.prefix, "user": locked.user_id},
        )
    return locked


def find_usable_token(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token for a raw bearer value, with its active user, or None."""
    if not raw or len(raw) > 200:
        return None
    moment = now or timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=ApiToken.hash_token(raw), revoked_at__isnull=True, expires_at__gt=moment)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at < moment - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
        token.last_used_at = moment
    return token
