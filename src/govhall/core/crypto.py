"""Encryption of personal fields at rest (AES-256-GCM) and keyed hashes for looking them up.

Keys are derived from ``GOVHALL_FIELD_KEY`` (or, failing that, SECRET_KEY) with HKDF, one key per
purpose, so the search hash cannot be turned back into the encryption key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_VERSION = b"v1"


def _master_secret() -> bytes:
    return (os.environ.get("GOVHALL_FIELD_KEY") or settings.SECRET_KEY).encode("utf-8")


@lru_cache(maxsize=8)
def _derive(purpose: bytes, master: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"govhall-field-keys", info=purpose).derive(master)


def _encryption_key() -> bytes:
    return _derive(b"encrypt:" + _VERSION, _master_secret())


def _lookup_key() -> bytes:
    return _derive(b"lookup:" + _VERSION, _master_secret())


def encrypt_text(plain: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_encryption_key()).encrypt(nonce, plain.encode("utf-8"), _VERSION)
    return _VERSION.decode() + ":" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def decrypt_text(token: str) -> str:
    version, _, body = token.partition(":")
    if version.encode() != _VERSION:
        raise ValueError(f"unknown field-encryption version {version!r}")
    raw = base64.urlsafe_b64decode(body.encode("ascii"))
    return AESGCM(_encryption_key()).decrypt(raw[:12], raw[12:], _VERSION).decode("utf-8")


def lookup_hash(value: str) -> str:
    """Keyed, deterministic hash of a normalised value: equal inputs can be found, none recovered."""
    return hmac.new(_lookup_key(), value.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()


def mask_middle(value: str, *, keep_start: int = 4, keep_end: int = 4) -> str:
    """``445302199001011234`` → ``4453**********1234``."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
