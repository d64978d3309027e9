"""Periodic tasks of disclosure; each only calls a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govhall.disclosure import list_services, request_services


# Every ten minutes: both sweeps read only what their partial indexes say is due.
@db_periodic_task(crontab(minute="*/10"))
def sweep_information_requests() -> dict[str, int]:
    return request_services.sweep_requests()


# Hourly: penalty decisions whose publicity period ended are taken down the same day.
@db_periodic_task(crontab(minute="17"))
def sweep_penalty_publicity() -> dict[str, int]:
    return list_services.sweep_penalties()
