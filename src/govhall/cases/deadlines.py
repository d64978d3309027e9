"""Case time limits in working days, on top of :mod:`govhall.core.calendar`.

The counting convention is the calendar's (the day of an event is not counted): a case accepted on
day A with N working days is due at the end of the N-th working day after A. A pause from day P to
day R (supplement, special procedure) does not count the working days in ``(P, R]``; the deadline
moves by exactly that many working days, which is the same as counting the remaining days from R.
A special procedure stops the clock for at most its maximum; days beyond it count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from govhall.core.calendar import SHANGHAI, deadline_for, working_days_between


def now() -> datetime:
    """The current time; the one place case services read the clock."""
    return timezone.now()


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class Deadlines:
    promised: datetime | None
    statutory: datetime | None


def at_acceptance(
    accepted_at: datetime, *, promised_days: int, statutory_days: int, instant: bool
) -> Deadlines:
    """Deadlines counted from acceptance; an instant item (即办件) is due the day it is accepted.

    A promised item without a statutory limit in its guide (0) has no statutory deadline.
    """
    if instant:
        end_of_day = deadline_for(accepted_at, 0)
        return Deadlines(promised=end_of_day, statutory=end_of_day)
    return Deadlines(
        promised=deadline_for(accepted_at, promised_days),
        statutory=deadline_for(accepted_at, statutory_days) if statutory_days else None,
    )


def paused_working_days(since: datetime, until: datetime, *, cap: int | None = None) -> int:
    """Working days in ``(since, until]`` by Beijing dates, at most ``cap``."""
    days = max(0, working_days_between(local_date(since), local_date(until)))
    return days if cap is None else min(days, cap)


def extend(deadline: datetime | None, days: int) -> datetime | None:
    if deadline is None or days == 0:
        return deadline
    return deadline_for(deadline, days)


def timeliness(completed_at: datetime, promised: datetime | None) -> str:
    """early (before the deadline day), on_time (on it) or late (after it)."""
    if promised is None:
        return "on_time"
    done, due = local_date(completed_at), local_date(promised)
    if done < due:
        return "early"
    return "on_time" if done == due else "late"
