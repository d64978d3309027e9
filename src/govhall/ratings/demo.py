"""Demo data for ``manage.py seed_demo``: ratings, a rectification, consultations and a complaint.

- The demo citizen's business-licence style application at the market regulation bureau (市场监管局,
  ``SCJGJ``) is filed, decided, delivered and completed through the case services, and left
  unrated, so ``demo-citizen`` finds 评价本次服务 on the case page.
- Counter visits at that bureau and at the service centre (``ZWFW``) recorded by ``demo-clerk``,
  rated by visitors with a realistic spread (mostly 非常满意/满意), so /ratings/ shows figures; one
  real-name 不满意 by the demo citizen opens a rectification that ``demo-approver`` can call back.
- Consultations of the demo citizen (one answered, one waiting) and a complaint waiting for
  acceptance, for the department's queue at /interaction/staff/.

Idempotent: nothing is added once the demo citizen has a counter-visit rating.
"""

from __future__ import annotations

import io
import random
from typing import Any, Protocol

from django.db import transaction

from govhall.cases import delivery, handling
from govhall.cases import services as case_services
from govhall.cases.models import Case, CaseMaterial, Task
from govhall.catalog.models import Material, ServiceItem, Target
from govhall.complaints import services as complaint_services
from govhall.core.errors import DomainError
from govhall.identity.models import Department, User
from govhall.ratings import services
from govhall.ratings.models import Rating

CITIZEN = "demo-citizen"
CLERK = "demo-clerk"
APPROVER = "demo-approver"
MARKET = "SCJGJ"
CENTRE = "ZWFW"
# Level weights, best first: most ratings are good, as in published 好差评 figures (~99% satisfied).
WEIGHTS = {5: 78, 4: 15, 3: 4, 2: 2, 1: 1}
COMMENTS_BAD = ("等候时间太长，叫号系统故障没人解释。", "材料要求前后说法不一，跑了两次。")


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _items(code: str) -> list[ServiceItem]:
    return list(
        ServiceItem.objects.select_related("current_version")
        .filter(department__code=code, current_version__isnull=False)
        .order_by("implementation_code")[:8]
    )


PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _materials(item: ServiceItem) -> tuple[list[case_services.ProvidedMaterial], list[int]]:
    """Required materials: paper ones shown at the counter, electronic ones uploaded (a one-page PDF)."""
    assert item.current_version is not None
    shown, uploaded = [], []
    for material in item.current_version.materials.filter(required=True):
        if material.medium == Material.Medium.ELECTRONIC:
            uploaded.append(material.pk)
        else:
            shown.append(case_services.ProvidedMaterial(material.pk, CaseMaterial.Kind.COUNTER))
    return shown, uploaded


def _completed_case(citizen: User, clerk: User, approver: User) -> Case | None:
    """File one case and take it to 办结 through the case services; None when the demo item cannot be."""
    item = (
        ServiceItem.objects.select_related("current_version")
        .filter(
            department__code=MARKET,
            current_version__target__in=[Target.PERSON, Target.BOTH],
            current_version__online_depth__gte=3,
        )
        .order_by("current_version__item_type", "implementation_code")  # instant items first
        .first()
    )
    if item is None:
        return None
    try:
        with transaction.atomic():
            shown, uploaded = _materials(item)
            draft = case_services.save_draft(
                actor=citizen,
                item=item,
                form_data={
                    "contact_name": citizen.display_name,
                    "contact_phone": citizen.phone or "13800138000",
                },
                provided=shown,
            )
            for material_id in uploaded:
                case_services.attach_material(
                    actor=citizen,
                    case=draft,
                    material_id=material_id,
                    stream=io.BytesIO(PDF),
                    filename="申请书.pdf",
                )
            case = case_services.submit_case(actor=citizen, draft=draft, idempotency_key="demo-ratings").case
            for _ in range(8):
                case.refresh_from_db()
                if case.decision:
                    break
                task = (
                    case.tasks.filter(status__in=[Task.Status.OPEN, Task.Status.CLAIMED])
                    .order_by("id")
                    .first()
                )
                if task is None:
                    return None
                actor = clerk if task.candidate_role == "window_clerk" else approver
                if task.step_kind in ("accept", "accept_decide"):
                    instant = task.step_kind == "accept_decide"
                    handling.accept_case(
                        actor=actor,
                        case=case,
                        decision="approve" if instant else "",
                        opinion="材料齐全。" if instant else "",
                    )
                else:
                    handling.complete_task(
                        actor=actor, task=task, action="approve", opinion="符合条件，准予许可。"
                    )
            case.refresh_from_db()
            if case.status != Case.Status.APPROVED:
                return None
            delivery.deliver_result(actor=clerk, case=case, method="download", complete=True)
            case.refresh_from_db()
            return case if case.status == Case.Status.COMPLETED else None
    except DomainError:  # a demo item the case services refuse: the other demo data still goes in
        return None


