"""Tasks of the payments app; each only calls a service function."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from govhall.core.calendar import SHANGHAI
from govhall.payments import clock, receipts, reconciliation, refunds, services, settlement


@db_task(retries=3, retry_delay=60, retry_backoff=2)
def generate_receipt(payment_id: int) -> str:
    """Render and store a payment's receipt (idempotent)."""
    return receipts.generate(payment_id).receipt_sha256


@db_periodic_task(crontab(minute="*/5"))
def sweep_orders() -> dict[str, Any]:
    """Expire orders past their deadline; ask the gateway about orders left paying; resend refunds."""
    return {
        "expired": services.expire_orders(),
        "synced": settlement.sync_paying_orders(),
        "refunds_settled": refunds.retry_pending_refunds(),
    }


# Huey matches crontabs in UTC: 18:30 UTC is 02:30 in Beijing, when yesterday's statement is ready.
@db_periodic_task(crontab(hour="18", minute="30"))
def reconcile_yesterday() -> dict[str, Any]:
    yesterday = (clock.now().astimezone(SHANGHAI) - timedelta(days=1)).date()
    run = reconciliation.reconcile_from_gateway(day=yesterday, actor=None)
    return {"day": yesterday.isoformat(), "status": run.status, "differences": run.differences}
