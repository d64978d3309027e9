"""Two leaders signing off at once on PostgreSQL: the counter row lock keeps numbers gapless."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from govhall.documents import services
from govhall.documents.models import Document
from govhall.documents.tests import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers at BEGIN"),
]


def test_concurrent_sign_off_numbers_without_gaps(
    dept_a: Any, clerk: Any, approver: Any, department_admin: Any
) -> None:
    f.authority(dept_a, prefix="云市监")
    waiting = []
    for i in range(6):
        document = f.draft(dept_a, clerk, title=f"并发签发测试{i}")
        services.submit_for_signoff(actor=clerk, document=document)
        waiting.append(document)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def sign(actor: Any, batch: list[Document]) -> None:
        try:
            barrier.wait(timeout=10)
            for document in batch:
                services.sign_off(actor=actor, document=document)
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=sign, args=(approver, waiting[0::2])),
        threading.Thread(target=sign, args=(department_admin, waiting[1::2])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    numbers = Document.objects.filter(department=dept_a).values_list("number_sequence", "document_number")
    assert sorted(seq for seq, _ in numbers) == list(range(1, 7))
    year = Document.objects.filter(department=dept_a).values_list("number_year", flat=True).first()
    assert {number for _, number in numbers} == {f"云市监〔{year}〕{i}号" for i in range(1, 7)}
