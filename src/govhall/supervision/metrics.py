"""Performance figures (办件统计) per department, region and period, as Yunfu publishes them.

Definitions (a case counts for its lead department; a period is a month, quarter or year of
Beijing dates, start inclusive, end exclusive):

- 收件 received: cases submitted in the period (online or at the window); 网上申请占比 online
  share = received online / received.
- 受理 accepted: cases accepted in the period.
- 办结 completed: cases completed (办结) in the period, whenever they were received.
- 办结率 completion rate = completed / received. Completions in a period include cases received
  before it, so the rate may exceed 100% (Yunfu: 24,375 / 23,678 = 102.94%).
- 即办件 instant, 承诺件 promised, 联办件 joint: completed cases by kind — joint when several
  departments approved in parallel (并联), else the item's type. The three add up to completed.
- 提前办结 completed early: promised cases completed before their promised deadline's day;
  提前办结率 early-completion rate = completed early / promised (Yunfu: 17,025 / 19,221 = 88.57%).
- 超期办结 overdue: completed cases finished after their promised deadline's day; 超期率 overdue
  rate = overdue / completed.
- 平均办理工作日 average working days: from the day of acceptance to the day of completion
  (``core.calendar`` working days, the acceptance day not counted), less the days the clock was
  stopped for supplements and special procedures, over completed cases.
- 告警 alerts raised in the period by level; 整改率 rectification rate = cards closed after an
  accepted explanation / cards raised.

Every rate is a percentage rounded half up to two decimals (102.9436…% → 102.94%); no
denominator, no rate (None). Counting is done by the database (grouped counts and sums); only
the working-day arithmetic runs in Python, once per distinct (acceptance day, completion day).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Count, DateField, F, Func, Q, Sum
from django.db.models.functions import TruncDate

from govhall.cases.models import Case, CaseResult
from govhall.catalog.models import ItemVersion
from govhall.core.calendar import SHANGHAI, working_days_between
from govhall.core.errors import DomainError
from govhall.supervision.models import CARD_LEVELS, Alert

HUNDREDTH = Decimal("0.01")
TENTH = Decimal("0.1")


def percent(numerator: int, denominator: int) -> Decimal | None:
    """``numerator / denominator`` as a percentage, two decimals, rounded half up; None if 0/0."""
    if denominator <= 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def completion_rate(completed: int, received: int) -> Decimal | None:
    """办结率 = 办结 / 收件 (may exceed 100%)."""
    return percent(completed, received)


def early_completion_rate(early: int, promised: int) -> Decimal | None:
    """提前办结率 = 提前办结的承诺件 / 办结的承诺件."""
    return percent(early, promised)


# --- Periods -------------------------------------------------------------------------------------

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{1,2})|[Qq]([1-4]))?$")


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # exclusive

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026`` (year), ``2026Q4`` (quarter) or ``2026-11`` (month)."""
        match = _PERIOD.match(text.strip())
        if match is None or not 2000 <= int(match.group(1)) <= 2100:
            raise DomainError(
                "invalid_period",
                "统计周期格式应为 2026、2026Q4 或 2026-11",
                "period must look like 2026, 2026Q4 or 2026-11",
                status=422,
                details={"fields": [{"field": "period", "code": "invalid"}]},
            )
        year = int(match.group(1))
        if match.group(2):
            month = int(match.group(2))
            if not 1 <= month <= 12:
                raise DomainError("invalid_period", "月份无效", "invalid month", status=422)
            return cls.months(year, month, 1, f"{year}-{month:02d}")
        if match.group(3):
            quarter = int(match.group(3))
            return cls.months(year, quarter * 3 - 2, 3, f"{year}Q{quarter}")
        return cls(str(year), date(year, 1, 1), date(year + 1, 1, 1))

    @classmethod
    def months(cls, year: int, month: int, count: int, label: str) -> Period:
        last = month + count
        end = date(year + (last - 1) // 12, (last - 1) % 12 + 1, 1)
        return cls(label, date(year, month, 1), end)

    @classmethod
    def month_of(cls, day: date) -> Period:
        return cls.parse(f"{day.year}-{day.month:02d}")

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        return cls.parse(f"{day.year}Q{(day.month - 1) // 3 + 1}")

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), tzinfo=SHANGHAI)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, datetime.min.time(), tzinfo=SHANGHAI)

    def within(self, column: str) -> Q:
        return Q(**{f"{column}__gte": self.start_at, f"{column}__lt": self.end_at})


# --- Figures -------------------------------------------------------------------------------------


