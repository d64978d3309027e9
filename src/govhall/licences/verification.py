"""Verifying a licence by its identifier, for anyone: status, signature, and non-sensitive facts.

Outcomes: valid, suspended, revoked (注销/撤销/吊销), expired, superseded (an older version of a
licence changed or renewed since), not_found, signature_invalid. A broken signature wins over every
status: whatever the database says about a licence whose data no longer matches its seal is not
to be trusted. Personal values are masked; a company's name and credit code are public.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from govhall.core.crypto import mask_middle
from govhall.licences import sealing, selectors
from govhall.licences.models import HolderKind, Licence, LicenceVersion
from govhall.licences.services import today

MESSAGES: dict[str, tuple[str, str]] = {
    "valid": ("证照真实有效", "the licence is genuine and valid"),
    "suspended": ("证照已被暂扣，暂停使用", "the licence is suspended"),
    "revoked": ("证照已失效（注销、撤销或吊销）", "the licence has been cancelled, withdrawn or revoked"),
    "expired": ("证照已过有效期", "the licence has expired"),
    "superseded": (
        "此为证照的旧版本，已有更新版本",
        "this is an older version; the licence was changed or renewed since",
    ),
    "not_found": ("未找到该证照", "no licence has this identifier"),
    "signature_invalid": (
        "证照数据与签名不符，可能被篡改",
        "the licence data does not match its signature; it may have been altered",
    ),
}
REVOKED = {Licence.Status.CANCELLED, Licence.Status.WITHDRAWN, Licence.Status.REVOKED}


@dataclass
class Verification:
    outcome: str
    identifier: str
    licence_status: str = ""
    status_label: str = ""
    type_name: str = ""
    issuer_name: str = ""
    holder_name: str = ""
    holder_id: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    version: int = 0
    current_identifier: str = ""
    key_id: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)

    @property
    def message_zh(self) -> str:
        return MESSAGES[self.outcome][0]

    @property
    def message_en(self) -> str:
        return MESSAGES[self.outcome][1]

    @property
    def ok(self) -> bool:
        return self.outcome == "valid"


def mask_name(name: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_value(value: object) -> str:
    text = str(value)
    if len(text) >= 8:
        return mask_middle(text, keep_start=min(4, len(text) // 4), keep_end=min(4, len(text) // 4))
    return mask_name(text)


def outcome_for(licence: Licence, version: LicenceVersion, *, on: date | None = None) -> str:
    if not sealing.signature_valid(version, holder_kind=licence.holder_kind):
        return "signature_invalid"
    if licence.status in REVOKED:
        return "revoked"
    if licence.status == Licence.Status.SUSPENDED:
        return "suspended"
    if licence.current_version_id != version.pk:
        return "superseded"
    day = on or today()
    if licence.status == Licence.Status.EXPIRED or (
        version.valid_until is not None and version.valid_until < day
    ):
        return "expired"
    return "valid"


def public_fields(licence: Licence, version: LicenceVersion) -> list[tuple[str, str]]:
    _, personal = sealing.open_personal(version)
    shown: list[tuple[str, str]] = []
    for spec in licence.licence_type.fields:
        key = str(spec.get("key", ""))
        if not key or not spec.get("public"):
            continue
        if spec.get("personal"):
            value = personal.get(key, "")
            shown.append((str(spec.get("label", key)), mask_value(value) if value else "—"))
        else:
            value = version.data.get(key, "")
            shown.append((str(spec.get("label", key)), str(value) if value not in ("", None) else "—"))
    return shown


def verify(identifier: str) -> Verification:
    """Raises a 422 DomainError when ``identifier`` is malformed."""
    version = selectors.version_by_identifier(identifier)
    text = (identifier or "").strip().upper()
    if version is None:
        return Verification(outcome="not_found", identifier=text)
    licence = version.licence
    outcome = outcome_for(licence, version)
    result = Verification(outcome=outcome, identifier=version.identifier, licence_status=licence.status)
    result.status_label = Licence.Status(licence.status).label
    if outcome == "signature_invalid":
        return result  # nothing read from altered data is shown
    person = licence.holder_kind == HolderKind.PERSON
    result.type_name = version.type_name
    result.issuer_name = version.issuer_name
    result.holder_name = mask_name(version.holder_name) if person else version.holder_name
    holder_id, _ = sealing.open_personal(version)
    result.holder_id = mask_middle(holder_id) if person else holder_id
    result.valid_from = version.valid_from
    result.valid_until = version.valid_until
    result.version = version.number
    result.key_id = version.key_id
    current = licence.current_version
    result.current_identifier = current.identifier if current is not None else ""
    result.fields = public_fields(licence, version)
    return result
