"""Time limits of disclosure in working days, on top of :mod:`govhall.core.calendar`.

Counting follows the calendar (the day of the event is not counted). The references are the
Regulations on Open Government Information (政府信息公开条例, 2019 revision):

- 第三十条: a request that is unclear is sent back for correction at most once, within 7 working days
  of receipt; the answer period then counts from receipt of the corrected request (a restart, not a
  pause: the days before the correction are not kept);
- 第三十三条: 20 working days from receipt to answer; once, with the office head's approval and notice
  to the applicant, 20 more;
- 第三十二、三十三条: the time spent consulting a third party (who has 15 working days to answer) is not
  counted.

While a consultation runs the stored deadline assumes it takes its full 15 working days, so the
indexed column is never empty for a running clock; when it ends the deadline is recomputed with the
working days it really took.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from django.utils import timezone

from govhall.core.calendar import SHANGHAI, deadline_for, working_days_between

ANSWER_DAYS = 20
EXTENSION_DAYS = 20
CONSULTATION_MAX_DAYS = 15
CORRECTION_NOTICE_DAYS = 7
# The period an agency gives for the correction; the regulation leaves it to the agency ("合理期限").
CORRECTION_PERIOD_DAYS = 15
# Penalty decisions are put online within 7 working days of the decision (the State Council's and
# most provinces' rule for 行政执法公示).
PENALTY_PUBLISH_DAYS = 7


def now() -> datetime:
    """The current time; the one place disclosure services read the clock."""
    return timezone.now()


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def answer_due(*, clock_started_at: datetime, extended: bool, consultation_days: int) -> datetime:
    """End of the last working day to answer a request whose clock started at ``clock_started_at``."""
    days = ANSWER_DAYS + (EXTENSION_DAYS if extended else 0) + consultation_days
    return deadline_for(clock_started_at, days)


def correction_notice_until(received_at: datetime) -> datetime:
    """The last moment a correction may be asked for (7 working days after receipt)."""
    return deadline_for(received_at, CORRECTION_NOTICE_DAYS)


def correction_due(requested_at: datetime, days: int = CORRECTION_PERIOD_DAYS) -> datetime:
    return deadline_for(requested_at, days)


def consultation_working_days(since: datetime, until: datetime) -> int:
    """Working days in ``(since, until]`` not counted, at most the third party's 15."""
    used = max(0, working_days_between(local_date(since), local_date(until)))
    return min(used, CONSULTATION_MAX_DAYS)


def penalty_publish_due(decided_on: date) -> datetime:
    start = datetime.combine(decided_on, datetime.min.time(), tzinfo=SHANGHAI)
    return deadline_for(start, PENALTY_PUBLISH_DAYS)


def add_months(moment: datetime, months: int) -> datetime:
    """Same Beijing day ``months`` later, clipped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    local = moment.astimezone(SHANGHAI)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)
