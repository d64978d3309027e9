"""Tasks of the analytics app; each only calls the warehouse refresh."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from govhall.analytics import warehouse


# Every fifteen minutes; one at a time across consumers (DuckDB takes one writer anyway).
@db_periodic_task(crontab(minute="*/15"))
@lock_task("analytics-warehouse-refresh")
def refresh_warehouse() -> dict[str, Any]:
    return warehouse.refresh().as_dict()


@db_task(retries=1, retry_delay=60)
@lock_task("analytics-warehouse-refresh")
def refresh_warehouse_now(full: bool = False) -> dict[str, Any]:
    return warehouse.refresh(full=full).as_dict()