def seed(stdout: Writer, rng: random.Random) -> dict[str, int]:
    citizen, clerk, approver = _user(CITIZEN), _user(CLERK), _user(APPROVER)
    if citizen is None or clerk is None or approver is None:
        return {}
    if Rating.objects.filter(rater=citizen, source=Rating.Source.COUNTER).exists():
        return {}
    departments = {d.code: d for d in Department.objects.filter(code__in=[MARKET, CENTRE])}
    market = departments.get(MARKET)
    if market is None:
        return {}
    items = _items(MARKET)
    made = {"completed cases": 0, "counter visits": 0, "ratings": 0, "consultations": 0, "complaints": 0}
    if _completed_case(citizen, clerk, approver) is not None:
        made["completed cases"] += 1
    levels, weights = list(WEIGHTS), list(WEIGHTS.values())
    for department in departments.values():
        for n in range(40 if department.code == MARKET else 25):
            item = items[n % len(items)] if items and department.code == MARKET else None
            visit = services.record_visit(
                actor=clerk, department=department, item=item, idempotency_key=f"demo-{department.code}-{n}"
            )
            made["counter visits"] += 1
            level = rng.choices(levels, weights)[0]
            comment = rng.choice(COMMENTS_BAD) if level <= 2 else ""
            services.rate_visit(actor=None, code=visit.code, level=level, comment=comment)
            made["ratings"] += 1
    visit = services.record_visit(
        actor=clerk,
        department=market,
        item=items[0] if items else None,
        visitor=citizen,
        idempotency_key="demo-own",
    )
    made["counter visits"] += 1
    services.rate_visit(
        actor=citizen,
        code=visit.code,
        level=2,
        tags=["多次跑腿"],
        comment="补正材料没有一次性告知，第二次才说清楚。",
    )
    made["ratings"] += 1
    item = items[0] if items else None
    asked = complaint_services.ask(
        actor=citizen,
        subject="住宅能否作为经营场所",
        question="我想在自己家里开网店，住宅可以登记为经营场所吗？需要什么证明？",
        item=item,
        department=market,
        publish_consent=True,
        idempotency_key="demo-consultation-1",
    )
    complaint_services.answer_consultation(
        actor=approver,
        consultation=asked,
        answer="从事网络经营的，可以将住宅登记为经营场所，提交住所（经营场所）使用证明即可；法律法规另有规定的除外。",
    )
    complaint_services.ask(
        actor=citizen,
        subject="办理时限",
        question="食品经营许可提交后多久可以拿到许可证？",
        item=item,
        department=market,
        idempotency_key="demo-consultation-2",
    )
    made["consultations"] += 2
    complaint_services.complain(
        actor=citizen,
        target="staff",
        department=market,
        staff_name="综合窗口3号",
        subject="窗口服务态度",
        content="11月某日上午在3号窗口咨询时，工作人员态度生硬，未说明需要补充的材料。",
        idempotency_key="demo-complaint-1",
    )
    made["complaints"] += 1
    stdout.write(
        f"  ratings: {made['ratings']} ratings of {made['counter visits']} counter visits, "
        f"{made['completed cases']} completed case to rate, {made['consultations']} consultations, "
        f"{made['complaints']} complaint"
    )
    return made
