"""Queued data hub work: big imports and comparisons (tasks only call services)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def run_import_task(job_id: int) -> None:
    from govhall.datahub.importing import run_import

    run_import(job_id)


@db_task()
def run_comparison_task(job_id: int) -> None:
    from govhall.datahub.comparisons import run_comparison

    run_comparison(job_id)