@dataclass
class Figures:
    received: int = 0
    online: int = 0
    accepted: int = 0
    completed: int = 0
    instant: int = 0
    promised: int = 0
    joint: int = 0
    early: int = 0
    overdue: int = 0
    working_days: int = 0  # total over the completed cases that were accepted
    timed: int = 0  # how many completed cases that total covers
    warnings: int = 0
    yellow: int = 0
    red: int = 0
    cards_closed: int = 0
    cards_upheld: int = 0
    # Visits to a counter the completed cases needed (跑动): submitting at the window, collecting
    # the result at the counter. 最多跑一次 means an average of at most one.
    trips: int = 0
    # Ratings (好差评) made in the period: how many, how many satisfied (基本满意 or better).
    rated: int = 0
    satisfied: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            **{
                f.name: getattr(self, f.name) + getattr(other, f.name)
                for f in fields(self)
                if f.name != "extra"
            }
        )

    @property
    def has_cases(self) -> bool:
        return bool(self.received or self.completed or self.accepted)

    @property
    def completion_rate(self) -> Decimal | None:
        return completion_rate(self.completed, self.received)

    @property
    def early_rate(self) -> Decimal | None:
        return early_completion_rate(self.early, self.promised)

    @property
    def overdue_rate(self) -> Decimal | None:
        return percent(self.overdue, self.completed)

    @property
    def online_share(self) -> Decimal | None:
        return percent(self.online, self.received)

    @property
    def cards(self) -> int:
        return self.yellow + self.red

    @property
    def rectification_rate(self) -> Decimal | None:
        return percent(self.cards_closed, self.cards)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.rated)

    @property
    def average_trips(self) -> Decimal | None:
        if not self.completed:
            return None
        return (Decimal(self.trips) / Decimal(self.completed)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)

    @property
    def average_working_days(self) -> Decimal | None:
        if not self.timed:
            return None
        return (Decimal(self.working_days) / Decimal(self.timed)).quantize(TENTH, rounding=ROUND_HALF_UP)

    def as_dict(self) -> dict[str, Any]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "received": self.received,
            "accepted": self.accepted,
            "completed": self.completed,
            "completion_rate": text(self.completion_rate),
            "instant": self.instant,
            "promised": self.promised,
            "joint": self.joint,
            "completed_early": self.early,
            "early_completion_rate": text(self.early_rate),
            "overdue": self.overdue,
            "overdue_rate": text(self.overdue_rate),
            "online": self.online,
            "online_share": text(self.online_share),
            "average_working_days": text(self.average_working_days),
            "average_trips": text(self.average_trips),
            "rated": self.rated,
            "satisfaction_rate": text(self.satisfaction_rate),
            "alerts": {"warning": self.warnings, "yellow": self.yellow, "red": self.red},
            "cards_closed": self.cards_closed,
            "cards_upheld": self.cards_upheld,
            "rectification_rate": text(self.rectification_rate),
        }


def local_date(column: str) -> Any:
    """The Beijing calendar date of a timestamp column, computed by the database itself.

    On SQLite ``TruncDate`` calls a Python function per row; China has kept UTC+8 without
    daylight saving since 1991, so a fixed offset is exact for any case this system holds.
    """
    if connection.vendor == "sqlite":
        return Func(F(column), template="date(%(expressions)s, '+8 hours')", output_field=DateField())
    return TruncDate(column, tzinfo=SHANGHAI)


def _types(version_ids: Iterable[int]) -> dict[int, str]:
    return dict(ItemVersion.objects.filter(pk__in=set(version_ids)).values_list("pk", "item_type"))


