"""Tasks of the supervision app; each only calls evaluation or service functions."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from govhall.supervision import evaluation, services


# Every five minutes, like the case deadline sweep; one at a time across consumers (the raise is
# idempotent anyway, the lock only saves the duplicate work).
@db_periodic_task(crontab(minute="*/5"))
@lock_task("supervision-sweep")
def sweep_supervision_rules() -> dict[str, Any]:
    result = evaluation.sweep().as_dict()
    result["escalated"] = len(services.escalate_unexplained())
    return result


@db_task(retries=2, retry_delay=30)
def evaluate_subjects(name: str, ids: list[int]) -> int:
    """Check subjects right after they changed (enqueued when the change commits)."""
    return len(evaluation.evaluate(name, ids))
