"""The working-day calendar (工作日历): which dates are working days, and deadline arithmetic.

Sources, in order of precedence for any date:

1. a :class:`~govhall.core.models.CalendarDay` row (an administrator's ruling: holiday or make-up
   working day) — overrides everything, and is how the State Council's notice for a year the
   package does not cover yet gets in;
2. the ``chinesecalendar`` package, for the years it covers (2004–2026 in 1.11.0);
3. otherwise Monday to Friday are working days.

The calendar spans ``settings.GOVHALL_CALENDAR_YEARS`` (first, last year, inclusive); dates outside
raise :class:`CalendarRangeError`.

Counting convention (民法典第二百零一条: 按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算):
a period of N working days "from the day of acceptance" (受理之日起N个工作日) starts counting on the
day *after* acceptance, so

* ``working_days_between(a, b)`` counts the working days in the half-open interval ``(a, b]``;
* ``add_working_days(start, n)`` for ``n >= 1`` is the n-th working day strictly after ``start``;
  an application accepted on Friday with 1 working day is due on Monday, and one accepted on a
  Saturday is due on the same Monday;
* ``add_working_days(start, 0)`` is ``start`` itself, whatever kind of day it is (an instant item,
  即办件, is due the day it is accepted). Equivalently, for every ``n >= 0`` the result is the
  earliest ``d >= start`` with ``working_days_between(start, d) == n``;
* negative ``n`` is allowed and gives the ``|n|``-th working day strictly before ``start`` (for
  warnings "two working days before the deadline"); for a working day ``d``,
  ``add_working_days(add_working_days(d, n), -n) == d``.

Performance: the calendar is built once per process into a prefix-sum array over every day of the
range plus the ordered list of working days, so each call is index arithmetic (O(1)). The built
index is dropped when a CalendarDay row is saved or deleted in this process (signals; for a write
inside a transaction, only once it commits — until then the writing thread alone sees its own
uncommitted rulings), and other processes notice a change by comparing a cheap stamp (row count
and latest ``updated_at``) at most every ``GOVHALL_CALENDAR_RECHECK_SECONDS`` (default 60).
``QuerySet.update()`` bypasses both ``updated_at`` and the signals: after such a write call
:func:`invalidate_calendar`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_migrate, post_save

from govhall.core.errors import DomainError
from govhall.core.models import CalendarDay

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = clock_time(23, 59, 59, 999999)

_PACKAGE_WORKDAYS: frozenset[date] = frozenset(chinese_calendar.workdays)
_PACKAGE_HOLIDAYS: frozenset[date] = frozenset(chinese_calendar.holidays)
_PACKAGE_YEARS: tuple[int, int] = (
    min(day.year for day in _PACKAGE_HOLIDAYS),
    max(day.year for day in _PACKAGE_HOLIDAYS),
)


class CalendarRangeError(DomainError):
    """A date, or the result of the arithmetic, lies outside the years the calendar is built for."""

    status = 422


Stamp = tuple[int, datetime | None]


@dataclass(frozen=True, slots=True)
class CalendarIndex:
    first_ordinal: int
    # working[i] is 1 when day first_ordinal + i is a working day.
    working: bytes
    # before[i] = number of working days among the first i days; len(working) + 1 entries.
    before: tuple[int, ...]
    # Offsets (from first_ordinal) of the working days, ascending.
    offsets: tuple[int, ...]
    stamp: Stamp
    table_years: frozenset[int]

    @property
    def first_day(self) -> date:
        return date.fromordinal(self.first_ordinal)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.first_ordinal + len(self.working) - 1)


def package_years() -> tuple[int, int]:
    """First and last year the installed chinesecalendar package has the State Council's data for."""
    return _PACKAGE_YEARS


def configured_years() -> tuple[int, int]:
    first, last = settings.GOVHALL_CALENDAR_YEARS
    if not (1 <= first <= last <= 9998):
        raise ValueError(
            f"GOVHALL_CALENDAR_YEARS must be (first, last) with first <= last, got {first}, {last}"
        )
    return int(first), int(last)


def _package_is_workday(day: date) -> bool:
    # Same rule as chinese_calendar.is_workday, without its per-call scan of the whole holiday table.
    return day in _PACKAGE_WORKDAYS or (day.weekday() < 5 and day not in _PACKAGE_HOLIDAYS)


def default_is_workday(day: date) -> bool:
    """Whether ``day`` is a working day before any CalendarDay ruling is applied."""
    if _PACKAGE_YEARS[0] <= day.year <= _PACKAGE_YEARS[1]:
        return _package_is_workday(day)
    return day.weekday() < 5


