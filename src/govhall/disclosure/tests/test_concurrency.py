"""Two publishers at once on PostgreSQL: the counter row lock keeps index numbers unique and gapless."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from govhall.disclosure import services
from govhall.disclosure.models import Publication
from govhall.disclosure.tests import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers at BEGIN"),
]


def test_concurrent_publishing_numbers_without_gaps(
    dept_a: Any, clerk: Any, reviewer: Any, approver: Any, department_admin: Any
) -> None:
    cleared = []
    for i in range(8):
        publication = f.draft(dept_a, clerk, title=f"并发发布测试{i}")
        services.submit_for_review(actor=clerk, publication=publication)
        services.review(actor=reviewer, publication=publication, conclusion="cleared")
        cleared.append(publication)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def publish(actor: Any, batch: list[Publication]) -> None:
        try:
            barrier.wait(timeout=10)
            for publication in batch:
                services.publish(actor=actor, publication=publication)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=publish, args=(approver, cleared[0::2])),
        threading.Thread(target=publish, args=(department_admin, cleared[1::2])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    sequences = sorted(Publication.objects.filter(department=dept_a).values_list("index_sequence", flat=True))
    assert sequences == list(range(1, 9))
    assert Publication.objects.filter(department=dept_a).values("index_number").distinct().count() == 8
