"""Demo disclosure data for the demo city: publications, guides, the four lists, penalties, requests.

Rows are written directly (as the catalogue's demo does) inside ``seed_demo``'s one transaction and
its one audit event, except the information requests, which walk through the request services so
that their numbers, deadlines and timelines are the real ones. Everything is keyed (department and
title, list numbers, decision numbers, idempotency keys), so a second run creates nothing. Dates are
drawn from ``rng`` relative to today, so the demo always looks current.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from govhall.catalog.models import ServiceItem
from govhall.core.calendar import SHANGHAI, add_working_days
from govhall.core.crypto import encrypt_text
from govhall.disclosure import clock, indexing, list_services, numbering, request_services, services
from govhall.disclosure.demo_data import DRAFTS, GUIDE, PUBLICATIONS, REPEALED, WITHDRAWN
from govhall.disclosure.demo_lists import FUNDS, NEGATIVE_LIST, PENALTIES, REQUESTS, RESPONSIBILITIES
from govhall.disclosure.models import (
    Category,
    ConfidentialityReview,
    DisclosureGuide,
    EntryStatus,
    InformationRequest,
    NegativeListEntry,
    NumberCounter,
    PenaltyDecision,
    Publication,
    Responsibility,
    SpecialFund,
)
from govhall.identity.demo import make_uscc
from govhall.identity.models import Department, Role, User

NEGATIVE_EDITION = "2025年版"
FUND_YEAR_OFFSET = 0  # funds are this year's


class Writer(Protocol):
    def write(self, msg: str = "", *args: Any, **kwargs: Any) -> None: ...


def _staff(department: Department, roles: Iterable[str]) -> User | None:
    return (
        User.objects.filter(
            memberships__department=department, memberships__role__in=list(roles), is_active=True
        )
        .order_by("username")
        .first()
    )


def _own_categories(departments: dict[str, Department]) -> int:
    market = departments.get("SCJGJ")
    if market is None or Category.objects.filter(code="0801").exists():
        return 0
    Category.objects.create(
        code="0801", name="食品安全", parent=Category.objects.get(code="08"), department=market, order=100
    )
    return 1


def _publications(rng: random.Random, departments: dict[str, Department], now: datetime) -> dict[str, int]:
    created = {"publications": 0, "reviews": 0}
    # Days ago for every planned row, drawn whether or not it exists, so reruns agree.
    ages = [rng.randint(2, 300) for _ in PUBLICATIONS]
    existing = set(Publication.objects.values_list("department__code", "title"))
    planned = sorted(
        (
            (now - timedelta(days=age, hours=rng.randint(0, 8)), row)
            for age, row in zip(ages, PUBLICATIONS, strict=True)
        ),
        key=lambda pair: pair[0],
    )
    categories = {c.code: c for c in Category.objects.all()}
    for published_at, (code, category, title, number, topic, keywords, paragraphs) in planned:
        department = departments.get(code)
        if department is None or (code, title) in existing or category not in categories:
            continue
        drafter = _staff(department, [Role.WINDOW_CLERK, Role.REVIEWER])
        reviewer = _staff(department, [Role.REVIEWER, Role.APPROVER])
        publisher = _staff(department, [Role.APPROVER, Role.DEPARTMENT_ADMIN])
        year = clock.local_date(published_at).year
        sequence = numbering.next_sequence(department, NumberCounter.Kind.PUBLICATION, year)
        publication = Publication.objects.create(
            department=department,
            category=categories[category],
            title=title,
            index_year=year,
            index_sequence=sequence,
            index_number=numbering.format_index_number(
                uscc=department.uscc, category_code=category, year=year, sequence=sequence
            ),
            issuing_body=department.name,
            document_number=number,
            topic=topic,
            keywords=keywords,
            summary="",
            body="\n\n".join(paragraphs),
            written_on=(published_at - timedelta(days=rng.randint(1, 6))).date(),
            effective_from=published_at.date() if category in {"02", "07"} else None,
            validity=Publication.Validity.REPEALED if title in REPEALED else Publication.Validity.VALID,
            status=Publication.Status.PUBLISHED,
            drafted_by=drafter,
            published_at=published_at,
            published_by=publisher,
        )
        if reviewer is not None:
            ConfidentialityReview.objects.create(
                publication=publication,
                reviewer=reviewer,
                conclusion=ConfidentialityReview.Conclusion.CLEARED,
                opinion="经审查，不涉及国家秘密、工作秘密、商业秘密和个人隐私，同意公开。",
                reviewed_at=published_at - timedelta(hours=2),
            )
            created["reviews"] += 1
        reason = WITHDRAWN.get((code, title))
        if reason:
            publication.status = Publication.Status.WITHDRAWN
            publication.withdrawn_at = published_at + timedelta(days=1)
            publication.withdrawn_by = publisher
            publication.withdrawal_reason = reason
            publication.save()
        indexing.index_publication(publication)
        created["publications"] += 1
    return created


def _drafts(departments: dict[str, Department]) -> int:
    existing = set(Publication.objects.values_list("department__code", "title"))
    made = 0
    for code, category, title, body in DRAFTS:
        department = departments.get(code)
        if department is None or (code, title) in existing:
            continue
        Publication.objects.create(
            department=department,
            category=Category.objects.get(code=category),
            title=title,
            issuing_body=department.name,
            body=body,
            topic="08",
            status=Publication.Status.IN_REVIEW,
            drafted_by=_staff(department, [Role.WINDOW_CLERK]),
        )
        made += 1
    return made


def _guides(departments: dict[str, Department]) -> int:
    have = set(DisclosureGuide.objects.values_list("department__code", flat=True))
    made = 0
    for code in ("SCJGJ", "GAJ", "RSJ", "MZJ", "ZJJ", "ZWFW"):
        department = departments.get(code)
        if department is None or code in have:
            continue
        DisclosureGuide.objects.create(
            department=department,
            office=f"{department.name}办公室",
            address="云浮市云城区世纪大道中" + str(10 + made * 7) + "号",
            phone=f"0766-88{made + 1:02d}{made * 37 % 100:02d}{made:02d}",
            **GUIDE,
        )
        made += 1
    return made


def _related_items(department: Department, words: tuple[str, ...]) -> list[ServiceItem]:
    q = Q(pk__in=[])
    for word in words:
        q |= Q(current_version__name__contains=word)
    return list(ServiceItem.objects.filter(q, department=department, current_version__isnull=False)[:6])


def _responsibilities(departments: dict[str, Department], now: datetime) -> int:
    have = set(Responsibility.objects.values_list("department__code", "duty"))
    made = 0
    for order, (code, duty, tasks, accountability, words) in enumerate(RESPONSIBILITIES):
        department = departments.get(code)
        if department is None or (code, duty) in have:
            continue
        entry = Responsibility.objects.create(
            department=department,
            duty=duty,
            tasks=tasks,
            accountability=accountability,
            order=order,
            status=EntryStatus.PUBLISHED,
            published_at=now,
        )
        entry.related_items.set(_related_items(department, words))
        indexing.index_responsibility(entry)
        made += 1
    return made


def _negative_list(departments: dict[str, Department], now: datetime) -> int:
    have = set(NegativeListEntry.objects.filter(edition=NEGATIVE_EDITION).values_list("kind", "number"))
    made = 0
    for kind, number, industry, name, measures, basis, code in NEGATIVE_LIST:
        if (kind, number) in have:
            continue
        entry = NegativeListEntry.objects.create(
            edition=NEGATIVE_EDITION,
            kind=kind,
            number=number,
            industry=industry,
            name=name,
            measures=measures,
            basis=basis,
            department=departments.get(code),
            status=EntryStatus.PUBLISHED,
            published_at=now,
        )
        indexing.index_negative(entry)
        made += 1
    return made


def _funds(departments: dict[str, Department], now: datetime) -> int:
    year = clock.local_date(now).year + FUND_YEAR_OFFSET
    have = set(SpecialFund.objects.filter(year=year).values_list("name", flat=True))
    made = 0
    for name, code, amount, purpose, allocation, recipients in FUNDS:
        department = departments.get(code)
        if department is None or name in have:
            continue
        fund = SpecialFund.objects.create(
            name=name,
            year=year,
            amount=Decimal(amount),
            department=department,
            purpose=purpose,
            allocation=allocation,
            recipients_summary=recipients,
            status=EntryStatus.PUBLISHED,
            published_at=now,
        )
        indexing.index_fund(fund)
        made += 1
    return made


def _penalties(rng: random.Random, departments: dict[str, Department], now: datetime) -> int:
    have = set(PenaltyDecision.objects.values_list("decision_number", flat=True))
    bodies = [f"{rng.randrange(10**8):08d}" for _ in PENALTIES]
    codes = [
        make_uscc(row[4], "445302", body) if row[4] else ""
        for row, body in zip(PENALTIES, bodies, strict=True)
    ]
    delays = [rng.randint(1, 5) for _ in PENALTIES]
    made = 0
    for row, code_value, delay in zip(PENALTIES, codes, delays, strict=True):
        dept_code, number, party_kind, party, _kind, representative, violation, basis, penalty, fine, days = (
            row
        )
        department = departments.get(dept_code)
        if department is None or number in have:
            continue
        decided_on = add_working_days(clock.local_date(now), -days)
        published_at = datetime.combine(add_working_days(decided_on, delay), time(10), tzinfo=SHANGHAI)
        party_fields = list_services.party_fields(party_kind, party, code_value, "", representative)
        fine_amount = Decimal(fine) if fine else None
        months = list_services.default_publicity_months(penalty, fine_amount)
        decision = PenaltyDecision.objects.create(
            department=department,
            decision_number=number,
            party_kind=party_kind,
            party_name_encrypted=encrypt_text(party),
            violation=violation,
            basis=basis,
            penalty=penalty,
            fine_amount=fine_amount,
            decided_on=decided_on,
            publish_due_at=clock.penalty_publish_due(decided_on),
            publicity_months=months,
            status=PenaltyDecision.Status.PUBLISHED,
            published_at=min(published_at, now),
            public_until=clock.add_months(min(published_at, now), months),
            **party_fields,
        )
        indexing.index_penalty(decision)
        made += 1
    return made


def _requests(departments: dict[str, Department], now: datetime) -> int:
    made = 0
    for index, (username, code, content, purpose, delivery, state, days) in enumerate(REQUESTS):
        applicant = User.objects.filter(username=username).first()
        department = departments.get(code)
        key = f"demo-request-{index}"
        if applicant is None or department is None:
            continue
        if InformationRequest.objects.filter(applicant=applicant, idempotency_key=key).exists():
            continue
        clerk = _staff(department, [Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER])
        handler = _staff(department, [Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN])
        submitted = datetime.combine(
            add_working_days(clock.local_date(now), -days), time(9, 30), tzinfo=SHANGHAI
        )
        info = request_services.submit_request(
            actor=applicant,
            department=department,
            content=content,
            purpose=purpose,
            delivery=delivery,
            idempotency_key=key,
            at=submitted,
        )
        made += 1
        if clerk is None or handler is None:
            continue  # an unstaffed agency: the request waits for receipt
        received = submitted + timedelta(hours=5)
        info = request_services.confirm_receipt(actor=clerk, request=info, at=received)
        if state == "correcting":
            request_services.request_correction(
                actor=handler,
                request=info,
                at=received + timedelta(days=1),
                note="请明确所需信息对应的道路名称或工程项目名称，以及所需信息的时间范围。",
            )
        elif state == "answered":
            request_services.answer_request(
                actor=handler,
                request=info,
                answer=InformationRequest.Answer.DISCLOSED,
                at=datetime.combine(add_working_days(received.date(), 9), time(15), tzinfo=SHANGHAI),
                text="经检索，您申请的信息由本局掌握。现将2026年第二季度云城区餐饮服务单位监督检查结果汇总提供给您："
                "共检查餐饮服务单位412家，责令整改37家，立案查处5家。",
            )
    return made


def seed(stdout: Writer, rng: random.Random) -> dict[str, int]:
    """Create the demo city's disclosure records that are missing; return what was created."""
    departments = {d.code: d for d in Department.objects.filter(is_active=True)}
    if not departments:
        stdout.write("  disclosure: no departments yet (seed identity first)")
        return {}
    now = timezone.now()
    created: dict[str, int] = {}
    with transaction.atomic():
        created["categories"] = services.ensure_standard_categories() + _own_categories(departments)
        created.update(_publications(rng, departments, now))
        created["drafts in review"] = _drafts(departments)
        created["guides"] = _guides(departments)
        created["responsibilities"] = _responsibilities(departments, now)
        created["negative list entries"] = _negative_list(departments, now)
        created["special funds"] = _funds(departments, now)
        created["penalty decisions"] = _penalties(rng, departments, now)
        created["information requests"] = _requests(departments, now)
    created = {key: value for key, value in created.items() if value}
    stdout.write(
        "  disclosure: " + (", ".join(f"{n} {what}" for what, n in created.items()) or "nothing new")
    )
    return created
