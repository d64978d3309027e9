"""Tasks of the notifications app; each only calls a function of :mod:`sending`."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from govhall.notifications import sending


# 30 s, 1, 2, 4 and 8 minutes between the six attempts; the Delivery row counts them too.
@db_task(retries=sending.MAX_ATTEMPTS - 1, retry_delay=30, retry_backoff=2)
def deliver(delivery_id: int) -> str:
    """Send one delivery; an exception makes Huey retry it later."""
    return sending.send_delivery(delivery_id)


@db_periodic_task(crontab(minute="*/15"))
def requeue_stale_deliveries() -> int:
    """Enqueue deliveries whose task was lost (worker crash, queue down at commit time)."""
    ids = sending.stale_delivery_ids()
    for delivery_id in ids:
        deliver(delivery_id)
    return len(ids)
