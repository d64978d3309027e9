"""Tasks of the licence library; each only calls a service function."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from govhall.licences import services


# 16:05 UTC is 00:05 Beijing time: a licence valid "until" a day stays valid through that day.
@db_periodic_task(crontab(hour="16", minute="5"))
def expire_licences() -> int:
    total = 0
    while True:
        expired = services.expire_due()
        total += expired
        if expired < 500:
            return total