def by_department(period: Period, department_ids: Iterable[int] | None = None) -> dict[int, Figures]:
    """Figures of each department with anything in ``period`` (all, or only ``department_ids``).

    Grouped queries: the cases received or accepted in the period (one pass over the
    ``submitted_at`` and ``accepted_at`` indexes), those completed (by department, item version — whose type is looked up
    once — and acceptance and completion day), and the joint ones among those (few).
    """
    wanted = None if department_ids is None else list(department_ids)
    cases = Case.objects.all() if wanted is None else Case.objects.filter(lead_department_id__in=wanted)
    figures: dict[int, Figures] = defaultdict(Figures)
    received, accepted, completed = (
        period.within("submitted_at"),
        period.within("accepted_at"),
        period.within("completed_at"),
    )
    early, late = Q(timeliness=Case.Timeliness.EARLY), Q(timeliness=Case.Timeliness.LATE)

    # Grouped by channel first: SQLite then scans the table instead of walking the department index.
    for row in (
        cases.filter(received | accepted)
        .values("channel", "lead_department_id")
        .annotate(received=Count("pk", filter=received), accepted=Count("pk", filter=accepted))
        .order_by()
    ):
        entry = figures[row["lead_department_id"]]
        entry.received += row["received"]
        entry.accepted += row["accepted"]
        if row["channel"] == Case.Channel.ONLINE:
            entry.online += row["received"]
    # One pass over the completed cases (the completed_at index): counts by department, item
    # version and (acceptance day, completion day), so working days are computed once per pair.
    rows = list(
        cases.filter(completed)
        .annotate(accepted_on=local_date("accepted_at"), completed_on=local_date("completed_at"))
        .values("lead_department_id", "item_version_id", "accepted_on", "completed_on")
        .annotate(
            completed=Count("pk"),
            early=Count("pk", filter=early),
            overdue=Count("pk", filter=late),
            at_window=Count("pk", filter=Q(channel=Case.Channel.WINDOW)),
            paused=Sum("paused_working_days"),
        )
        .order_by()
    )
    joint_rows = list(
        cases.filter(completed, pk__in=Case.participant_departments.through.objects.values("case_id"))
        .values("lead_department_id", "item_version_id")
        .annotate(joint=Count("pk"), early=Count("pk", filter=early))
        .order_by()
    )
    types = _types([row["item_version_id"] for row in rows])
    spans: dict[tuple[Any, Any], int] = {}
    for row in rows:
        entry = figures[row["lead_department_id"]]
        entry.completed += row["completed"]
        entry.overdue += row["overdue"]
        entry.trips += row["at_window"]
        if types.get(row["item_version_id"]) == ItemVersion.ItemType.INSTANT:
            entry.instant += row["completed"]
        else:
            entry.promised += row["completed"]
            entry.early += row["early"]
        if row["accepted_on"] is None:
            continue  # completed without acceptance: no handling time to count
        days = (row["accepted_on"], row["completed_on"])
        if days not in spans:
            spans[days] = max(0, working_days_between(_as_date(days[0]), _as_date(days[1])))
        entry.working_days += spans[days] * row["completed"] - (row["paused"] or 0)
        entry.timed += row["completed"]
    for row in joint_rows:
        # Joint cases are neither instant nor promised items in the figures (联办件).
        entry = figures[row["lead_department_id"]]
        entry.joint += row["joint"]
        if types.get(row["item_version_id"]) == ItemVersion.ItemType.INSTANT:
            entry.instant -= row["joint"]
        else:
            entry.promised -= row["joint"]
            entry.early -= row["early"]

    for row in (
        CaseResult.objects.filter(
            delivery_method=CaseResult.DeliveryMethod.COUNTER, case__in=cases.filter(completed)
        )
        .values("case__lead_department_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        figures[row["case__lead_department_id"]].trips += row["n"]

    for department_id, (rated, satisfied) in _satisfaction(period, wanted).items():
        entry = figures[department_id]
        entry.rated, entry.satisfied = rated, satisfied

    alerts = Alert.objects.filter(period.within("raised_at"))
    if wanted is not None:
        alerts = alerts.filter(department_id__in=wanted)
    card = Q(level__in=list(CARD_LEVELS))
    for row in (
        alerts.values("department_id")
        .annotate(
            warnings=Count("pk", filter=Q(level="warning")),
            yellow=Count("pk", filter=Q(level="yellow")),
            red=Count("pk", filter=Q(level="red")),
            cards_closed=Count("pk", filter=card & Q(status=Alert.Status.CLOSED)),
            cards_upheld=Count("pk", filter=card & Q(status=Alert.Status.UPHELD)),
        )
        .order_by()
    ):
        entry = figures[row["department_id"]]
        for name in ("warnings", "yellow", "red", "cards_closed", "cards_upheld"):
            setattr(entry, name, row[name])
    return dict(figures)


def _satisfaction(period: Period, wanted: list[int] | None) -> dict[int, tuple[int, int]]:
    """Ratings of the period by department, when the ratings app is installed."""
    if not apps.is_installed("govhall.ratings"):
        return {}
    from govhall.ratings.selectors import satisfaction_by_department

    found = satisfaction_by_department(period.start_at, period.end_at)
    figures = {pk: (int(entry[0]), int(entry[1])) for pk, entry in found.items()}  # (count, satisfied, …)
    return {pk: pair for pk, pair in figures.items() if pair[0] and (wanted is None or pk in wanted)}


def _as_date(value: date | str) -> date:
    # SQLite's date() comes back as text when the backend does not know the expression's type.
    return value if isinstance(value, date) else date.fromisoformat(value)


def total(figures: Iterable[Figures]) -> Figures:
    result = Figures()
    for entry in figures:
        result = result + entry
    return result


def by_month(
    period: Period, department_ids: Iterable[int] | None = None
) -> list[tuple[Period, dict[int, Figures]]]:
    """The figures of each month of ``period``."""
    months = []
    day = period.start
    while day < period.end:
        month = Period.month_of(day)
        months.append((month, by_department(month, department_ids)))
        day = month.end
    return months
