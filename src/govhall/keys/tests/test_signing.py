"""Department keys and SM2 signatures: the standard's example, gmssl agreement, rotation, storage."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govhall.core import signing
from govhall.core.models import AuditEvent
from govhall.keys import sm2
from govhall.keys.models import DepartmentKey

# GM/T 0003.5-2012 appendix: the signature example on the recommended curve.
EXAMPLE_D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
EXAMPLE_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
EXAMPLE_PUBLIC = (
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
EXAMPLE_SIGNATURE = (
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)


def test_sm3_matches_the_standard_example() -> None:
    assert signing.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm2_reproduces_the_standard_signature() -> None:
    public = sm2.public_key_of(EXAMPLE_D)
    assert sm2.public_key_hex(public) == EXAMPLE_PUBLIC.lower()
    value = sm2.sign(EXAMPLE_D, b"message digest", nonce=EXAMPLE_K)
    assert value == EXAMPLE_SIGNATURE.lower()
    assert sm2.verify(public, b"message digest", value)
    assert sm2.gmssl_verify(public, b"message digest", value)


@settings(max_examples=15, deadline=None)
@given(message=st.binary(max_size=200))
def test_fast_path_and_gmssl_accept_each_others_signatures(message: bytes) -> None:
    private = sm2.generate_private_key()
    public = sm2.public_key_of(private)
    assert sm2.gmssl_verify(public, message, sm2.sign(private, message))
    assert sm2.verify(public, message, sm2.gmssl_sign(private, public, message))
    assert not sm2.verify(public, message + b"\x00", sm2.sign(private, message))


def test_malformed_signatures_and_keys_are_refused() -> None:
    public = sm2.public_key_of(EXAMPLE_D)
    good = sm2.sign(EXAMPLE_D, b"m")
    for bad in ("", "zz" * 64, "0" * 128, good[:-2], good[:64] + f"{sm2.N:064x}"):
        assert not sm2.verify(public, b"m", bad)
    with pytest.raises(ValueError):
        sm2.parse_public_key("04" + "1" * 128)


@pytest.mark.django_db
def test_first_signature_creates_an_encrypted_key(dept_a: Any) -> None:
    signature = signing.sign(dept_a, b"licence data")
    key = DepartmentKey.objects.get(department=dept_a)
    assert signature.key_id == key.key_id == f"{dept_a.uscc}-001"
    assert key.is_active and len(key.public_key) == 128
    # The private key is never stored in the clear.
    assert key.private_key_encrypted.startswith("v1:") and len(key.private_key_encrypted) > 64
    assert signing.verify(key.key_id, b"licence data", signature)
    assert not signing.verify(key.key_id, b"licence datA", signature)
    assert AuditEvent.objects.filter(action="keys.generated", object_id=str(key.pk)).exists()


@pytest.mark.django_db
def test_rotation_keeps_old_keys_for_verification(dept_a: Any, dept_b: Any, department_admin: Any) -> None:
    old = signing.sign(dept_a, b"before")
    new_key = signing.rotate(dept_a, actor=department_admin)
    new = signing.sign(dept_a, b"after")
    assert new.key_id == new_key.key_id == f"{dept_a.uscc}-002" != old.key_id
    assert signing.verify(old.key_id, b"before", old)
    assert signing.verify(new.key_id, b"after", new)
    assert not signing.verify(new.key_id, b"before", old.value)  # not the key that signed it
    retired = DepartmentKey.objects.get(key_id=old.key_id)
    assert not retired.is_active and retired.retired_at is not None
    assert DepartmentKey.objects.filter(department=dept_a, is_active=True).count() == 1
    # Another department's key never verifies this department's signature.
    other = signing.sign(dept_b, b"after")
    assert not signing.verify(other.key_id, b"after", new.value)
    assert not signing.verify("no-such-key", b"after", new.value)
    assert signing.verify(new.key_id, b"after", new, department=dept_a)
    assert not signing.verify(other.key_id, b"after", other, department=dept_a)
