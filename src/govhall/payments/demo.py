"""Demo data for ``manage.py seed_demo``: one fee to pay for the demo citizen.

The citizen's application to renew an ID card (居民身份证换领, 公安局) is filed, accepted and approved
through the case services by the police bureau's demo staff; approval issues the fee order from
the catalogue (¥20 工本费), so that ``demo-citizen`` finds 去缴费 on the case and can pay through the
payment sandbox. Idempotent: nothing happens when the citizen already has an order.
"""

from __future__ import annotations

import random
from typing import Any, Protocol

from govhall.cases import handling, services
from govhall.cases.models import Case, CaseMaterial, Task
from govhall.catalog.models import Material, ServiceItem
from govhall.identity.models import User
from govhall.payments.models import FeeOrder

CITIZEN = "demo-citizen"
ITEM_NAME = "居民身份证换领"
DEPARTMENT = "GAJ"


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


def _staff(role: str) -> User | None:
    return (
        User.objects.filter(is_active=True, memberships__department__code=DEPARTMENT, memberships__role=role)
        .order_by("username")
        .first()
    )


def _provided(item: ServiceItem, citizen: User) -> list[services.ProvidedMaterial]:
    assert item.current_version is not None
    provided = []
    for material in item.current_version.materials.filter(required=True):
        if material.source == Material.Source.LICENCE:
            reference = citizen.id_number if "身份证" in material.name else f"户口簿-{citizen.pk:06d}"
            provided.append(services.ProvidedMaterial(material.pk, CaseMaterial.Kind.LICENCE, reference))
        else:
            provided.append(services.ProvidedMaterial(material.pk, CaseMaterial.Kind.COUNTER))
    return provided


def seed(stdout: Writer, rng: random.Random) -> dict[str, int]:
    citizen = User.objects.filter(username=CITIZEN).first()
    if citizen is None or FeeOrder.objects.filter(payer=citizen).exists():
        return {}
    item = (
        ServiceItem.objects.select_related("current_version")
        .filter(department__code=DEPARTMENT, current_version__name=ITEM_NAME)
        .first()
    )
    if (
        item is None
        or item.current_version is None
        or not item.current_version.fees.filter(amount__gt=0).exists()
    ):
        return {}
    draft = services.save_draft(
        actor=citizen,
        item=item,
        form_data={"contact_name": citizen.display_name, "contact_phone": citizen.phone or "13800138000"},
        provided=_provided(item, citizen),
    )
    case = services.submit_case(actor=citizen, draft=draft, idempotency_key="demo-payments").case
    for _ in range(6):
        case.refresh_from_db()
        if case.decision:
            break
        task = (
            case.tasks.filter(status__in=[Task.Status.OPEN, Task.Status.CLAIMED])
            .order_by("created_at", "id")
            .first()
        )
        actor = _staff(task.candidate_role) if task else None
        if task is None or actor is None:
            return {}
        if task.step_kind in ("accept", "accept_decide"):
            instant = task.step_kind == "accept_decide"
            handling.accept_case(
                actor=actor,
                case=case,
                decision="approve" if instant else "",
                opinion="材料齐全，准予换领。" if instant else "",
            )
        else:
            handling.complete_task(actor=actor, task=task, action="approve", opinion="材料齐全，准予换领。")
    case.refresh_from_db()
    if case.status != Case.Status.APPROVED:
        return {}
    orders = FeeOrder.objects.filter(case=case).count()
    stdout.write(f"  payments: {orders} fee order for {CITIZEN} ({ITEM_NAME}, case {case.case_no})")
    return {"fee orders": orders}
