"""Issuing the licence an approved case results in (registered as a cases result hook).

Runs inside the deciding transaction: the licence is signed and stored with the decision, or
neither is. The item's guide names the licence (``result_licence_type``); an item whose licence type
the library does not know, or only references, issues nothing here.
"""

from __future__ import annotations

import logging
from typing import Any

from govhall.core.calendar import SHANGHAI
from govhall.core.errors import DomainError
from govhall.licences.models import HolderKind, Licence, LicenceType
from govhall.licences.services import Holder, holder_from_account, issue_licence

logger = logging.getLogger(__name__)


def licence_type_for_case(case: Any) -> LicenceType | None:
    name = (case.item_version.result_licence_type or "").strip().strip("《》")
    if not name:
        return None
    return LicenceType.objects.filter(name=name, is_active=True, is_reference=False).first()


def case_values(case: Any, result: Any) -> dict[str, Any]:
    """What a field's ``source`` may name, for this case."""
    applicant = case.applicant
    values: dict[str, Any] = {f"form.{key}": value for key, value in (case.form_data or {}).items()}
    values.update(
        {
            "applicant.name": case.applicant_name or applicant.display_name or applicant.username,
            "applicant.id": applicant.uscc if applicant.kind == "enterprise" else applicant.id_number,
            "applicant.legal_representative": applicant.legal_representative,
            "result.document_no": result.document_no,
            "result.decided_on": result.decided_at.astimezone(SHANGHAI).date().isoformat(),
            "item.name": case.item_version.name,
            "case.case_no": case.case_no or "",
        }
    )
    return values


def data_for_case(licence_type: LicenceType, case: Any, result: Any) -> dict[str, Any]:
    values = case_values(case, result)
    data: dict[str, Any] = {}
    for spec in licence_type.fields:
        key = str(spec.get("key", ""))
        if not key:
            continue
        source = str(spec.get("source") or f"form.{key}")
        value = values.get(source, "")
        data[key] = value if isinstance(value, str | int | float | list) else str(value)
    return data


def issue_from_case(case: Any, result: Any) -> None:
    """The cases result hook."""
    issue_for_case(case, result)


def issue_for_case(case: Any, result: Any) -> Licence | None:
    licence_type = licence_type_for_case(case)
    if licence_type is None:
        return None
    existing = Licence.objects.filter(case=case, licence_type=licence_type).first()
    if existing is not None:
        return existing
    holder: Holder = holder_from_account(case.applicant)
    expected = HolderKind.LEGAL if case.applicant_kind == "legal" else HolderKind.PERSON
    if holder.kind != expected or licence_type.holder_kind != holder.kind:
        logger.warning(
            "case %s: licence type %s is for %s holders, the applicant is %s; not issued",
            case.case_no,
            licence_type.name,
            licence_type.holder_kind,
            holder.kind,
        )
        return None
    try:
        return issue_licence(
            actor=result.decided_by,
            licence_type=licence_type,
            issuer=case.lead_department,
            holder=holder,
            data=data_for_case(licence_type, case, result),
            valid_from=result.decided_at.astimezone(SHANGHAI).date(),
            case=case,
            note=f"办件 {case.case_no} 准予许可 approved case",
            authorised_by_case=True,
        )
    except DomainError as exc:
        # The applicant's account lacks a valid identifier: the decision stands, a clerk issues
        # the licence by hand once it is corrected. The service's savepoint undid its writes.
        logger.warning("case %s: licence %s not issued: %s", case.case_no, licence_type.name, exc)
        return None