def _build() -> CalendarIndex:
    first_year, last_year = configured_years()
    first_ordinal = date(first_year, 1, 1).toordinal()
    days = date(last_year, 12, 31).toordinal() - first_ordinal + 1
    rows = list(CalendarDay.objects.values_list("date", "kind", "updated_at"))
    overrides = {day: kind == CalendarDay.Kind.WORKDAY for day, kind, _ in rows}
    working = bytearray(days)
    before = [0] * (days + 1)
    offsets: list[int] = []
    count = 0
    day = date.fromordinal(first_ordinal)
    one_day = timedelta(days=1)
    for offset in range(days):
        if overrides[day] if day in overrides else default_is_workday(day):
            working[offset] = 1
            offsets.append(offset)
            count += 1
        before[offset + 1] = count
        day += one_day
    last_update = max((updated_at for _, _, updated_at in rows), default=None)
    return CalendarIndex(
        first_ordinal=first_ordinal,
        working=bytes(working),
        before=tuple(before),
        offsets=tuple(offsets),
        stamp=(len(rows), last_update),
        table_years=frozenset(day.year for day in overrides),
    )


def _database_stamp() -> Stamp:
    row = CalendarDay.objects.aggregate(rows=Count("pk"), last=Max("updated_at"))
    return int(row["rows"]), row["last"]


def _recheck_seconds() -> float:
    return float(getattr(settings, "GOVHALL_CALENDAR_RECHECK_SECONDS", 60))


class _Shared:
    """The index built from committed rows, shared by every thread of the process."""

    index: CalendarIndex | None = None
    next_check: float = 0.0


_shared = _Shared()
_lock = threading.Lock()
# Per thread: on-commit callbacks of this thread's CalendarDay writes that have not committed yet,
# and the index that includes them (seen only by this thread, as the database would show it).
_local = threading.local()


def _shared_index(*, force: bool = False) -> CalendarIndex:
    with _lock:
        index = _shared.index
        now = time.monotonic()
        if not force and index is not None and now < _shared.next_check:
            return index
        if force or index is None or _database_stamp() != index.stamp:
            index = _build()
            _shared.index = index
        _shared.next_check = now + _recheck_seconds()
        return index


def _uncommitted_index(pending: list[Callable[[], None]]) -> CalendarIndex | None:
    # A callback still queued on the connection means its write is still pending in the open
    # transaction; one that vanished was rolled back with its savepoint or transaction.
    # Entries are (savepoint ids, func, robust); the stubs still describe the older 2-tuple.
    queued = {id(entry[1]) for entry in connections[DEFAULT_DB_ALIAS].run_on_commit}
    alive = [func for func in pending if id(func) in queued]
    if len(alive) != len(pending):
        _local.pending = alive
        _local.index = None
    if not alive:
        return None
    if getattr(_local, "index", None) is None:
        _local.index = _build()
    index: CalendarIndex = _local.index
    return index


def _index() -> CalendarIndex:
    pending = getattr(_local, "pending", None)
    if pending:
        own = _uncommitted_index(pending)
        if own is not None:
            return own
    index = _shared.index
    if index is not None and time.monotonic() < _shared.next_check:
        return index
    return _shared_index()


def invalidate_calendar() -> None:
    """Drop the built index of this process; the next call rebuilds it from the database."""
    _shared.index = None
    _local.pending = []
    _local.index = None


def _calendar_changed(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    connection = connections[using]
    if using != DEFAULT_DB_ALIAS or not connection.in_atomic_block:
        invalidate_calendar()
        return

    def committed() -> None:
        # Test helpers may replay on-commit callbacks inside the still-open transaction.
        if not connections[using].in_atomic_block:
            invalidate_calendar()

    _local.pending = [*getattr(_local, "pending", []), committed]
    _local.index = None
    transaction.on_commit(committed, using=using)


def _tables_changed(sender: Any, **kwargs: Any) -> None:
    # migrate and flush (used between transactional tests) change rows without model signals.
    invalidate_calendar()


def _setting_changed(sender: Any, setting: str = "", **kwargs: Any) -> None:
    if setting == "GOVHALL_CALENDAR_YEARS":
        invalidate_calendar()


setting_changed.connect(_setting_changed, dispatch_uid="govhall.core.calendar.settings")
post_save.connect(_calendar_changed, sender=CalendarDay, dispatch_uid="govhall.core.calendar.saved")
post_delete.connect(_calendar_changed, sender=CalendarDay, dispatch_uid="govhall.core.calendar.deleted")
post_migrate.connect(_tables_changed, dispatch_uid="govhall.core.calendar.migrated")


def _out_of_range(day: date, index: CalendarIndex) -> CalendarRangeError:
    first, last = index.first_day, index.last_day
    return CalendarRangeError(
        "calendar_out_of_range",
        f"日期 {day.isoformat()} 超出工作日历范围（{first.isoformat()} 至 {last.isoformat()}）",
        f"{day.isoformat()} is outside the working-day calendar ({first.isoformat()} to {last.isoformat()})",
        details={"date": day.isoformat(), "first": first.isoformat(), "last": last.isoformat()},
    )


def _offset(index: CalendarIndex, day: date) -> int:
    if isinstance(day, datetime) or not isinstance(day, date):
        # A datetime's date depends on the time zone; deadline_for() does that conversion.
        raise TypeError(f"expected a date, got {type(day).__name__}; use deadline_for() for datetimes")
    offset = day.toordinal() - index.first_ordinal
    if not 0 <= offset < len(index.working):
        raise _out_of_range(day, index)
    return offset


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"the number of working days must be an int, got {type(n).__name__}")


