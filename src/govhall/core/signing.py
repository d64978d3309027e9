"""Signing with a department's key: ``sign(department, data)``, ``verify(key_id, data, value)``,
``rotate(department)``.

Used for electronic licences and, later, electronic seals on official documents. Every department
gets an SM2 key on its first signature (GB/T 32918, SM3 digest with the default signer identity);
rotating makes a new key active and retires the old one, which is kept so that what it signed still
verifies. Private keys are stored encrypted and decrypted only to sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from govhall.core.audit import record_event
from govhall.core.crypto import decrypt_text, encrypt_text
from govhall.identity.models import Department
from govhall.keys import sm2
from govhall.keys.models import DepartmentKey

ALGORITHM = DepartmentKey.Algorithm.SM2_SM3


@dataclass(frozen=True)
class Signature:
    key_id: str
    value: str  # r ‖ s, 128 hex digits
    algorithm: str = ALGORITHM


def sm3_hex(data: bytes) -> str:
    return sm2.sm3(data).hex()


def _new_key(department: Department, generation: int, actor: Any) -> DepartmentKey:
    private = sm2.generate_private_key()
    key = DepartmentKey.objects.create(
        department=department,
        generation=generation,
        key_id=f"{department.uscc}-{generation:03d}",
        public_key=sm2.public_key_hex(sm2.public_key_of(private)),
        private_key_encrypted=encrypt_text(f"{private:064x}"),
        is_active=True,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_event(
        actor=actor,
        action="keys.generated",
        obj=key,
        after={"key_id": key.key_id, "department": department.pk, "algorithm": key.algorithm},
    )
    return key


def active_key(department: Department, *, actor: Any = None) -> DepartmentKey:
    """The department's key that signs now, generated on first use."""
    key = DepartmentKey.objects.filter(department=department, is_active=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _new_key(department, 1, actor)
    except IntegrityError:
        # Another transaction created the first key at the same moment; use theirs.
        return DepartmentKey.objects.get(department=department, is_active=True)


def rotate(department: Department, *, actor: Any = None) -> DepartmentKey:
    """Retire the active key (kept for verification) and make a new one active."""
    with transaction.atomic():
        Department.objects.select_for_update().get(pk=department.pk)
        current = DepartmentKey.objects.filter(department=department, is_active=True).first()
        last = DepartmentKey.objects.filter(department=department).order_by("-generation").first()
        if current is not None:
            current.is_active = False
            current.retired_at = timezone.now()
            current.save(update_fields=["is_active", "retired_at"])
            record_event(
                actor=actor,
                action="keys.retired",
                obj=current,
                before={"is_active": True},
                after={"is_active": False, "key_id": current.key_id},
            )
        return _new_key(department, (last.generation if last else 0) + 1, actor)


def sign(department: Department, data: bytes) -> Signature:
    key = active_key(department)
    private = int(decrypt_text(key.private_key_encrypted), 16)
    return Signature(key_id=key.key_id, value=sm2.sign(private, data), algorithm=key.algorithm)


def public_key(key_id: str, department: Department | None = None) -> str | None:
    keys = DepartmentKey.objects.filter(key_id=key_id)
    if department is not None:
        keys = keys.filter(department=department)
    return keys.values_list("public_key", flat=True).first()


def verify(
    key_id: str, data: bytes, signature: Signature | str, *, department: Department | None = None
) -> bool:
    """Whether ``signature`` over ``data`` was made by the key ``key_id`` (active or retired).

    Pass ``department`` when the signer matters (it nearly always does): a valid signature by
    another department's key is then refused.
    """
    value = signature.value if isinstance(signature, Signature) else signature
    if isinstance(signature, Signature) and signature.key_id != key_id:
        return False
    stored = public_key(key_id, department)
    if stored is None:
        return False
    try:
        point = sm2.parse_public_key(stored)
    except ValueError:
        return False
    return sm2.verify(point, data, value)
