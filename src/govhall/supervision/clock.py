"""Working-day cutoffs for the time rules, in the calendar's counting convention (core.calendar).

A rule "N working days after day S" is broken once the N-th working day after S has ended, that
is when ``add_working_days(S, N) < today``. Because that is monotone in S, every S up to some last
day breaks it: :func:`late_if_before` turns that into one timestamp, so a sweep can ask the database
``started_at < cutoff`` over an indexed column instead of checking rows one by one.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from govhall.core.calendar import SHANGHAI, add_working_days, deadline_for

# Long holidays (Spring Festival, National Day) plus weekends never span more than this many
# calendar days without a working day; the search below stops well before it in practice.
_MAX_GAP = 40


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def broken(start_day: date, days: int, today: date) -> bool:
    """Whether ``days`` working days after ``start_day`` have all ended before ``today``."""
    return add_working_days(start_day, days) < today


def late_if_before(now: datetime, days: int) -> datetime:
    """The moment M such that anything started before M has overrun ``days`` working days by now.

    That is, for every aware ``t``: ``broken(local_date(t), days, today) == (t < M)``.
    """
    today = local_date(now)
    day = today - timedelta(days=1)
    for _ in range(days * 2 + _MAX_GAP):
        if broken(day, days, today):
            return start_of(day + timedelta(days=1))
        day -= timedelta(days=1)
    raise AssertionError(f"no start day overruns {days} working days before {today}")  # pragma: no cover


def passed_cutoff(now: datetime, grace: int) -> datetime:
    """Deadlines before the returned moment are past, allowing ``grace`` working days after them."""
    return now if grace == 0 else late_if_before(now, grace)


def deadline_passed(deadline: datetime, moment: datetime, grace: int) -> bool:
    """Whether ``moment`` is past ``deadline`` plus ``grace`` working days (the same test as above)."""
    if grace == 0:
        return moment > deadline
    return broken(local_date(deadline), grace, local_date(moment))


def approaching_bound(now: datetime, days: int) -> datetime:
    """Deadlines up to the end of the ``days``-th working day after today have at most that many left."""
    return deadline_for(now, days)
