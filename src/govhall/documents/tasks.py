"""Periodic tasks of official documents; each only calls a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govhall.documents import exchange


# Every quarter hour: reminders to units past their sign-for deadline (reads the partial index of
# unsigned copies by deadline).
@db_periodic_task(crontab(minute="*/15"))
def remind_overdue_sign_for() -> dict[str, int]:
    return exchange.sweep_overdue()
