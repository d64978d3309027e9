"""A decision letter whose task was lost (consumer killed, queue down) is rendered by the sweep."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from govhall.cases import results, tasks
from govhall.cases.models import CaseResult
from govhall.cases.tests.helpers import submitted
from govhall.cases.tests.test_results import decide

pytestmark = pytest.mark.django_db


def test_a_lost_letter_is_rendered_by_the_sweep(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any, settings: Any
) -> None:
    # The letter task is enqueued on commit; under pytest's transaction it never runs: "lost".
    case = decide(submitted(citizen, item).case, reviewer, approver, clerk, action="approve", opinion="同意")
    result = CaseResult.objects.get(case=case)
    assert not result.is_generated

    settings.GOVHALL_RESULT_DOCUMENT_STALE_AFTER = 300
    assert results.missing_document_ids() == []  # just decided: its task may still be on its way
    later = result.decided_at + timedelta(seconds=301)
    assert results.missing_document_ids(now=later) == [result.pk]

    settings.GOVHALL_RESULT_DOCUMENT_STALE_AFTER = 0
    assert tasks.regenerate_missing_result_documents.call_local() == 1
    result.refresh_from_db()
    assert result.is_generated and result.size > 0
    # Done: the next sweep has nothing to do, and a late duplicate task changes nothing.
    assert results.missing_document_ids() == []
    sha = result.sha256
    tasks.generate_result_document.call_local(result.pk)
    result.refresh_from_db()
    assert result.sha256 == sha
