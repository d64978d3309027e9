"""What a licence version's signature covers, and checking it.

The signed bytes are the canonical JSON (sorted keys, UTF-8, no spaces) of everything printed on the
licence: identifier, version, type, issuer, holder (with the full ID number or credit code),
validity, issue date and the data fields. The SM3 digest of those bytes is stored next to the SM2
signature and the signing key's id, so a changed column, a changed ciphertext or a changed
signature all make :func:`signature_valid` false.
"""

from __future__ import annotations

import json
from typing import Any

from govhall.core import signing
from govhall.core.calendar import SHANGHAI
from govhall.core.crypto import decrypt_text, encrypt_text
from govhall.licences import identifiers
from govhall.licences.models import LicenceVersion


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def seal_personal(holder_id: str, personal: dict[str, Any]) -> str:
    return encrypt_text(canonical({"holder_id": holder_id, "fields": personal}).decode("utf-8"))


def open_personal(version: LicenceVersion) -> tuple[str, dict[str, Any]]:
    """(holder identifier, personal fields) in the clear."""
    if not version.personal_encrypted:
        return "", {}
    opened = json.loads(decrypt_text(version.personal_encrypted))
    return str(opened.get("holder_id", "")), dict(opened.get("fields") or {})


def payload(version: LicenceVersion, *, holder_kind: str) -> dict[str, Any]:
    parsed = identifiers.parse(version.identifier)
    holder_id, personal = open_personal(version)
    return {
        "identifier": version.identifier,
        "version": version.number,
        "operation": version.operation,
        "type": {"code": parsed.type_code, "name": version.type_name},
        "issuer": {"uscc": parsed.issuer_uscc, "name": version.issuer_name},
        "holder": {"kind": holder_kind, "name": version.holder_name, "id": holder_id},
        "valid_from": version.valid_from.isoformat(),
        "valid_until": version.valid_until.isoformat() if version.valid_until else None,
        "issued_on": version.issued_at.astimezone(SHANGHAI).date().isoformat(),
        "data": {**version.data, **personal},
    }


def seal(version: LicenceVersion, *, holder_kind: str) -> None:
    """Sign ``version`` with its issuer's active key (fills digest, signature and key id)."""
    data = canonical(payload(version, holder_kind=holder_kind))
    signature = signing.sign(version.licence.issuer, data)
    version.digest = signing.sm3_hex(data)
    version.signature = signature.value
    version.key_id = signature.key_id


def signature_valid(version: LicenceVersion, *, holder_kind: str) -> bool:
    try:
        data = canonical(payload(version, holder_kind=holder_kind))
    except Exception:  # a ciphertext or identifier that no longer opens is a broken seal
        return False
    if signing.sm3_hex(data) != version.digest:
        return False
    issuer = version.licence.issuer
    # Only the issuer named in the identifier may have signed it.
    if issuer.uscc != identifiers.parse(version.identifier).issuer_uscc:
        return False
    return signing.verify(version.key_id, data, version.signature, department=issuer)