def is_working_day(day: date) -> bool:
    """Whether government offices work on ``day`` (make-up Saturdays included, holidays excluded)."""
    index = _index()
    return index.working[_offset(index, day)] == 1


def working_days_between(a: date, b: date) -> int:
    """Working days in ``(a, b]``: after ``a``, up to and including ``b``; negative when ``b < a``.

    ``working_days_between(accepted_on, today)`` is the number of working days used so far.
    """
    index = _index()
    start, end = _offset(index, a), _offset(index, b)
    return index.before[end + 1] - index.before[start + 1]


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start`` (``start`` itself not counted); see the module docstring.

    ``n == 0`` returns ``start``; ``n < 0`` returns the ``|n|``-th working day before ``start``.
    Raises :class:`CalendarRangeError` when ``start`` or the result is outside the calendar.
    """
    _check_count(n)
    index = _index()
    offset = _offset(index, start)
    if n == 0:
        return start
    # before[offset + 1] working days are on or before start, before[offset] strictly before it.
    position = index.before[offset + 1] + n - 1 if n > 0 else index.before[offset] + n
    if not 0 <= position < len(index.offsets):
        beyond = index.last_day + timedelta(days=1) if n > 0 else index.first_day - timedelta(days=1)
        raise _out_of_range(beyond, index)
    return date.fromordinal(index.first_ordinal + index.offsets[position])


def deadline_for(start: datetime, n: int) -> datetime:
    """The end (23:59:59.999999 Beijing time) of the n-th working day after the day of ``start``.

    ``start`` must be timezone-aware; its calendar day is taken in Asia/Shanghai, so an application
    accepted at 01:00 Beijing time on Monday (17:00 UTC on Sunday) counts from Monday. The result is
    an aware datetime in Asia/Shanghai (``.astimezone(UTC)`` for storage is exact). ``n`` follows
    :func:`add_working_days`: 0 is the end of the acceptance day, negative counts backwards.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("deadline_for() needs a timezone-aware datetime")
    day = add_working_days(start.astimezone(SHANGHAI).date(), n)
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


def calendar_range() -> tuple[date, date]:
    """First and last date the calendar answers for."""
    index = _index()
    return index.first_day, index.last_day


def year_source(year: int) -> str | None:
    """Where the working days of ``year`` come from: "package", "table" (CalendarDay rows) or None.

    None means only the Monday–Friday default applies: nobody has entered that year's holidays.
    """
    if _PACKAGE_YEARS[0] <= year <= _PACKAGE_YEARS[1]:
        return "package"
    if year in _index().table_years:
        return "table"
    return None


def rebuild_calendar() -> CalendarIndex:
    """Rebuild this process's index from the database now."""
    # Pending uncommitted rulings of this thread stay pending: they must not leak into the index
    # that other threads share, in case they roll back.
    _shared.index = None
    _local.index = None
    return _index()


def refresh_calendar(*, today: date | None = None) -> dict[str, Any]:
    """Rebuild the index and report whether next year's holidays are known.

    The State Council publishes next year's holiday schedule each November (usually); until an
    administrator enters it as CalendarDay rows (or a newer chinesecalendar is installed), deadlines
    reaching into that year would count every Monday–Friday, so a WARNING is logged.
    """
    index = rebuild_calendar()
    if today is None:
        today = datetime.now(SHANGHAI).date()
    next_year = today.year + 1
    first_year, last_year = configured_years()
    source = year_source(next_year)
    status: dict[str, Any] = {
        "status": "ok",
        "next_year": next_year,
        "next_year_source": source,
        "package_years": list(_PACKAGE_YEARS),
        "calendar_years": [first_year, last_year],
        "table_rows": index.stamp[0],
        "working_days": len(index.offsets),
    }
    if not first_year <= next_year <= last_year:
        status["status"] = "out_of_range"
        logger.warning(
            "Working-day calendar ends in %s; deadlines in %s will fail. Raise GOVHALL_CALENDAR_LAST_YEAR. "
            "工作日历范围不含 %s 年，请调整 GOVHALL_CALENDAR_LAST_YEAR。",
            last_year,
            next_year,
            next_year,
        )
    elif source is None:
        status["status"] = "missing_next_year"
        logger.warning(
            "No holidays known for %s: neither chinesecalendar (covers %s-%s) nor any calendar day rows. "
            "Enter the State Council's holiday notice in the admin (工作日历调整). "
            "%s 年节假日安排尚未录入，请在后台录入国务院办公厅通知。",
            next_year,
            _PACKAGE_YEARS[0],
            _PACKAGE_YEARS[1],
            next_year,
        )
    return status
