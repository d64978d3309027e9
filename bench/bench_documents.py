"""Official documents: one document sent to 1,000 units, against one insert per unit.

Yunfu's office sent a document to 140+ units with 3–4 people in half a day; the send here is
set-based. Both sides do the same work for N receiving units (``GOVHALL_BENCH_DOCUMENT_UNITS``,
default 1,000), each unit with one clerk:

- :func:`govhall.documents.exchange.send` — the units resolved in a few queries, the distribution
  rows in one ``bulk_create``, every clerk's message in one ``notify`` (one bulk insert), one audit
  event naming the units;
- the baseline: per unit, ``Distribution.objects.create``, a ``notify`` to that unit's clerks and an
  audit event of its own — the obvious loop — inside one transaction (kinder to it than one
  transaction per unit).

The documents are signed (numbered) rows made beforehand, so neither side pays for rendering.
Both sides are checked to have written N distribution rows and N messages.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from typing import Any

from harness import Row

DATABASES = ("sqlite", "postgresql")
UNITS = int(os.environ.get("GOVHALL_BENCH_DOCUMENT_UNITS", "1000"))
ROUNDS = 2


def _setup() -> dict[str, Any]:
    from govhall.documents.units import bulk_units
    from govhall.testing import personas

    office = personas.department("dept_a")
    clerk = personas.staff("clerk")
    units = bulk_units(
        personas.region(personas.CITY), UNITS, code_prefix="BEN", name_format="基准测试单位{n:04d}"
    )
    return {"office": office, "clerk": clerk, "units": units}


def _signed_document(office: Any, clerk: Any, n: int) -> Any:
    from django.utils import timezone

    from govhall.documents.models import Document

    return Document.objects.create(
        department=office,
        drafted_by=clerk,
        signed_by=clerk,
        title=f"基准测试公文{n}",
        body="正文",
        issuing_mark="云浮市市场监督管理局文件",
        number_prefix="云市监基",
        number_year=2026,
        number_sequence=n,
        document_number=f"云市监基〔2026〕{n}号",
        signature_name=office.name,
        status=Document.Status.SIGNED,
        signed_at=timezone.now(),
    )


def _baseline_send(actor: Any, document: Any, unit_ids: list[int]) -> int:
    from django.db import transaction
    from django.utils import timezone

    from govhall.core.audit import record_event
    from govhall.documents import notices
    from govhall.documents.models import Distribution

    now = timezone.now()
    with transaction.atomic():
        for unit_id in unit_ids:
            copy = Distribution.objects.create(
                document=document,
                unit_id=unit_id,
                delivered_at=now,
                sign_due_at=now + timedelta(hours=24),
                changed_at=now,
            )
            notices.to_units(document, [unit_id], "documents.received", due="")
            record_event(actor=actor, action="documents.sent", obj=copy, after={"unit": unit_id})
        document.status = "sent"
        document.save(update_fields=["status"])
    return len(unit_ids)


def _counts(document: Any) -> tuple[int, int]:
    from govhall.documents.models import Distribution
    from govhall.notifications.models import Message

    return (
        Distribution.objects.filter(document=document).count(),
        Message.objects.filter(event="documents.received", related_id=str(document.pk)).count(),
    )


def run() -> list[Row]:
    from govhall.core.audit import AuditEvent
    from govhall.documents import exchange

    ctx = _setup()
    office, clerk, units = ctx["office"], ctx["clerk"], ctx["units"]
    unit_ids = [u.pk for u in units]
    best_send = best_loop = float("inf")
    audit_send = audit_loop = 0
    for round_no in range(ROUNDS):
        document = _signed_document(office, clerk, 2 * round_no + 1)
        before = AuditEvent.objects.count()
        started = time.perf_counter()
        result = exchange.send(actor=clerk, document=document, units=unit_ids)
        best_send = min(best_send, time.perf_counter() - started)
        audit_send = AuditEvent.objects.count() - before
        assert result.sent == UNITS and _counts(document) == (UNITS, UNITS), _counts(document)

        other = _signed_document(office, clerk, 2 * round_no + 2)
        before = AuditEvent.objects.count()
        started = time.perf_counter()
        _baseline_send(clerk, other, unit_ids)
        best_loop = min(best_loop, time.perf_counter() - started)
        audit_loop = AuditEvent.objects.count() - before
        assert _counts(other) == (UNITS, UNITS), _counts(other)
    return [
        Row(
            figure=f"send one document to {UNITS:,} units (rows, messages, audit)",
            value=best_send,
            baseline=best_loop,
            baseline_name="one Distribution.create + notify + audit event per unit",
            notes=[
                f"{UNITS} distribution rows and {UNITS} messages on both sides; audit events: "
                f"{audit_send} for the send, {audit_loop} in the loop",
                f"per unit: {best_send / UNITS * 1e6:.0f} µs set-based, {best_loop / UNITS * 1e6:.0f} µs one by one",
            ],
        )
    ]
