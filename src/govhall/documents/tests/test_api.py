"""The documents API: send, tracking, sign-for and return, seal verification, who is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govhall.documents import sealing
from govhall.documents.models import Distribution
from govhall.documents.tests import factories as f

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_send_track_sign_for_and_verify(
    dept_a: Any,
    dept_b: Any,
    county_dept: Any,
    clerk: Any,
    approver: Any,
    county_clerk: Any,
    other_county_clerk: Any,
) -> None:
    document = f.signed(dept_a, clerk, approver)
    sender = client_for(clerk)
    sent = sender.post(
        f"/api/v1/documents/{document.pk}/send",
        {"units": [dept_b.pk, county_dept.pk]},
        content_type="application/json",
    )
    assert sent.status_code == 200 and sent.json()["sent"] == 2
    receiver = client_for(county_clerk)
    [copy] = receiver.get("/api/v1/documents/inbox").json()
    assert (
        client_for(other_county_clerk)
        .post(f"/api/v1/documents/copies/{copy['copy_id']}/sign-for")
        .status_code
        == 404
    )
    assert client_for(other_county_clerk).get(f"/api/v1/documents/{document.pk}").status_code == 404
    signed = receiver.post(f"/api/v1/documents/copies/{copy['copy_id']}/sign-for")
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert receiver.post(f"/api/v1/documents/copies/{copy['copy_id']}/sign-for").status_code == 409
    body = receiver.get(f"/api/v1/documents/{document.pk}").json()
    assert body["document_number"] == document.document_number and body["seal_sm3"]
    figures = sender.get(f"/api/v1/documents/{document.pk}/tracking").json()
    assert (figures["total"], figures["signed"], figures["delivered"]) == (2, 1, 1)
    assert receiver.get(f"/api/v1/documents/{document.pk}/tracking").status_code == 404
    data = sealing.stored_file(document)
    ok = receiver.post("/api/v1/documents/verify", {"file": _upload(data)}).json()
    assert ok["valid"] and ok["issuer"] == dept_a.name
    bad_response = receiver.post("/api/v1/documents/verify", {"file": _upload(data[:-10] + b"0000000000")})
    assert bad_response.status_code == 200, bad_response.content[:3000]
    bad = bad_response.json()
    assert not bad["valid"]
    assert Distribution.objects.filter(document=document, status="signed").count() == 1


def _upload(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("doc.pdf", data, content_type="application/pdf")
