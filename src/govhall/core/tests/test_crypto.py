"""Field encryption, lookup hashes and masking of personal data."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection

from govhall.core.crypto import decrypt_text, encrypt_text, lookup_hash, mask_middle
from govhall.identity.models import User


def test_round_trip_and_fresh_nonce() -> None:
    first, second = encrypt_text("11010519491231002X"), encrypt_text("11010519491231002X")
    assert first != second  # a fresh nonce each time: equal values do not look equal at rest
    assert decrypt_text(first) == decrypt_text(second) == "11010519491231002X"
    assert "1101051949" not in first
    assert decrypt_text(encrypt_text("云浮市 13800138000")) == "云浮市 13800138000"


def test_tampered_ciphertext_is_refused() -> None:
    token = encrypt_text("13800138000")
    version, _, body = token.partition(":")
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    with pytest.raises(InvalidTag):
        decrypt_text(f"{version}:{flipped}")
    with pytest.raises(ValueError, match="unknown field-encryption version"):
        decrypt_text("v0:" + body)


def test_lookup_hash_is_stable_normalised_and_keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    digest = lookup_hash("11010519491231002X")
    assert digest == lookup_hash(" 11010519491231002x ")
    assert digest != lookup_hash("110105194912310021")
    assert len(digest) == 64
    monkeypatch.setenv("GOVHALL_FIELD_KEY", "another deployment's key")
    assert lookup_hash("11010519491231002X") != digest


def test_masking() -> None:
    assert mask_middle("445302199001011234") == "4453**********1234"
    assert mask_middle("13800138000", keep_start=3, keep_end=4) == "138****8000"
    assert mask_middle("12345678") == "********"


@pytest.mark.django_db
def test_user_row_holds_no_plain_personal_data() -> None:
    user = User(username="crypto-check", kind=User.Kind.CITIZEN)
    user.set_id_number("11010519491231002X")
    user.set_phone("13800138000")
    user.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM identity_user WHERE id = %s", [user.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "11010519491231002X" not in row and "13800138000" not in row
    reloaded = User.objects.get_by_id_number("11010519491231002x")
    assert reloaded.pk == user.pk
    assert reloaded.id_number == "11010519491231002X"
    assert reloaded.id_number_masked == "1101**********002X"
    assert reloaded.phone == "13800138000" and reloaded.phone_masked == "138****8000"
