"""ID-token signing keys: the active one, the published set (JWKS), lookups by key id.

Keys live in :class:`~govhall.sso.models.SigningKey`; the first is created on first use so that a
fresh installation signs tokens without a setup step. Parsing a PEM is slow, so parsed keys are kept
per process by key id and ciphertext (a rotated key has a new id, so the cache never goes stale).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from jwcrypto import jwk

from govhall.core.audit import record_event
from govhall.core.crypto import decrypt_text, encrypt_text
from govhall.sso.models import SigningKey

ALGORITHM = "RS256"
KEY_SIZE = 2048


def new_key_material() -> tuple[str, str, dict[str, Any]]:
    """A fresh RSA key: its id (RFC 7638 thumbprint), encrypted private PEM and public JWK."""
    key = jwk.JWK.generate(kty="RSA", size=KEY_SIZE)
    kid = key.thumbprint()
    pem = key.export_to_pem(private_key=True, password=None).decode("ascii")
    public = json.loads(key.export_public())
    public.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    return kid, encrypt_text(pem), public


def _create_first_key() -> SigningKey:
    kid, encrypted, public = new_key_material()
    try:
        with transaction.atomic():
            key = SigningKey.objects.create(
                kid=kid, private_key_encrypted=encrypted, public_jwk=public, is_active=True
            )
            record_event(actor=None, action="sso.signing_key_created", obj=key, after={"kid": kid})
    except IntegrityError:
        # Another process created the first key at the same moment; use theirs.
        return SigningKey.objects.get(is_active=True)
    return key


def active_key() -> SigningKey:
    key = SigningKey.objects.filter(is_active=True).first()
    return key if key is not None else _create_first_key()


@lru_cache(maxsize=16)
def _private_jwk(kid: str, encrypted: str) -> jwk.JWK:
    return jwk.JWK.from_pem(decrypt_text(encrypted).encode("ascii"))


def signing_jwk() -> tuple[str, jwk.JWK]:
    """The key id and private key that sign new ID tokens."""
    key = active_key()
    return key.kid, _private_jwk(key.kid, key.private_key_encrypted)


def published_keys() -> list[SigningKey]:
    active_key()  # a JWKS is never empty, even before the first token
    now = timezone.now()
    return list(
        SigningKey.objects.filter(Q(is_active=True) | Q(published_until__gt=now)).order_by(
            "-is_active", "-created_at"
        )
    )


def jwks() -> dict[str, Any]:
    return {"keys": [dict(key.public_jwk) for key in published_keys()]}


def public_jwk_for(kid: str) -> jwk.JWK | None:
    """The public key with this id if it is still published (tokens of withdrawn keys fail)."""
    for key in published_keys():
        if key.kid == kid:
            return jwk.JWK(**key.public_jwk)
    return None
