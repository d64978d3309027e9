"""Tasks of the cases app; each only calls a service function."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from govhall.cases import results, sweep


@db_task(retries=3, retry_delay=60, retry_backoff=2)
def generate_result_document(result_id: int) -> str:
    """Render and store a decided case's letter (idempotent)."""
    return results.generate_document(result_id).sha256


# Every ten minutes: letters whose task was lost with a killed consumer are rendered after all.
@db_periodic_task(crontab(minute="*/10"))
def regenerate_missing_result_documents() -> int:
    ids = results.missing_document_ids()
    for result_id in ids:
        generate_result_document(result_id)
    return len(ids)


# Every five minutes: the sweep reads only cases and tasks whose deadline columns are due.
@db_periodic_task(crontab(minute="*/5"))
def sweep_case_deadlines() -> dict[str, Any]:
    return sweep.sweep_deadlines().as_dict()
