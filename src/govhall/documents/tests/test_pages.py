"""The staff pages: draft, countersign, sign-off, send, tracking, the receiving copy, verification."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govhall.documents import exchange, sealing
from govhall.documents.models import Distribution, Document, UnitGroup
from govhall.documents.tests import factories as f

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_draft_to_send_through_the_pages(
    dept_a: Any,
    dept_b: Any,
    county_dept: Any,
    clerk: Any,
    approver: Any,
    other_dept_approver: Any,
    county_clerk: Any,
) -> None:
    drafter = client_for(clerk)
    page = drafter.get("/documents/new/")
    assert page.status_code == 200 and "拟稿" in page.content.decode()
    response = drafter.post(
        "/documents/new/",
        {
            "department": dept_a.pk,
            "kind": "notice",
            "title": "关于开展公文交换演练的通知",
            "main_recipients": "各单位",
            "body": "定于下周开展演练。",
            "secrecy": "0",
            "urgency": "",
            "idempotency_key": "k1",
        },
    )
    document = Document.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/{document.pk}/"
    drafter.post(f"/documents/{document.pk}/act/countersign_request/", {"departments": [dept_b.pk]})
    row = document.countersigns.get()
    page = client_for(other_dept_approver).get(f"/documents/{document.pk}/")
    assert "会签意见" in page.content.decode()
    client_for(other_dept_approver).post(
        f"/documents/{document.pk}/act/countersign/",
        {"countersign": row.pk, "decision": "agree", "opinion": "同意"},
    )
    # The clerk sees no sign-off form; the leader signs off.
    assert "签发意见" not in drafter.get(f"/documents/{document.pk}/").content.decode()
    leader = client_for(approver)
    leader.post(f"/documents/{document.pk}/act/sign_off/", {"opinion": "同意"})
    document.refresh_from_db()
    assert document.status == Document.Status.SIGNED and document.document_number
    group = UnitGroup.objects.create(code="all", name="全体单位")
    group.units.set([dept_b, county_dept])
    drafter.post(f"/documents/{document.pk}/act/send/", {"groups": [group.pk]})
    assert Distribution.objects.filter(document=document).count() == 2
    tracking = drafter.get(f"/documents/{document.pk}/tracking/rows/").content.decode()
    assert 'data-figure="signed">0/2' in tracking
    receiver = client_for(county_clerk)
    assert "签收" in receiver.get(f"/documents/inbox/{document.pk}/").content.decode()
    receiver.post(f"/documents/inbox/{document.pk}/", {"action": "return", "reason": "非本单位事项"})
    tracking = drafter.get(f"/documents/{document.pk}/tracking/").content.decode()
    assert "非本单位事项" in tracking
    pdf = receiver.get(f"/documents/{document.pk}/document.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client_for(other_dept_approver).get(f"/documents/{document.pk}/tracking/").status_code == 404


def test_verification_page_accepts_the_file_and_refuses_a_tampered_one(
    dept_a: Any, dept_b: Any, clerk: Any, approver: Any, other_dept_approver: Any
) -> None:
    document = f.signed(dept_a, clerk, approver)
    exchange.send(actor=clerk, document=document, units=[dept_b])
    data = sealing.stored_file(document)
    client = client_for(other_dept_approver)
    good = client.post("/documents/verify/", {"file": SimpleUploadedFile("a.pdf", data)}).content.decode()
    assert "印章有效" in good and document.document_number in good
    bad = client.post(
        "/documents/verify/", {"file": SimpleUploadedFile("a.pdf", data.replace(b"/Title", b"/Titl3", 1))}
    )
    assert "验证未通过" in bad.content.decode()
    assert "印章有效" in client.get(f"/documents/{document.pk}/verify/").content.decode()


def test_outsiders_get_404(dept_a: Any, clerk: Any, approver: Any, county_clerk: Any, citizen: Any) -> None:
    document = f.signed(dept_a, clerk, approver)
    assert client_for(county_clerk).get(f"/documents/{document.pk}/").status_code == 404
    assert client_for(county_clerk).get(f"/documents/{document.pk}/document.pdf").status_code == 404
    assert client_for(citizen).get("/documents/").status_code == 404
