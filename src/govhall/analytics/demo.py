"""Demo data for the dashboards: thirteen months of historical cases (历史办件), then a warehouse refresh.

The demo city's other apps file a handful of live cases; a leader's dashboard needs history. The
historical cases are written as completed (a few recent ones still open) cases of the published
items, for the demo citizens and enterprises, as if imported from the previous approval system
(numbers ``LS…``, no process state, no timeline of their own), with the overdue cards and fee
payments they would have had (``demo_extras``). Idempotent: nothing is added once
they exist. The warehouse is refreshed after the seed's transaction commits.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from govhall.analytics import demo_extras
from govhall.cases.models import Case
from govhall.catalog.models import ServiceItem
from govhall.identity.models import User

PREFIX = "LS"
HISTORY_CASES = 3000
MONTHS = 13


def history_cases(
    rng: random.Random,
    *,
    count: int,
    items: list[ServiceItem],
    applicants: list[User],
    now: datetime | None = None,
    months: int = MONTHS,
) -> list[Case]:
    """Unsaved historical cases spread over the last ``months`` months, more recent ones more online."""
    now = now or timezone.now()
    span = months * 30 * 86400
    cases: list[Case] = []
    for n in range(count):
        item = rng.choice(items)
        version = item.current_version
        assert version is not None
        applicant = rng.choice(applicants)
        age = rng.random() ** 1.3 * span  # a little busier lately
        submitted = now - timedelta(seconds=age)
        recent = 1 - age / span
        online = rng.random() < 0.45 + 0.4 * recent
        accepted = submitted + timedelta(hours=rng.uniform(0.2, 30))
        promised = max(1, version.promised_days or 5)
        deadline = accepted + timedelta(days=promised * 1.4)
        allowed = promised * 1.4
        late = rng.random() < 0.05  # a few late ones
        days = allowed + rng.uniform(0.5, 10) if late else allowed * rng.betavariate(1.6, 3.5)
        completed = accepted + timedelta(days=days, hours=rng.uniform(1, 8))
        case = Case(
            case_no=f"{PREFIX}{submitted:%Y%m%d}{item.department_id:04d}{n:06d}",
            applicant=applicant,
            applicant_kind=Case.ApplicantKind.LEGAL
            if applicant.kind == User.Kind.ENTERPRISE
            else Case.ApplicantKind.PERSON,
            applicant_name=applicant.display_name,
            item=item,
            item_version=version,
            lead_department_id=item.department_id,
            channel=Case.Channel.ONLINE if online else Case.Channel.WINDOW,
            submitted_at=submitted,
            accepted_at=accepted,
            promised_deadline=deadline,
            idempotency_key=f"demo-history-{n}",
        )
        if completed < now:
            case.status = Case.Status.COMPLETED
            case.decision = Case.Decision.APPROVED if rng.random() < 0.93 else Case.Decision.DENIED
            case.decided_at = completed - timedelta(hours=1)
            case.completed_at = completed
            if completed > deadline:
                case.timeliness = Case.Timeliness.LATE
            elif completed < deadline - timedelta(days=1):
                case.timeliness = Case.Timeliness.EARLY
            else:
                case.timeliness = Case.Timeliness.ON_TIME
        else:
            case.status = Case.Status.IN_REVIEW
        cases.append(case)
    return cases


def seed(stdout: Any, rng: random.Random, **options: Any) -> dict[str, int]:
    created = 0
    if not Case.objects.filter(
        case_no__startswith=PREFIX, idempotency_key__startswith="demo-history-"
    ).exists():
        items = list(
            ServiceItem.objects.filter(current_version__isnull=False)
            .select_related("current_version")
            .order_by("id")
        )
        applicants = list(
            User.objects.filter(
                kind__in=[User.Kind.CITIZEN, User.Kind.ENTERPRISE], region__isnull=False
            ).order_by("id")[:800]
        )
        if items and applicants:
            cases = history_cases(rng, count=HISTORY_CASES, items=items, applicants=applicants)
            cases = Case.objects.bulk_create(cases, batch_size=500)
            created = len(cases)
            saved = list(
                Case.objects.filter(pk__in=[c.pk for c in cases]).select_related(
                    "lead_department__region", "item_version", "applicant"
                )
            )
            card_count = demo_extras.cards(saved)
            payment_count = demo_extras.payments(saved, rng)
            stdout.write(
                f"  historical cases: {created}, overdue cards: {card_count}, payments: {payment_count}"
            )

    def refresh() -> None:
        from govhall.analytics import warehouse

        result = warehouse.refresh()
        stdout.write(f"  warehouse refreshed: {sum(result.rows.values())} rows in {result.seconds:.1f}s")

    transaction.on_commit(refresh)
    return {"historical cases": created}
