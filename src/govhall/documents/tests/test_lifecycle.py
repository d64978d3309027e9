"""Drafting, countersign, sign-off with numbering and seal, sending, sign-for, return, handling, archive."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from govhall.core.audit import AuditEvent
from govhall.core.errors import DomainError
from govhall.documents import exchange, handling, numbering, sealing, selectors, services
from govhall.documents.models import ArchiveRecord, Distribution, Document
from govhall.documents.tests import factories as f
from govhall.notifications.models import Message

pytestmark = pytest.mark.django_db


@given(
    prefix=st.text(alphabet="云府办市监局函发", min_size=1, max_size=8),
    year=st.integers(2000, 2099),
    seq=st.integers(1, 99999),
)
def test_document_number_round_trip(prefix: str, year: int, seq: int) -> None:
    text = numbering.format_document_number(prefix, year, seq)
    assert "〔" in text and text.endswith("号")
    assert numbering.parse_document_number(text) == (prefix, year, seq)


def test_number_format_rejects_square_brackets_and_leading_zeros() -> None:
    assert numbering.parse_document_number("云府办[2026]12号") is None
    assert numbering.parse_document_number("云府办〔2026〕012号") is None
    assert numbering.parse_document_number("云府办〔2026〕12号") == ("云府办", 2026, 12)


def test_countersign_signoff_numbers_and_seals(
    dept_a: Any, dept_b: Any, clerk: Any, approver: Any, other_dept_approver: Any
) -> None:
    f.authority(dept_a, mark="云浮市市场监督管理局文件", prefix="云市监")
    document = f.draft(dept_a, clerk, urgency="urgent", attachment_notes="检查表\n值班表")
    assert document.issuing_mark == "云浮市市场监督管理局文件" and document.number_prefix == "云市监"
    [row] = services.request_countersign(actor=clerk, document=document, departments=[dept_b])
    assert Message.objects.filter(
        recipient=other_dept_approver, event="documents.countersign_requested"
    ).exists()
    services.countersign(actor=other_dept_approver, countersign=row, agree=True, opinion="同意")
    document.refresh_from_db()
    assert document.status == Document.Status.AWAITING_SIGNOFF
    signed = services.sign_off(actor=approver, document=document)
    assert signed.status == Document.Status.SIGNED
    assert signed.document_number == f"云市监〔{timezone.now().year}〕1号"
    assert signed.signer_name == approver.display_name and signed.written_on is not None
    data = sealing.stored_file(signed)
    assert data.startswith(b"%PDF")
    check = sealing.check(signed, data)
    assert check.valid, check.message
    second = f.signed(dept_a, clerk, approver, title="第二份")
    assert second.number_sequence == 2


def test_disagreeing_countersign_returns_the_draft(
    dept_a: Any, dept_b: Any, clerk: Any, other_dept_approver: Any
) -> None:
    document = f.draft(dept_a, clerk)
    [row] = services.request_countersign(actor=clerk, document=document, departments=[dept_b])
    with pytest.raises(DomainError):
        services.countersign(actor=other_dept_approver, countersign=row, agree=False)
    services.countersign(actor=other_dept_approver, countersign=row, agree=False, opinion="第二条时限过短")
    document.refresh_from_db()
    assert document.status == Document.Status.DRAFT and "第二条时限过短" in document.return_reason


def test_tampered_file_fails_verification(dept_a: Any, clerk: Any, approver: Any) -> None:
    document = f.signed(dept_a, clerk, approver)
    data = bytearray(sealing.stored_file(document))
    assert sealing.check_file(bytes(data)).valid
    data[len(data) // 2] ^= 0x01
    tampered = sealing.check_file(bytes(data))
    assert not tampered.valid and tampered.code == "unknown_file"
    assert sealing.check(document, bytes(data)).code == "digest_mismatch"


def test_send_sign_for_return_handle_archive(
    dept_a: Any,
    dept_b: Any,
    county_dept: Any,
    clerk: Any,
    approver: Any,
    other_dept_approver: Any,
    county_clerk: Any,
) -> None:
    document = f.signed(dept_a, clerk, approver)
    before = AuditEvent.objects.filter(action="documents.sent").count()
    result = exchange.send(actor=clerk, document=document, units=[dept_b, county_dept, dept_a])
    assert result.sent == 2 and sorted(result.unit_ids) == sorted([dept_b.pk, county_dept.pk])
    assert AuditEvent.objects.filter(action="documents.sent").count() == before + 1
    event = AuditEvent.objects.filter(action="documents.sent").latest("sequence")
    assert event.after["unit_count"] == 2
    assert Message.objects.filter(recipient=county_clerk, event="documents.received").exists()
    # A retried send adds nothing.
    assert exchange.send(actor=clerk, document=document, units=[dept_b]).sent == 0

    b_copy = Distribution.objects.get(document=document, unit=dept_b)
    exchange.sign_for(actor=other_dept_approver, copy=b_copy)
    c_copy = Distribution.objects.get(document=document, unit=county_dept)
    exchange.return_copy(actor=county_clerk, copy=c_copy, reason="不属于本单位职责")
    figures = selectors.tracking(document)
    assert (figures.total, figures.signed, figures.returned, figures.delivered) == (2, 1, 1, 0)
    assert Message.objects.filter(recipient=clerk, event="documents.returned").exists()

    handling.advance(actor=other_dept_approver, copy=b_copy, stage="proposed", opinion="建议由办公室承办")
    handling.advance(actor=other_dept_approver, copy=b_copy, stage="instructed", opinion="同意，请办公室落实")
    with pytest.raises(DomainError):
        handling.advance(actor=other_dept_approver, copy=b_copy, stage="instructed", opinion="再批")
    handling.advance(actor=other_dept_approver, copy=b_copy, stage="handling", opinion="已落实")
    handling.advance(actor=other_dept_approver, copy=b_copy, stage="done")
    record = handling.file_to_archive(
        actor=other_dept_approver, document=document, unit=dept_b, retention="30y"
    )
    assert record.archive_number.startswith(f"{dept_b.code}-WS·") and record.archive_number.endswith(
        "-D30-0001"
    )
    own = handling.file_to_archive(actor=clerk, document=document, unit=dept_a, retention="permanent")
    assert ArchiveRecord.objects.count() == 2 and own.digest_sm3 == record.digest_sm3


def test_overdue_copies_are_reminded_once_per_interval(
    dept_a: Any, dept_b: Any, clerk: Any, approver: Any, other_dept_approver: Any
) -> None:
    document = f.signed(dept_a, clerk, approver, urgency="extra_urgent")
    sent_at = timezone.now() - timedelta(hours=3)
    exchange.send(actor=clerk, document=document, units=[dept_b], at=sent_at)
    copy = Distribution.objects.get(document=document)
    assert copy.sign_due_at == sent_at + timedelta(hours=2)
    now = timezone.now()
    assert exchange.sweep_overdue(now=now) == {"documents": 1, "units": 1}
    assert exchange.sweep_overdue(now=now + timedelta(minutes=10))["units"] == 0
    assert exchange.sweep_overdue(now=now + timedelta(hours=5))["units"] == 1
    assert Message.objects.filter(recipient=other_dept_approver, event="documents.sign_reminder").count() == 2


def test_every_open_is_audited(
    dept_a: Any, dept_b: Any, clerk: Any, approver: Any, other_dept_approver: Any
) -> None:
    document = f.signed(dept_a, clerk, approver)
    exchange.send(actor=clerk, document=document, units=[dept_b])
    selectors.open_document(other_dept_approver, document.pk)
    selectors.open_document(other_dept_approver, document.pk, what="pdf")
    opens = AuditEvent.objects.filter(action="documents.opened", object_id=str(document.pk))
    assert opens.count() == 2
    assert Distribution.objects.get(document=document).first_opened_at is not None


def test_written_date_is_beijing(dept_a: Any, clerk: Any, approver: Any) -> None:
    from govhall.core.calendar import SHANGHAI

    late_evening_utc = datetime(2026, 12, 31, 17, 30, tzinfo=SHANGHAI).astimezone(SHANGHAI)
    document = f.signed(dept_a, clerk, approver, at=late_evening_utc)
    assert document.written_on.isoformat() == "2026-12-31" and "〔2026〕" in document.document_number
