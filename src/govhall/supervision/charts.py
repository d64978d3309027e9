"""Figures behind the board's charts, and the cases behind any figure (drill-down).

Every query starts from what the user may watch (``department_scope``), so a chart, its data
download and the list it drills into show the same cases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet

from govhall.cases.models import Case
from govhall.core.calendar import deadline_for
from govhall.core.errors import DomainError
from govhall.identity.models import Department, Region
from govhall.supervision import clock
from govhall.supervision import permissions as supervision_permissions
from govhall.supervision.metrics import Period, local_date
from govhall.supervision.models import Alert

TREND_DAYS = 30
TOP_DEPARTMENTS = 12
OPEN_ALERT = (Alert.Status.OPEN, Alert.Status.EXPLAINED)

# Board states a figure can drill into (the board's own tiles).
WAITING = (Case.Status.SUBMITTED,)
RUNNING = (Case.Status.ACCEPTED, Case.Status.IN_REVIEW, Case.Status.APPROVED, Case.Status.DENIED)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _region_names(region_ids: set[int]) -> dict[int, str]:
    return dict(Region.objects.filter(pk__in=region_ids).values_list("pk", "name"))


def trend(
    user: Any, now: datetime, *, department: int | None = None, days: int = TREND_DAYS
) -> dict[str, Any]:
    """Cases received and completed, and alerts raised by level, per Beijing day of the last ``days``."""
    today = clock.local_date(now)
    first = today - timedelta(days=days - 1)
    period = Period(f"{first}…{today}", first, today + timedelta(days=1))
    cases = Case.objects.filter(supervision_permissions.department_scope(user, "lead_department__"))
    alerts = Alert.objects.filter(supervision_permissions.department_scope(user, "department__"))
    if department is not None:
        cases, alerts = cases.filter(lead_department_id=department), alerts.filter(department_id=department)
    received: dict[date, int] = defaultdict(int)
    completed: dict[date, int] = defaultdict(int)
    by_level: dict[str, dict[date, int]] = {level: defaultdict(int) for level in ("warning", "yellow", "red")}
    for row in (
        cases.filter(period.within("submitted_at"))
        .annotate(day=local_date("submitted_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        received[_day(row["day"])] += row["n"]
    for row in (
        cases.filter(period.within("completed_at"))
        .annotate(day=local_date("completed_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        completed[_day(row["day"])] += row["n"]
    for row in (
        alerts.filter(period.within("raised_at"))
        .annotate(day=local_date("raised_at"))
        .values("day", "level")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if row["level"] in by_level:
            by_level[row["level"]][_day(row["day"])] += row["n"]
    dates = [first + timedelta(days=offset) for offset in range(days)]
    return {
        "days": [day.isoformat() for day in dates],
        "received": [received[day] for day in dates],
        "completed": [completed[day] for day in dates],
        "alerts": {level: [counts[day] for day in dates] for level, counts in by_level.items()},
    }


@dataclass
class Load:
    """Open cases and open alerts of one department or region, now."""

    id: int
    name: str
    open: int = 0
    overdue: int = 0
    warning: int = 0
    yellow: int = 0
    red: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _open_cases(user: Any) -> QuerySet[Case]:
    from govhall.supervision.selectors import OPEN_STATUSES

    return Case.objects.filter(
        supervision_permissions.department_scope(user, "lead_department__"), status__in=OPEN_STATUSES
    )


def _open_alerts(user: Any) -> QuerySet[Alert]:
    return Alert.objects.filter(
        supervision_permissions.department_scope(user, "department__"), status__in=OPEN_ALERT
    )


def load(user: Any, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Open cases, overdue cases and open alerts by level, per department (busiest first) and region."""
    departments: dict[int, Load] = {}
    names = dict(
        Department.objects.filter(supervision_permissions.department_scope(user)).values_list(
            "pk", "short_name"
        )
    )
    region_of = dict(
        Department.objects.filter(supervision_permissions.department_scope(user)).values_list(
            "pk", "region_id"
        )
    )

    def entry(pk: int) -> Load:
        if pk not in departments:
            departments[pk] = Load(pk, names.get(pk, str(pk)))
        return departments[pk]

    overdue = Q(status__in=RUNNING, promised_deadline__lt=now)
    for row in (
        _open_cases(user)
        .values("lead_department_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue))
        .order_by()
    ):
        found = entry(row["lead_department_id"])
        found.open, found.overdue = row["open"], row["overdue"]
    for row in _open_alerts(user).values("department_id", "level").annotate(n=Count("pk")).order_by():
        if row["level"] in ("warning", "yellow", "red"):
            setattr(entry(row["department_id"]), row["level"], row["n"])

    regions: dict[int, Load] = {}
    region_names = _region_names({region_of[pk] for pk in departments if pk in region_of})
    for found in departments.values():
        region_id = region_of.get(found.id)
        if region_id is None:
            continue
        total = regions.setdefault(region_id, Load(region_id, region_names.get(region_id, "")))
        for name in ("open", "overdue", "warning", "yellow", "red"):
            setattr(total, name, getattr(total, name) + getattr(found, name))

    def weight(item: Load) -> tuple[int, ...]:
        return (item.red, item.yellow, item.overdue, item.warning, item.open)

    busiest = sorted(departments.values(), key=weight, reverse=True)[:TOP_DEPARTMENTS]
    return {
        "departments": [item.as_dict() for item in busiest],
        "regions": [item.as_dict() for item in sorted(regions.values(), key=lambda item: item.id)],
    }


# --- Drill-down ------------------------------------------------------------------------------------

# What a metric counts, as a filter over cases in a period (the same definitions as metrics.py).
METRIC_FIGURES: dict[str, str] = {
    "received": "收件",
    "accepted": "受理",
    "completed": "办结",
    "online": "网上申请",
    "early": "提前办结",
    "overdue": "超期办结",
}
# What a board tile counts, now.
BOARD_FIGURES: dict[str, str] = {
    "open": "在办件",
    "waiting": "待受理",
    "due_soon": "1个工作日内到期",
    "overdue_now": "已超期",
}


def _invalid_figure(figure: str) -> DomainError:
    return DomainError(
        "invalid_figure",
        f"不能查看该指标的办件：{figure}",
        f"no case list for figure {figure!r}",
        status=422,
        details={"fields": [{"field": "figure", "code": "invalid"}]},
    )


def figure_cases(
    user: Any,
    figure: str,
    *,
    now: datetime,
    period: Period | None = None,
    department: int | None = None,
    region: int | None = None,
) -> QuerySet[Case]:
    """The cases counted by one figure — a metric of ``period`` or a board tile now."""
    if figure in METRIC_FIGURES:
        if period is None:
            raise _invalid_figure(figure)
        cases = Case.objects.filter(supervision_permissions.department_scope(user, "lead_department__"))
        received, accepted, completed = (
            period.within("submitted_at"),
            period.within("accepted_at"),
            period.within("completed_at"),
        )
        wanted = {
            "received": received,
            "accepted": accepted,
            "completed": completed,
            "online": received & Q(channel=Case.Channel.ONLINE),
            "early": completed & Q(timeliness=Case.Timeliness.EARLY),
            "overdue": completed & Q(timeliness=Case.Timeliness.LATE),
        }[figure]
        cases = cases.filter(wanted)
    elif figure in BOARD_FIGURES:
        cases = _open_cases(user)
        if figure == "waiting":
            cases = cases.filter(status__in=WAITING)
        elif figure == "due_soon":
            cases = cases.filter(
                status__in=RUNNING, promised_deadline__gte=now, promised_deadline__lte=deadline_for(now, 1)
            )
        elif figure == "overdue_now":
            cases = cases.filter(status__in=RUNNING, promised_deadline__lt=now)
    else:
        raise _invalid_figure(figure)
    if department is not None:
        cases = cases.filter(lead_department_id=department)
    if region is not None:
        cases = cases.filter(lead_department__region_id=region)
    return cases.select_related("lead_department", "item_version").order_by("-submitted_at", "-pk")


def figure_label(figure: str) -> str:
    return METRIC_FIGURES.get(figure) or BOARD_FIGURES.get(figure) or figure
