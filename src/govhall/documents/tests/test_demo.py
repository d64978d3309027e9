"""The demo documents: 市府办's documents in every state, sent to the city's units, created once."""

from __future__ import annotations

import io
import random

import pytest

from govhall.documents import demo
from govhall.documents.models import Distribution, Document, UnitGroup
from govhall.identity.models import Department
from govhall.testing import personas

pytestmark = pytest.mark.django_db


def test_demo_documents_are_seeded_once() -> None:
    city, county = personas.region(personas.CITY), personas.region(personas.COUNTY)
    for code, region in [
        ("ZFB", city),
        ("SCJGJ", city),
        ("ZSJ", city),
        ("MZJ", city),
        ("SCJGJ-5302", county),
    ]:
        Department.objects.create(
            code=code,
            name=f"云浮市{code}",
            short_name=code,
            region=region,
            uscc=personas.random_uscc(region.code, "11"),
        )
    out = io.StringIO()
    created = demo.seed(out, random.Random(1))
    assert created["documents"] == 4
    sent = Document.objects.get(idempotency_key="demo-sent-notice")
    assert sent.status == Document.Status.SENT and sent.document_number.startswith("云府办〔")
    copies = Distribution.objects.filter(document=sent)
    assert copies.filter(status="returned").count() == 1 and copies.filter(status="signed").exists()
    assert set(Document.objects.values_list("status", flat=True)) == {
        "sent",
        "awaiting_signoff",
        "countersigning",
        "draft",
    }
    assert UnitGroup.objects.get(code="city").units.count() >= 3
    assert demo.seed(io.StringIO(), random.Random(1)) == {}
