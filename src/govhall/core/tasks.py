"""Periodic and background tasks of the core app; each only calls a service function."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govhall.core import calendar


# Huey runs with utc=True, so the crontab is matched against UTC: 17:00 UTC is 01:00 Beijing time.
@db_periodic_task(crontab(hour="17", minute="0"))
def refresh_working_calendar() -> dict[str, Any]:
    """Rebuild the working-day index and warn when next year's holidays have not been entered."""
    return calendar.refresh_calendar()
