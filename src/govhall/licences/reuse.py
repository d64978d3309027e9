"""Using a held licence in place of a material (让数据多跑路): the one call the cases app makes.

When an application gives a licence identifier for a material whose catalogue source is a licence,
:func:`checked_reference` checks that the licence is the applicant's, is of a type that satisfies
the material and is valid today, records the use on the licence, and returns the identifier of the
version used (the current one) for the case to store. A reference that is not a licence identifier
(a paper licence number, say) is returned unchanged for the department to check by hand.
"""

from __future__ import annotations

from typing import Any

from govhall.core.audit import record_event
from govhall.core.errors import DomainError
from govhall.licences import identifiers, selectors
from govhall.licences.models import LicenceEvent
from govhall.licences.permissions import is_holder
from govhall.licences.services import now

LICENCE_KIND = "licence"


def _error(code: str, field: str, zh: str, en: str) -> DomainError:
    return DomainError(
        code,
        zh,
        en,
        status=422,
        details={"fields": [{"field": field, "code": code, "message_zh": zh, "message_en": en}]},
    )


def checked_reference(*, case: Any, material: Any, kind: str, reference: str, actor: Any = None) -> str:
    """Inside the caller's transaction; raises a 422 DomainError naming the material's field."""
    if kind != LICENCE_KIND or not identifiers.looks_like_identifier(reference):
        return reference
    field = f"materials.{material.pk}"
    try:
        version = selectors.version_by_identifier(reference)
    except DomainError as exc:
        raise _error(exc.code, field, exc.message_zh, exc.message_en) from exc
    if version is None or not is_holder(case.applicant, version.licence):
        raise _error(
            "licence_not_held",
            field,
            "未找到申请人持有的该证照",
            "the applicant holds no licence with this identifier",
        )
    licence = version.licence
    names = licence.licence_type.satisfied_names
    if material.licence_type not in names:
        raise _error(
            "licence_type_mismatch",
            field,
            f"该材料需要《{material.licence_type}》，所选证照为《{licence.licence_type.name}》",
            f"this material needs a {material.licence_type}, the licence given is a {licence.licence_type.name}",
        )
    if not selectors.is_usable(licence):
        raise _error(
            "licence_not_valid", field, "该证照当前无效，不能用于申请", "the licence is not valid today"
        )
    current = licence.current_version
    assert current is not None
    at = now()
    data = {
        "case": case.case_no or str(case.uid),
        "material": material.name,
        "identifier": current.identifier,
    }
    LicenceEvent.objects.create(
        licence=licence,
        version=current,
        kind=LicenceEvent.Kind.USE,
        occurred_at=at,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=str(getattr(actor, "username", "") or "")[:150],
        from_status=licence.status,
        to_status=licence.status,
        data=data,
    )
    record_event(actor=actor, action="licences.use", obj=licence, after=data)
    return current.identifier
