"""Queued data hub work: big imports and comparisons (tasks only call services)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def run_import_task(job_id: int) -> None:
    from govhall.datahub.importing import run_import

    run_import(job_id)


@db_task()
def run_comparison_task(job_id: int) -> None:
    from govhall.datahub.comparisons import run_comparison

    run_comparison(job_id)


@db_task()
def deliver_notices_task(subscription_id: int) -> None:
    from govhall.datahub.webhooks import deliver_notices

    deliver_notices(subscription_id)


@db_periodic_task(crontab(minute="*"))
def deliver_due_notices_task() -> None:
    from govhall.datahub.webhooks import deliver_due

    deliver_due()
